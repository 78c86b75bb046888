package dev.drover.agent.runtime.docker;

import com.github.dockerjava.transport.DockerHttpClient;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Docker transport: docker-java's own client for every request but one kind, an attached exec's
 * start with stdin over a unix socket. That one this class speaks itself, so that the end of stdin
 * half-closes the connection, as the docker CLI does; the daemon then closes the command's stdin
 * and {@code cat} ends. docker-java's hijacking copies stdin but never half-closes its socket, so a
 * command reading to end of file would wait forever.
 */
final class HalfClosingHttpClient implements DockerHttpClient {

  private static final int MAX_HEAD = 64 * 1024;

  private final DockerHttpClient delegate;
  private final Path socket;

  /**
   * Wraps {@code delegate}; {@code dockerHost} decides whether exec stdin can half-close (only a
   * {@code unix://} socket; any other host keeps docker-java's behaviour).
   */
  HalfClosingHttpClient(DockerHttpClient delegate, String dockerHost) {
    this.delegate = delegate;
    this.socket =
        dockerHost.startsWith("unix://") ? Path.of(dockerHost.substring("unix://".length())) : null;
  }

  @Override
  public Response execute(Request request) {
    if (request.hijackedInput() == null || socket == null) {
      return delegate.execute(request);
    }
    try {
      return hijack(request);
    } catch (IOException e) {
      throw new UncheckedIOException("exec stream to the docker daemon: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() throws IOException {
    delegate.close();
  }

  private Response hijack(Request request) throws IOException {
    SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      channel.connect(UnixDomainSocketAddress.of(socket));
      byte[] body = request.bodyBytes() != null ? request.bodyBytes() : new byte[0];
      StringBuilder head = new StringBuilder();
      head.append(request.method()).append(' ').append(request.path()).append(" HTTP/1.1\r\n");
      head.append("Host: docker\r\n");
      request.headers().forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
      head.append("Connection: Upgrade\r\nUpgrade: tcp\r\n");
      head.append("Content-Length: ").append(body.length).append("\r\n\r\n");
      writeAll(channel, head.toString().getBytes(StandardCharsets.US_ASCII));
      writeAll(channel, body);

      ChannelInput in = new ChannelInput(channel);
      String status = in.line();
      String[] parts = status.split(" ", 3);
      if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
        throw new IOException("unexpected answer from the docker daemon: " + status);
      }
      int code = Integer.parseInt(parts[1]);
      Map<String, List<String>> headers = new LinkedHashMap<>();
      for (String line = in.line(); !line.isEmpty(); line = in.line()) {
        int colon = line.indexOf(':');
        if (colon > 0) {
          headers
              .computeIfAbsent(line.substring(0, colon).trim(), k -> new ArrayList<>())
              .add(line.substring(colon + 1).trim());
        }
      }
      if (code != 101 && code != 200) {
        byte[] error = in.readRest(contentLength(headers));
        channel.close();
        return new Answer(code, headers, new ByteArrayInputStream(error), channel);
      }
      Thread feeder =
          new Thread(() -> feed(request.hijackedInput(), channel), "docker-exec-stdin-" + code);
      feeder.setDaemon(true);
      feeder.start();
      // docker-java reads the upgraded stream as the body of a successful answer.
      return new Answer(200, headers, in, channel);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  // An error answer's body; without a length, what arrives until the daemon closes.
  private static int contentLength(Map<String, List<String>> headers) {
    for (Map.Entry<String, List<String>> header : headers.entrySet()) {
      if (header.getKey().equalsIgnoreCase("Content-Length") && !header.getValue().isEmpty()) {
        try {
          return Math.min(MAX_HEAD, Integer.parseInt(header.getValue().get(0)));
        } catch (NumberFormatException e) {
          return MAX_HEAD;
        }
      }
    }
    return MAX_HEAD;
  }

  /** Copies stdin to the daemon; its end half-closes the connection, which ends the command's. */
  private static void feed(InputStream stdin, SocketChannel channel) {
    byte[] buffer = new byte[8192];
    try {
      int n;
      while ((n = stdin.read(buffer)) >= 0) {
        writeAll(channel, ByteBuffer.wrap(buffer, 0, n));
      }
      channel.shutdownOutput();
    } catch (IOException e) {
      // The command ended and the daemon closed the connection: nothing is left to feed.
    }
  }

  private static void writeAll(SocketChannel channel, byte[] bytes) throws IOException {
    writeAll(channel, ByteBuffer.wrap(bytes));
  }

  private static void writeAll(SocketChannel channel, ByteBuffer buffer) throws IOException {
    while (buffer.hasRemaining()) {
      channel.write(buffer);
    }
  }

  /** A response on a connection of its own; closing it closes the connection. */
  private record Answer(
      int code, Map<String, List<String>> headers, InputStream body, SocketChannel channel)
      implements Response {
    @Override
    public int getStatusCode() {
      return code;
    }

    @Override
    public Map<String, List<String>> getHeaders() {
      return headers;
    }

    @Override
    public InputStream getBody() {
      return body;
    }

    @Override
    public void close() {
      try {
        channel.close();
      } catch (IOException e) {
        // Already gone.
      }
    }
  }

  /**
   * Reads the channel through a buffer: the answer's head line by line, then the raw stream. It
   * calls the channel directly, not through {@code Channels.newInputStream}, whose reads would
   * block the feeder's writes on the channel's shared lock.
   */
  private static final class ChannelInput extends InputStream {
    private final SocketChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocate(8192).flip();
    private int headBytes;

    ChannelInput(SocketChannel channel) {
      this.channel = channel;
    }

    private boolean fill() throws IOException {
      if (buffer.hasRemaining()) {
        return true;
      }
      buffer.clear();
      int n = channel.read(buffer);
      buffer.flip();
      return n > 0;
    }

    /** One line of the head, without its CRLF. */
    String line() throws IOException {
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      while (true) {
        if (!fill()) {
          throw new IOException("the docker daemon closed the connection in the answer's head");
        }
        byte b = buffer.get();
        if (++headBytes > MAX_HEAD) {
          throw new IOException("the docker daemon's answer has an oversized head");
        }
        if (b == '\n') {
          String text = line.toString(StandardCharsets.ISO_8859_1);
          return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
        }
        line.write(b);
      }
    }

    byte[] readRest(int limit) throws IOException {
      ByteArrayOutputStream rest = new ByteArrayOutputStream();
      int b;
      while (rest.size() < limit && (b = read()) >= 0) {
        rest.write(b);
      }
      return rest.toByteArray();
    }

    @Override
    public int read() throws IOException {
      return fill() ? buffer.get() & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (!fill()) {
        return -1;
      }
      int n = Math.min(len, buffer.remaining());
      buffer.get(b, off, n);
      return n;
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }
  }
}
