package dev.drover.master.api;

import dev.drover.client.Channels;
import io.grpc.ManagedChannel;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Channels from this master to node agents' AgentService, one per endpoint, created on first use
 * and closed with the master; built by {@link Channels}.
 */
public final class AgentChannels implements AutoCloseable {
  private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();

  /** The channel to {@code host:port}. */
  public ManagedChannel get(String host, int port) {
    return channels.computeIfAbsent(host + ":" + port, k -> Channels.plaintext(host, port));
  }

  @Override
  public void close() {
    for (ManagedChannel c : channels.values()) {
      c.shutdownNow();
    }
    channels.values().forEach(Channels::close);
  }
}
