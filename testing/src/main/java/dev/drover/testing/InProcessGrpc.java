package dev.drover.testing;

import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * An in-process gRPC server under a name of its own, serving the given services on the calling
 * thread, and the channels tests open to it. Closing it closes every channel it handed out and then
 * the server, so a test needs one try-with-resources (or one {@code @AfterEach}) for both.
 */
public final class InProcessGrpc implements AutoCloseable {
  private final String name;
  private final Server server;
  private final List<ManagedChannel> channels = new CopyOnWriteArrayList<>();

  private InProcessGrpc(String name, Server server) {
    this.name = name;
    this.server = server;
  }

  /** Starts a server of {@code services}; calls run on the caller's thread. */
  public static InProcessGrpc start(BindableService... services) {
    return start(Stream.of(services).map(BindableService::bindService).toList());
  }

  /** Starts a server of these service definitions; calls run on the caller's thread. */
  public static InProcessGrpc start(List<ServerServiceDefinition> services) {
    String name = InProcessServerBuilder.generateName();
    InProcessServerBuilder builder = InProcessServerBuilder.forName(name).directExecutor();
    services.forEach(builder::addService);
    try {
      return new InProcessGrpc(name, builder.build().start());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A channel to an in-process server by name, as a client factory that takes endpoints needs. */
  public static ManagedChannel channelTo(String name) {
    return InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  /** The server's name, which is also the endpoint {@link #channelTo} accepts. */
  public String name() {
    return name;
  }

  /** A new channel to the server, closed with it. */
  public ManagedChannel channel() {
    return track(channelTo(name));
  }

  /**
   * A new channel to the server that accepts at most {@code bytes} of response metadata (as real
   * clients do by default), closed with it.
   */
  public ManagedChannel channelWithMetadataLimit(int bytes) {
    return track(InProcessChannelBuilder.forName(name).maxInboundMetadataSize(bytes).build());
  }

  private ManagedChannel track(ManagedChannel channel) {
    channels.add(channel);
    return channel;
  }

  /** Closes every channel handed out, then the server, waiting up to ten seconds for it. */
  @Override
  public void close() throws InterruptedException {
    channels.forEach(ManagedChannel::shutdownNow);
    server.shutdownNow();
    server.awaitTermination(10, TimeUnit.SECONDS);
  }
}
