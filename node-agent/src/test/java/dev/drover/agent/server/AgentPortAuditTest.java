package dev.drover.agent.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.drover.agent.runtime.simulated.SimulatedRuntime;
import dev.drover.agent.sync.MasterClient;
import dev.drover.agent.sync.PodSyncer;
import dev.drover.agent.sync.SyncConfig;
import dev.drover.api.v1.AgentServiceGrpc;
import dev.drover.api.v1.GetPodDependenciesResponse;
import dev.drover.api.v1.PodMetricsRequest;
import dev.drover.client.Channels;
import dev.drover.client.ClientCredentials;
import dev.drover.client.audit.AuditLog;
import dev.drover.client.tls.DeferredClientTrust;
import dev.drover.client.tls.PemFiles;
import dev.drover.client.tls.ReloadingKeyManager;
import dev.drover.client.tls.ServerTls;
import dev.drover.client.tls.TrustManagers;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's port over mutual TLS serves masters of its cluster only, and every client it refuses
 * leaves one line in the agent's audit log: a plaintext client, a certificate of another CA, an
 * expired one, a node's. A master's call is served and leaves none.
 */
class AgentPortAuditTest {
  @TempDir static Path pki;
  private static KeytoolPki cluster;
  private static KeytoolPki other;
  private static AuditLog audit;
  private static Path auditFile;
  private static SimulatedRuntime runtime;
  private static PodSyncer syncer;
  private static AgentServer server;

  @BeforeAll
  static void start() throws IOException {
    cluster = KeytoolPki.ca(pki, "cluster");
    other = KeytoolPki.ca(pki, "other");
    cluster.leaf("agent", "CN=node:a,O=NODE", "ip:127.0.0.1,dns:localhost", null, 2);
    cluster.leaf("master", "CN=master:m1,O=MASTER", null, null, 2);
    cluster.leaf("node", "CN=node:b,O=NODE", null, null, 2);
    cluster.leaf("expired", "CN=master:m2,O=MASTER", null, "-3d", 1);
    other.leaf("foreign", "CN=master:m1,O=MASTER", null, null, 2);
    auditFile = pki.resolve("data/audit.log");
    audit = AuditLog.toFile(auditFile, 1 << 20, 1);
    runtime = new SimulatedRuntime();
    syncer =
        new PodSyncer(
            runtime,
            new NoMaster(),
            new SyncConfig(
                "a",
                "127.0.0.1",
                pki.resolve("data"),
                null,
                30000,
                30100,
                Duration.ofSeconds(1),
                Duration.ofSeconds(2),
                Duration.ofMinutes(1),
                Duration.ofSeconds(1),
                Duration.ofSeconds(1),
                Duration.ofMinutes(1)),
            1);
    List<X509Certificate> ca = PemFiles.readCertificates(cluster.caFile());
    server =
        new AgentServer(
                "127.0.0.1",
                0,
                syncer,
                runtime,
                new AgentServer.Tls(
                    ServerTls.context(
                        new ReloadingKeyManager(pki.resolve("agent.crt"), pki.resolve("agent.key")),
                        new DeferredClientTrust(ca.toArray(X509Certificate[]::new)),
                        false),
                    TrustManagers.forCas(ca),
                    audit,
                    Clock.systemUTC()))
            .start();
  }

  @AfterAll
  static void stop() {
    server.close();
    syncer.close();
    runtime.close();
    audit.close();
  }

  @BeforeEach
  void emptyTheLog() throws IOException {
    Files.writeString(auditFile, "");
    audit.close();
  }

  @Test
  void aMastersCallIsServedAndNotAudited() throws IOException {
    StatusRuntimeException e = call("master");
    // Past the guard: the service itself answers that the pod is not here.
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(e.getStatus().getDescription()).contains("is not on this node");
    assertThat(Files.readAllLines(auditFile)).isEmpty();
  }

  @Test
  void aNodeCertificateIsPermissionDeniedAndAudited() throws IOException {
    StatusRuntimeException e = call("node");
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    String line = onlyLine();
    assertThat(line)
        .contains("\"who\":\"node:b\"", "\"role\":\"node\"")
        .contains("\"method\":\"drover.v1.AgentService/GetPodMetrics\"")
        .contains("\"verb\":\"get\"", "\"kind\":\"pods/metrics\"")
        .contains("\"code\":\"PERMISSION_DENIED\"")
        .contains("\"time\":\"");
  }

  @Test
  void aCertificateOfAnotherCaIsUnauthenticatedAndAudited() throws IOException {
    StatusRuntimeException e = call("foreign");
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(e.getStatus().getDescription()).contains("is not one of this cluster's CA");
    assertThat(onlyLine())
        .contains("\"who\":null", "\"code\":\"UNAUTHENTICATED\"")
        .contains("master:m1", "is not one of this cluster");
  }

  @Test
  void anExpiredCertificateIsUnauthenticatedAndAudited() throws IOException {
    StatusRuntimeException e = call("expired");
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(e.getStatus().getDescription()).contains("expired at");
    assertThat(onlyLine()).contains("\"code\":\"UNAUTHENTICATED\"", "master:m2", "expired at");
  }

  @Test
  void aPlaintextClientIsRefusedAndAudited() throws IOException {
    ManagedChannel plain = Channels.plaintext("127.0.0.1", server.port());
    try {
      assertThatThrownBy(() -> metrics(plain))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    } finally {
      Channels.close(plain);
    }
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(onlyLine())
                    .contains("\"verb\":\"connect\"", "\"name\":\"AgentService\"")
                    .contains("\"code\":\"UNAVAILABLE\"", "plaintext connection refused"));
  }

  private static String onlyLine() throws IOException {
    List<String> lines = Files.readAllLines(auditFile);
    assertThat(lines).hasSize(1);
    return lines.get(0);
  }

  private static StatusRuntimeException call(String who) {
    ManagedChannel channel =
        Channels.secure(
            "127.0.0.1:" + server.port(),
            ClientCredentials.certificate(
                cluster.caFile(), pki.resolve(who + ".crt"), pki.resolve(who + ".key")));
    try {
      return org.junit.jupiter.api.Assertions.assertThrows(
          StatusRuntimeException.class, () -> metrics(channel));
    } finally {
      Channels.close(channel);
    }
  }

  private static void metrics(ManagedChannel channel) {
    AgentServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .getPodMetrics(PodMetricsRequest.newBuilder().setNamespace("default").setPod("p").build());
  }

  /** The syncer's master, never called here: no pod is ever given to the syncer. */
  private static final class NoMaster implements MasterClient {
    @Override
    public List<dev.drover.api.v1.PodStatusUpdateResult> updatePodStatuses(
        List<dev.drover.api.v1.PodStatusUpdate> updates) {
      throw new UnsupportedOperationException("no master in this test");
    }

    @Override
    public void recordEvents(List<dev.drover.api.v1.Event> events) {}

    @Override
    public boolean confirmPodTermination(String namespace, String name, String uid) {
      throw new UnsupportedOperationException("no master in this test");
    }

    @Override
    public GetPodDependenciesResponse podDependencies(
        String namespace,
        java.util.Collection<String> secretNames,
        java.util.Collection<String> configMapNames) {
      throw new UnsupportedOperationException("no master in this test");
    }
  }
}
