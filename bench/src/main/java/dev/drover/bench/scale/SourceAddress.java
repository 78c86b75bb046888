package dev.drover.bench.scale;

import dev.drover.client.Channels;
import io.grpc.Attributes;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * Plaintext channels that connect from a chosen loopback address. The master's per-client limits
 * (streams and calls per second) key an unauthenticated caller by its address, so simulated nodes
 * that all came from 127.0.0.1 would count as one client; real nodes each come from their own host.
 * Linux answers on all of 127.0.0.0/8 without configuration.
 */
final class SourceAddress {
  private SourceAddress() {}

  /** The {@code n}th loopback source address, from 127.1.0.1 on. */
  static String loopback(int n) {
    return "127.1." + (n / 250) + "." + (n % 250 + 1);
  }

  /** A channel to {@code target} whose connections come from {@code sourceIp}. */
  static ManagedChannel channel(String target, String sourceIp) {
    return Channels.plaintextBuilder(target)
        .localSocketPicker(
            new NettyChannelBuilder.LocalSocketPicker() {
              @Override
              public SocketAddress createSocketAddress(SocketAddress remote, Attributes attrs) {
                return new InetSocketAddress(sourceIp, 0);
              }
            })
        .build();
  }
}
