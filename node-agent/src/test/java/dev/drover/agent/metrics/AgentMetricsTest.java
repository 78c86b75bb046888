package dev.drover.agent.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.drover.agent.proxy.ProxyConfig;
import dev.drover.agent.proxy.ServiceProxy;
import dev.drover.api.v1.EndpointAddress;
import dev.drover.api.v1.EndpointPort;
import dev.drover.api.v1.EndpointSubset;
import dev.drover.api.v1.Endpoints;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.ObjectReference;
import dev.drover.api.v1.Service;
import dev.drover.api.v1.ServicePort;
import dev.drover.api.v1.ServiceSpec;
import dev.drover.api.v1.ServiceType;
import dev.drover.client.audit.AuditLog;
import dev.drover.client.audit.RefusalAudit;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's metrics port against a real service proxy and a loopback backend: {@code /healthz}
 * follows the session, a proxied connection shows in its service's counters (connections, bytes,
 * chosen backend), JVM metrics and OpenMetrics are served, and a bind off loopback needs a token.
 */
class AgentMetricsTest {
  @TempDir Path dir;
  private final AtomicBoolean connected = new AtomicBoolean();
  private final ServiceProxy proxy =
      new ServiceProxy(
          new ProxyConfig(
              false, List.of(), "127.0.0.1", "127.0.0.1", 1, 1000, Duration.ofSeconds(1)),
          (svc, reason, message) -> {});
  private final AgentMetrics metrics = new AgentMetrics(connected::get, proxy::allMetrics);
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private AgentMetricsServer server;
  private ServerSocket backend;

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.close();
    }
    proxy.close();
    if (backend != null) {
      backend.close();
    }
  }

  private HttpResponse<String> get(String path, String accept, String authorization)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .timeout(Duration.ofSeconds(20));
    if (accept != null) {
      b.header("Accept", accept);
    }
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A backend that greets each connection, then echoes one line back. */
  private int startBackend() throws Exception {
    backend = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
    Thread t =
        new Thread(
            () -> {
              while (!backend.isClosed()) {
                try (Socket s = backend.accept()) {
                  BufferedReader in =
                      new BufferedReader(
                          new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                  s.getOutputStream().write("hi\n".getBytes(StandardCharsets.UTF_8));
                  String line = in.readLine();
                  s.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
                } catch (java.io.IOException e) {
                  // Closed by the test.
                }
              }
            },
            "echo-backend");
    t.setDaemon(true);
    t.start();
    return backend.getLocalPort();
  }

  private void proxyWeb(int nodePort, int backendPort) {
    ObjectMeta meta = ObjectMeta.newBuilder().setNamespace("shop").setName("web").build();
    proxy.putService(
        Service.newBuilder()
            .setMetadata(meta)
            .setSpec(
                ServiceSpec.newBuilder()
                    .setType(ServiceType.SERVICE_TYPE_NODE_PORT)
                    .addPorts(
                        ServicePort.newBuilder().setName("http").setPort(80).setNodePort(nodePort)))
            .build());
    proxy.putEndpoints(
        Endpoints.newBuilder()
            .setMetadata(meta)
            .addSubsets(
                EndpointSubset.newBuilder()
                    .addPorts(EndpointPort.newBuilder().setName("http").setPort(backendPort))
                    .addAddresses(
                        EndpointAddress.newBuilder()
                            .setIp("127.0.0.1")
                            .setTargetRef(ObjectReference.newBuilder().setName("web-0"))))
            .build());
    proxy.reconcileAndWait();
  }

  private static double sample(String text, String series) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(text);
    return m.find() ? Double.parseDouble(m.group(1)) : -1;
  }

  @Test
  void healthFollowsTheSessionAndAProxiedConnectionCountsForItsService() throws Exception {
    server =
        AgentMetricsServer.start(
            "127.0.0.1", 0, null, metrics.registry(), connected::get, RefusalAudit.none());
    HttpResponse<String> down = get("/healthz", null, null);
    assertThat(down.statusCode()).isEqualTo(503);
    assertThat(down.body()).contains("not connected");
    connected.set(true);
    assertThat(get("/healthz", null, null).statusCode()).isEqualTo(200);

    int backendPort = startBackend();
    int nodePort;
    try (ServerSocket free = new ServerSocket(0)) {
      nodePort = free.getLocalPort();
    }
    proxyWeb(nodePort, backendPort);
    try (Socket s = new Socket("127.0.0.1", nodePort)) {
      s.setSoTimeout(5000);
      BufferedReader in =
          new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
      assertThat(in.readLine()).isEqualTo("hi");
      s.getOutputStream().write("ping\n".getBytes(StandardCharsets.UTF_8));
      assertThat(in.readLine()).isEqualTo("ping");
    }

    String service = "{service=\"shop/web\"}";
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              String text = get("/metrics", null, null).body();
              assertThat(sample(text, "drover_proxy_connections_total" + service)).isEqualTo(1);
              assertThat(sample(text, "drover_proxy_received_bytes_total" + service))
                  .isEqualTo("ping\n".length());
              assertThat(sample(text, "drover_proxy_sent_bytes_total" + service))
                  .isEqualTo("hi\nping\n".length());
              assertThat(sample(text, "drover_proxy_active_connections" + service)).isZero();
              assertThat(sample(text, "drover_proxy_errors_total" + service)).isZero();
              assertThat(
                      sample(
                          text,
                          "drover_proxy_backend_connections_total{backend=\"web-0@127.0.0.1:"
                              + backendPort
                              + "\",service=\"shop/web\"}"))
                  .isEqualTo(1);
            });
    String text = get("/metrics", null, null).body();
    assertThat(sample(text, "drover_agent_connected")).isEqualTo(1);
    assertThat(text).contains("# TYPE jvm_memory_used_bytes gauge").contains("process_cpu_seconds");

    HttpResponse<String> om = get("/metrics", "application/openmetrics-text; version=1.0.0", null);
    assertThat(om.headers().firstValue("Content-Type").orElse(""))
        .startsWith("application/openmetrics-text");
    assertThat(om.body()).endsWith("# EOF\n").contains("# TYPE drover_proxy_connections counter");
    assertThat(get("/nothing", null, null).statusCode()).isEqualTo(404);
  }

  @Test
  void offLoopbackTheMetricsNeedABearerToken() throws Exception {
    assertThatThrownBy(
            () ->
                AgentMetricsServer.start(
                    "0.0.0.0", 0, null, metrics.registry(), connected::get, RefusalAudit.none()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("metricsHost: 0.0.0.0 is not a loopback address");
    Path token = Files.writeString(dir.resolve("token"), "agent-token\n");
    Path auditFile = dir.resolve("audit.log");
    try (AuditLog audit = AuditLog.toFile(auditFile, AuditLog.DEFAULT_MAX_BYTES, 1)) {
      server =
          AgentMetricsServer.start(
              "0.0.0.0",
              0,
              token,
              metrics.registry(),
              connected::get,
              new RefusalAudit(audit, Clock.systemUTC()));
      HttpResponse<String> refused = get("/metrics", null, null);
      assertThat(refused.statusCode()).isEqualTo(401);
      assertThat(refused.headers().firstValue("WWW-Authenticate")).contains("Bearer");
      // The refusal is audited before it is answered; a second one within the minute is counted.
      assertThat(Files.readAllLines(auditFile))
          .singleElement()
          .asString()
          .contains(
              "\"verb\":\"get\"",
              "\"kind\":\"metrics\"",
              "\"name\":\"agent metrics\"",
              "\"code\":\"UNAUTHENTICATED\"");
      assertThat(get("/metrics", null, "Bearer nope").statusCode()).isEqualTo(401);
    }
    assertThat(get("/metrics", null, "Bearer agent-token").body())
        .contains("drover_agent_connected 0");
    assertThat(get("/healthz", null, null).statusCode()).isEqualTo(503);
  }
}
