package dev.drover.agent.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Test backends on loopback: each answers a connection with its name, then echoes what it reads
 * until the client closes; the first line each connection sent is kept (a PROXY header, say).
 */
final class NamedBackends implements AutoCloseable {
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final List<ServerSocket> servers = new ArrayList<>();
  final ConcurrentLinkedQueue<String> firstLines = new ConcurrentLinkedQueue<>();

  /** Starts a backend named {@code name}; returns its port. */
  int start(String name, boolean readLineFirst) throws IOException {
    ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    servers.add(server);
    threads.execute(
        () -> {
          while (!server.isClosed()) {
            try {
              Socket s = server.accept();
              threads.execute(() -> serve(s, name, readLineFirst));
            } catch (IOException e) {
              return;
            }
          }
        });
    return server.getLocalPort();
  }

  private void serve(Socket s, String name, boolean readLineFirst) {
    try (s) {
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      if (readLineFirst) {
        StringBuilder line = new StringBuilder();
        int ch;
        while ((ch = in.read()) != -1 && ch != '\n') {
          line.append((char) ch);
        }
        firstLines.add(line.toString().trim());
      }
      out.write((name + "\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
      byte[] buf = new byte[4096];
      int n;
      while ((n = in.read(buf)) != -1) {
        out.write(buf, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      // The client went away.
    }
  }

  @Override
  public void close() throws IOException {
    for (ServerSocket s : servers) {
      s.close();
    }
    threads.shutdownNow();
  }
}
