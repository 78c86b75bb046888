package dev.drover.agent.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.drover.api.v1.ProxyProtocol;
import io.netty.channel.epoll.Epoll;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The relay's byte path on each transport (Linux's native epoll and NIO): megabytes both ways
 * arrive whole and in order through the write-buffer pacing, and a half-close (FIN) of either side
 * reaches the other side while the opposite direction keeps flowing. Epoll must load on CI.
 */
class RelayTransportTest {
  private static final int MB = 1 << 20;
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private ServiceProxy proxy;
  private ServerSocket backend;

  @AfterEach
  void tearDown() throws IOException {
    if (proxy != null) {
      proxy.close();
    }
    if (backend != null) {
      backend.close();
    }
    threads.shutdownNow();
  }

  /** A proxy on the transport whose node port forwards to a backend serving each accept. */
  private int proxyTo(ProxyConfig.Transport transport, Consumer<Socket> serve) throws IOException {
    if (transport == ProxyConfig.Transport.EPOLL && !"true".equalsIgnoreCase(System.getenv("CI"))) {
      Assumptions.assumeTrue(Epoll.isAvailable(), "epoll cannot load on this machine");
    }
    backend = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    threads.execute(
        () -> {
          while (!backend.isClosed()) {
            try {
              Socket s = backend.accept();
              threads.execute(
                  () -> {
                    try (s) {
                      serve.accept(s);
                    } catch (IOException e) {
                      // The test's assertions say what went wrong.
                    }
                  });
            } catch (IOException e) {
              return;
            }
          }
        });
    int nodePort;
    try (ServerSocket free = new ServerSocket(0)) {
      nodePort = free.getLocalPort();
    }
    proxy =
        new ServiceProxy(
            new ProxyConfig(
                false,
                List.of(),
                "127.0.0.1",
                "127.0.0.1",
                2,
                1000,
                Duration.ofSeconds(10),
                transport),
            (svc, reason, message) -> {});
    assertThat(proxy.transport()).isEqualTo(transport);
    proxy.putService(
        ServiceProxyTest.service("raw", nodePort, ProxyProtocol.PROXY_PROTOCOL_UNSPECIFIED));
    proxy.putEndpoints(ServiceProxyTest.endpoints("raw", Map.of("raw", backend.getLocalPort())));
    proxy.reconcileAndWait();
    return nodePort;
  }

  private interface IoCall<T> {
    T call() throws Exception;
  }

  private <T> CompletableFuture<T> async(IoCall<T> call) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return call.call();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        },
        threads);
  }

  private static byte[] sha256(byte[] data) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(data);
  }

  @ParameterizedTest
  @EnumSource(
      value = ProxyConfig.Transport.class,
      names = {"EPOLL", "NIO"})
  void megabytesEachWayArriveWholeAndInOrder(ProxyConfig.Transport transport) throws Exception {
    // The backend echoes everything back while the client is still sending, so both directions
    // are full at once and each side's pacing is exercised.
    int port =
        proxyTo(
            transport,
            s -> {
              try {
                s.getInputStream().transferTo(s.getOutputStream());
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
    byte[] sent = new byte[8 * MB];
    new Random(17).nextBytes(sent);
    try (Socket client = new Socket("127.0.0.1", port)) {
      client.setSoTimeout(30_000);
      CompletableFuture<byte[]> echoed = async(() -> client.getInputStream().readAllBytes());
      OutputStream out = client.getOutputStream();
      for (int off = 0; off < sent.length; off += 64 * 1024) {
        out.write(sent, off, 64 * 1024);
      }
      client.shutdownOutput();
      byte[] back = echoed.get(60, TimeUnit.SECONDS);
      assertThat(back.length).isEqualTo(sent.length);
      assertThat(sha256(back)).isEqualTo(sha256(sent));
    }
    ProxyMetrics m = proxy.metrics("default/raw");
    assertThat(m.bytesIn()).isEqualTo(8L * MB);
    assertThat(m.bytesOut()).isEqualTo(8L * MB);
    assertThat(m.errors()).isZero();
    await().atMost(Duration.ofSeconds(10)).until(() -> m.active() == 0);
  }

  @ParameterizedTest
  @EnumSource(
      value = ProxyConfig.Transport.class,
      names = {"EPOLL", "NIO"})
  void aClientsHalfCloseReachesTheBackendAndTheAnswerStillComesBack(ProxyConfig.Transport transport)
      throws Exception {
    // Like `nc -N`: send the request, close the sending side, then read the answer.
    int port =
        proxyTo(
            transport,
            s -> {
              try {
                byte[] request = s.getInputStream().readAllBytes();
                s.getOutputStream()
                    .write(("got " + request.length + " bytes\n").getBytes(StandardCharsets.UTF_8));
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
    try (Socket client = new Socket("127.0.0.1", port)) {
      client.setSoTimeout(10_000);
      client.getOutputStream().write(new byte[100_000]);
      client.shutdownOutput();
      assertThat(new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
          .isEqualTo("got 100000 bytes\n");
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> proxy.metrics("default/raw").active() == 0);
  }

  @ParameterizedTest
  @EnumSource(
      value = ProxyConfig.Transport.class,
      names = {"EPOLL", "NIO"})
  void aBackendsHalfCloseReachesTheClientWhichCanStillSend(ProxyConfig.Transport transport)
      throws Exception {
    CompletableFuture<String> backendGot = new CompletableFuture<>();
    int port =
        proxyTo(
            transport,
            s -> {
              try {
                s.getOutputStream().write("hello\n".getBytes(StandardCharsets.UTF_8));
                s.shutdownOutput();
                backendGot.complete(
                    new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
              } catch (IOException e) {
                backendGot.completeExceptionally(e);
              }
            });
    try (Socket client = new Socket("127.0.0.1", port)) {
      client.setSoTimeout(10_000);
      InputStream in = client.getInputStream();
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("hello\n");
      // The backend stopped sending; the connection still carries the client's bytes to it.
      client.getOutputStream().write("bye\n".getBytes(StandardCharsets.UTF_8));
      client.shutdownOutput();
      assertThat(backendGot.get(10, TimeUnit.SECONDS)).isEqualTo("bye\n");
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> proxy.metrics("default/raw").active() == 0);
  }
}
