package dev.drover.agent.runtime.docker;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Finds out, before {@code drover dev} starts an agent, whether a Docker daemon answers: it sends
 * {@code GET /_ping} over the daemon's Unix socket ($DOCKER_HOST when it names one, else
 * /var/run/docker.sock). The answer says why not, for the message that suggests {@code --runtime
 * simulated}.
 */
public final class DockerProbe {

  /** The outcome: whether a daemon answered, the host tried, and why not. */
  public record Result(boolean reachable, String dockerHost, String problem) {}

  private static final String DEFAULT_SOCKET = "/var/run/docker.sock";

  private DockerProbe() {}

  /** The Docker host the agent should use, from the environment. */
  public static String dockerHost(Map<String, String> env) {
    String host = env.get("DOCKER_HOST");
    return host != null && !host.isEmpty() ? host : "unix://" + DEFAULT_SOCKET;
  }

  /** Pings the daemon at {@code dockerHost} within {@code timeout}. */
  public static Result probe(String dockerHost, Duration timeout) {
    if (!dockerHost.startsWith("unix://")) {
      // A TCP daemon is checked by the agent itself when it connects.
      return new Result(true, dockerHost, "");
    }
    Path socket = Path.of(dockerHost.substring("unix://".length()));
    if (!Files.exists(socket)) {
      return new Result(false, dockerHost, socket + " does not exist (is Docker installed?)");
    }
    CompletableFuture<String> ping = CompletableFuture.supplyAsync(() -> ping(socket));
    try {
      String answer = ping.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return answer.isEmpty()
          ? new Result(true, dockerHost, "")
          : new Result(false, dockerHost, answer);
    } catch (TimeoutException e) {
      ping.cancel(true);
      return new Result(
          false, dockerHost, "the daemon did not answer within " + timeout.toMillis() + " ms");
    } catch (ExecutionException e) {
      return new Result(false, dockerHost, String.valueOf(e.getCause()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(false, dockerHost, "interrupted");
    }
  }

  /** Returns "" when the daemon answered OK, else what went wrong. */
  private static String ping(Path socket) {
    try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      channel.connect(UnixDomainSocketAddress.of(socket));
      channel.write(
          ByteBuffer.wrap(
              "GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
      ByteBuffer buffer = ByteBuffer.allocate(4096);
      StringBuilder answer = new StringBuilder();
      while (channel.read(buffer) > 0 && answer.length() < 4096) {
        buffer.flip();
        answer.append(StandardCharsets.US_ASCII.decode(buffer));
        buffer.clear();
      }
      String text = answer.toString();
      if (text.startsWith("HTTP/1.") && text.contains(" 200 ")) {
        return "";
      }
      String firstLine = text.lines().findFirst().orElse("no answer");
      return "unexpected answer from the daemon: " + firstLine;
    } catch (IOException e) {
      return "cannot connect to " + socket + ": " + e.getMessage();
    }
  }
}
