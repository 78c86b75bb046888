package dev.drover.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.drover.agent.security.NodeCredentials;
import dev.drover.api.Conditions;
import dev.drover.api.v1.CreateTokenRequest;
import dev.drover.api.v1.SecurityServiceGrpc;
import dev.drover.api.v1.TokenRole;
import dev.drover.client.Channels;
import dev.drover.client.DroverClient;
import dev.drover.client.tls.PemFiles;
import io.grpc.ManagedChannel;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A secured master and agents over mutual TLS: joining with a token, and rotation. */
class SecureClusterTest {
  @TempDir Path dir;

  private static BigInteger serial(Path certificate) {
    return PemFiles.readCertificates(certificate).get(0).getSerialNumber();
  }

  @Test
  void masterAndAgentKeepWorkingAcrossSeveralRotations() throws Exception {
    try (DroverMaster cluster =
        Drover.master()
            .dataDir(dir)
            .secure()
            // Short enough for several rotations in a test, long enough that a loaded machine
            // starts the agent before its first certificate expires.
            .certificateLifetime(Duration.ofSeconds(15))
            .withAgent(a -> a.nodeName("n1"))
            .start()) {
      cluster.awaitNodeReady("n1", Duration.ofSeconds(60));
      Path masterCert = dir.resolve("pki/master.crt");
      Path nodeCert = dir.resolve("agent/pki/node.crt");
      Set<BigInteger> masterSerials = new HashSet<>();
      Set<BigInteger> nodeSerials = new HashSet<>();
      // Each round opens a new client (a new TLS handshake with the current certificates) and
      // checks that the node, whose agent talks to the master over its own channel, stays Ready.
      await()
          .atMost(Duration.ofSeconds(150))
          .pollInterval(Duration.ofMillis(500))
          .until(
              () -> {
                masterSerials.add(serial(masterCert));
                nodeSerials.add(serial(nodeCert));
                try (DroverClient client = cluster.newClient()) {
                  assertThat(Conditions.isReady(client.nodes().get("", "n1"))).isTrue();
                }
                return masterSerials.size() >= 4 && nodeSerials.size() >= 4;
              });
      // The first certificates expired long ago; new handshakes still succeed.
      try (DroverClient client = cluster.newClient()) {
        assertThat(Conditions.isReady(client.nodes().get("", "n1"))).isTrue();
      }
    }
  }

  @Test
  void anAgentWhoseCertificateExpiredJoinsAgainWithItsTokenOrSaysWhatToDo() throws Exception {
    try (DroverMaster cluster =
        Drover.master()
            .dataDir(dir.resolve("m"))
            .secure()
            .certificateLifetime(Duration.ofSeconds(10))
            .start()) {
      String token = agentToken(cluster);
      Path pki = dir.resolve("a/pki");
      try (DroverAgent agent = sleeper(cluster, token)) {
        cluster.awaitNodeReady("sleeper", Duration.ofSeconds(60));
      }
      // The host stays off past its certificate's lifetime: nothing renewed it.
      Instant notAfter =
          PemFiles.readCertificates(pki.resolve("node.crt")).get(0).getNotAfter().toInstant();
      await().atMost(Duration.ofSeconds(30)).until(() -> Instant.now().isAfter(notAfter));
      BigInteger expired = serial(pki.resolve("node.crt"));

      // Without its token the agent does not start and says what to do, in one line.
      assertThatThrownBy(
              () ->
                  NodeCredentials.obtain(
                      pki,
                      "sleeper",
                      null,
                      List.of(cluster.endpoint()),
                      List.of("127.0.0.1"),
                      Duration.ofSeconds(1)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("expired at " + notAfter)
          .hasMessageContaining("restart the agent with --join-token")
          .hasMessageNotContaining("\n");

      // With its token it joins again and works.
      try (DroverAgent agent = sleeper(cluster, token)) {
        assertThat(serial(pki.resolve("node.crt"))).isNotEqualTo(expired);
        assertThat(
                PemFiles.readCertificates(pki.resolve("node.crt")).get(0).getNotAfter().toInstant())
            .isAfter(Instant.now());
        cluster.awaitNodeReady("sleeper", Duration.ofSeconds(60));
      }
    }
  }

  private DroverAgent sleeper(DroverMaster cluster, String token) {
    return Drover.agent()
        .master(cluster.endpoint())
        .nodeName("sleeper")
        .joinToken(token)
        .dataDir(dir.resolve("a"))
        .start();
  }

  private static String agentToken(DroverMaster cluster) {
    ManagedChannel admin =
        Channels.secure(cluster.endpoint(), cluster.adminCredentials().orElseThrow());
    try {
      return SecurityServiceGrpc.newBlockingStub(admin)
          .createToken(CreateTokenRequest.newBuilder().setRole(TokenRole.TOKEN_ROLE_AGENT).build())
          .getToken();
    } finally {
      Channels.close(admin);
    }
  }

  @Test
  void anAgentJoinsWithATokenAndRegistersOverMutualTls() throws Exception {
    try (DroverMaster cluster = Drover.master().dataDir(dir.resolve("m")).secure().start()) {
      String token = agentToken(cluster);
      try (DroverAgent agent =
          Drover.agent()
              .master(cluster.endpoint())
              .nodeName("joined")
              .joinToken(token)
              .dataDir(dir.resolve("a"))
              .start()) {
        cluster.awaitNodeReady("joined", Duration.ofSeconds(60));
        assertThat(dir.resolve("a/pki/node.crt")).exists();
        assertThat(
                PemFiles.readCertificates(dir.resolve("a/pki/node.crt"))
                    .get(0)
                    .getSubjectX500Principal()
                    .getName())
            .contains("CN=node:joined");
      }
    }
  }
}
