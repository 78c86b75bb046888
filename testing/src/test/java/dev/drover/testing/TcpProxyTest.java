package dev.drover.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The TCP relay: bytes pass both ways, latency delays them, loss cuts the connection. */
class TcpProxyTest {

  private ServerSocket echo;
  private TcpProxy proxy;

  @BeforeEach
  void startEcho() throws IOException {
    echo = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
    Thread t =
        new Thread(
            () -> {
              while (!echo.isClosed()) {
                try (Socket s = echo.accept();
                    InputStream in = s.getInputStream();
                    OutputStream out = s.getOutputStream()) {
                  int b;
                  while ((b = in.read()) >= 0) {
                    out.write(b);
                    out.flush();
                  }
                } catch (IOException e) {
                  // Next connection.
                }
              }
            });
    t.setDaemon(true);
    t.start();
    proxy =
        TcpProxy.start(
            new InetSocketAddress("127.0.0.1", 0),
            new InetSocketAddress("127.0.0.1", echo.getLocalPort()),
            7L);
  }

  @AfterEach
  void stop() throws IOException {
    proxy.close();
    echo.close();
  }

  private int roundTrip(Socket s, int b) throws IOException {
    s.getOutputStream().write(b);
    s.getOutputStream().flush();
    return s.getInputStream().read();
  }

  @Test
  void relaysBothWaysAndDelaysByTheLatency() throws IOException {
    try (Socket s = new Socket()) {
      s.connect(proxy.address(), 2_000);
      assertThat(roundTrip(s, 42)).isEqualTo(42);
      proxy.latency(Duration.ofMillis(150));
      long start = System.nanoTime();
      assertThat(roundTrip(s, 43)).isEqualTo(43);
      // Once on the way out, once on the way back.
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofMillis(290));
    }
    assertThat(proxy.connections()).isEqualTo(1);
  }

  @Test
  void totalLossCutsTheConnection() throws IOException {
    proxy.loss(1.0);
    try (Socket s = new Socket()) {
      s.connect(proxy.address(), 2_000);
      s.setSoTimeout(5_000);
      s.getOutputStream().write(1);
      s.getOutputStream().flush();
      assertThat(s.getInputStream().read()).isEqualTo(-1);
    }
    assertThat(proxy.cut()).isEqualTo(1);
    assertThatThrownBy(() -> proxy.loss(1.5)).isInstanceOf(IllegalArgumentException.class);
  }
}
