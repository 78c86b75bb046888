package dev.drover.master.api;

import dev.drover.client.Channels;
import io.grpc.ManagedChannel;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Channels from this master to node agents' AgentService, one per endpoint, created on first use
 * and closed with the master; built by {@link Channels} (mutual TLS with the master's certificate
 * when the master is secured).
 */
public final class AgentChannels implements AutoCloseable {
  private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
  private final Function<String, ManagedChannel> factory;

  /** Channels opened by {@code factory} from a {@code host:port} target. */
  public AgentChannels(Function<String, ManagedChannel> factory) {
    this.factory = factory;
  }

  /** The channel to {@code host:port}. */
  public ManagedChannel get(String host, int port) {
    return channels.computeIfAbsent(host + ":" + port, factory);
  }

  @Override
  public void close() {
    for (ManagedChannel c : channels.values()) {
      c.shutdownNow();
    }
    channels.values().forEach(Channels::close);
  }
}
