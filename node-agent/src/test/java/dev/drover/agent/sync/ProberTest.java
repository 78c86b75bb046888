package dev.drover.agent.sync;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.drover.agent.runtime.simulated.SimulatedRuntime;
import dev.drover.api.v1.Container;
import dev.drover.api.v1.ContainerPort;
import dev.drover.api.v1.HttpGetAction;
import dev.drover.api.v1.HttpHeader;
import dev.drover.api.v1.IntOrString;
import dev.drover.api.v1.Probe;
import dev.drover.api.v1.TcpSocketAction;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * HTTP GET and TCP probe checks against real sockets on loopback: success by status code (2xx and
 * 3xx), headers sent, named ports resolved from the container's ports, refused connections and
 * timeouts counted as failures with a message. (Exec probes are covered on Docker by
 * DockerPodsTest.)
 */
class ProberTest {

  private final SimulatedRuntime runtime = new SimulatedRuntime();
  private final Prober prober = new Prober(runtime);
  private final CountDownLatch release = new CountDownLatch(1);
  private HttpServer http;
  private int port;

  @BeforeEach
  void setUp() throws IOException {
    http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    http.createContext("/ok", x -> reply(x, 200));
    http.createContext("/moved", x -> reply(x, 302));
    http.createContext("/broken", x -> reply(x, 500));
    http.createContext(
        "/needs-header",
        x -> reply(x, "yes".equals(x.getRequestHeaders().getFirst("X-Probe")) ? 200 : 403));
    http.createContext(
        "/slow",
        x -> {
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          reply(x, 200);
        });
    http.setExecutor(Executors.newCachedThreadPool());
    http.start();
    port = http.getAddress().getPort();
  }

  @AfterEach
  void tearDown() {
    release.countDown();
    http.stop(0);
    runtime.close();
  }

  private static void reply(HttpExchange x, int code) throws IOException {
    byte[] body = ("code " + code).getBytes();
    x.sendResponseHeaders(code, body.length);
    try (OutputStream out = x.getResponseBody()) {
      out.write(body);
    }
  }

  private static final Container CONTAINER =
      Container.newBuilder()
          .setName("main")
          .addPorts(ContainerPort.newBuilder().setName("web").setContainerPort(8080))
          .build();

  private Prober.Result get(String path, HttpHeader... headers) {
    Probe probe =
        Probe.newBuilder()
            .setTimeoutSeconds(1)
            .setHttpGet(
                HttpGetAction.newBuilder()
                    .setPath(path)
                    .setPort(IntOrString.newBuilder().setIntValue(port))
                    .addAllHttpHeaders(List.of(headers)))
            .build();
    return prober.check(probe, CONTAINER, "c1", "127.0.0.1");
  }

  private Prober.Result tcp(int tcpPort) {
    Probe probe =
        Probe.newBuilder()
            .setTimeoutSeconds(1)
            .setTcpSocket(
                TcpSocketAction.newBuilder().setPort(IntOrString.newBuilder().setIntValue(tcpPort)))
            .build();
    return prober.check(probe, CONTAINER, "c1", "127.0.0.1");
  }

  @Test
  void httpSucceedsOn2xxAnd3xxAndFailsOtherwise() {
    assertThat(get("/ok").success()).isTrue();
    assertThat(get("/moved").success()).isTrue();
    Prober.Result broken = get("/broken");
    assertThat(broken.success()).isFalse();
    assertThat(broken.message()).contains("/broken").contains("500");
  }

  @Test
  void httpSendsTheProbesHeaders() {
    assertThat(get("/needs-header").success()).isFalse();
    assertThat(
            get("/needs-header", HttpHeader.newBuilder().setName("X-Probe").setValue("yes").build())
                .success())
        .isTrue();
  }

  @Test
  void httpThatAnswersTooLateFails() {
    long start = System.nanoTime();
    Prober.Result r = get("/slow");
    assertThat(r.success()).isFalse();
    assertThat(r.message()).startsWith("probe failed");
    // Gave up after its one-second timeout, not much later.
    assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(10_000);
  }

  @Test
  void tcpSucceedsWhenSomethingListensAndFailsWhenRefused() throws IOException {
    int closed;
    try (ServerSocket listening = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      assertThat(tcp(listening.getLocalPort()).success()).isTrue();
      closed = listening.getLocalPort();
    }
    Prober.Result refused = tcp(closed);
    assertThat(refused.success()).isFalse();
    assertThat(refused.message()).startsWith("probe failed");
  }

  @Test
  void namedPortsResolveFromTheContainersPorts() {
    assertThat(
            Prober.resolvePort(IntOrString.newBuilder().setStringValue("web").build(), CONTAINER))
        .isEqualTo(8080);
    assertThat(Prober.resolvePort(IntOrString.newBuilder().setIntValue(9).build(), CONTAINER))
        .isEqualTo(9);
    Probe unknown =
        Probe.newBuilder()
            .setTcpSocket(
                TcpSocketAction.newBuilder().setPort(IntOrString.newBuilder().setStringValue("db")))
            .build();
    Prober.Result r = prober.check(unknown, CONTAINER, "c1", "127.0.0.1");
    assertThat(r.success()).isFalse();
    assertThat(r.message()).contains("\"db\" names no port of container main");
  }
}
