package dev.drover.client;

import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.concurrent.TimeUnit;

/**
 * The one place the project builds a gRPC channel: the CLI, the node agent, the master's channels
 * to agents, {@link DroverClient} and the benchmarks all come here, so transport security and
 * credentials are decided once. Every channel gets keepalive pings (a dead peer under an idle
 * stream is found in about 40 s; masters permit pings every 10 s) and accepts responses as large as
 * the API's request limit.
 */
public final class Channels {
  /** Largest message a channel accepts: the master's own request limit (objects are 1 MiB). */
  public static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

  private Channels() {}

  /** A plaintext channel to {@code target} ({@code host:port} or any gRPC target string). */
  public static ManagedChannel plaintext(String target) {
    return configure(NettyChannelBuilder.forTarget(target)).usePlaintext().build();
  }

  /**
   * A builder for a plaintext channel with the same settings, for callers that tune the transport
   * (event loops, executors) before building; security stays decided here.
   */
  public static NettyChannelBuilder plaintextBuilder(String target) {
    return configure(NettyChannelBuilder.forTarget(target)).usePlaintext();
  }

  /** A plaintext channel to a host and port. */
  public static ManagedChannel plaintext(String host, int port) {
    return configure(NettyChannelBuilder.forAddress(host, port)).usePlaintext().build();
  }

  /**
   * A channel to the in-process server registered under {@code name} in this JVM (the master's HTTP
   * gateway calls the master's own services this way, so that every interceptor applies).
   */
  public static ManagedChannel inProcess(String name) {
    return InProcessChannelBuilder.forName(name).maxInboundMessageSize(MAX_MESSAGE_BYTES).build();
  }

  private static NettyChannelBuilder configure(NettyChannelBuilder builder) {
    return builder
        .keepAliveTime(30, TimeUnit.SECONDS)
        .keepAliveTimeout(10, TimeUnit.SECONDS)
        .maxInboundMessageSize(MAX_MESSAGE_BYTES);
  }

  /**
   * Shuts a channel down now and waits up to five seconds for its calls to end; a caller's
   * interrupt is kept.
   */
  public static void close(ManagedChannel channel) {
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
