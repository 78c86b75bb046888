package dev.drover.agent.proxy;

import io.netty.channel.ChannelFactory;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Netty transport the proxy runs on: its event loops, listening sockets and backend sockets.
 * Linux's native epoll is preferred (fewer system calls and no JDK selector garbage per
 * connection); NIO is the fallback wherever the native library cannot load. Channels are made by
 * constructor references rather than Netty's reflective factory, since a backend socket is created
 * for every proxied connection.
 */
final class ProxyTransport {
  private static final Logger log = LoggerFactory.getLogger(ProxyTransport.class);

  private final ProxyConfig.Transport kind;
  private final ChannelFactory<ServerChannel> servers;
  private final ChannelFactory<DuplexChannel> sockets;

  private ProxyTransport(
      ProxyConfig.Transport kind,
      ChannelFactory<ServerChannel> servers,
      ChannelFactory<DuplexChannel> sockets) {
    this.kind = kind;
    this.servers = servers;
    this.sockets = sockets;
  }

  /**
   * The transport {@code wanted} names; {@link ProxyConfig.Transport#AUTO} falls back to NIO with a
   * log line saying why epoll could not load, {@link ProxyConfig.Transport#EPOLL} fails instead.
   */
  static ProxyTransport choose(ProxyConfig.Transport wanted) {
    if (wanted == ProxyConfig.Transport.NIO) {
      return nio();
    }
    Throwable why = epollUnavailability();
    if (why == null) {
      return new ProxyTransport(
          ProxyConfig.Transport.EPOLL, EpollServerSocketChannel::new, EpollSocketChannel::new);
    }
    if (wanted == ProxyConfig.Transport.EPOLL) {
      throw new IllegalStateException(
          "the service proxy's epoll transport cannot load here: " + why, why);
    }
    log.info("service proxy: native epoll transport unavailable ({}); using NIO", why.toString());
    return nio();
  }

  private static ProxyTransport nio() {
    return new ProxyTransport(
        ProxyConfig.Transport.NIO, NioServerSocketChannel::new, NioSocketChannel::new);
  }

  /** Why epoll cannot be used here, or null when it can. */
  private static Throwable epollUnavailability() {
    try {
      return Epoll.isAvailable() ? null : Epoll.unavailabilityCause();
    } catch (LinkageError e) {
      // The classes jar itself is missing (a build without the native transport).
      return e;
    }
  }

  /** {@link ProxyConfig.Transport#EPOLL} or {@link ProxyConfig.Transport#NIO}. */
  ProxyConfig.Transport kind() {
    return kind;
  }

  /** Event loops of this transport, daemon threads named {@code name-N}. */
  EventLoopGroup newGroup(int threads, String name) {
    DefaultThreadFactory factory = new DefaultThreadFactory(name, true);
    return kind == ProxyConfig.Transport.EPOLL
        ? new EpollEventLoopGroup(threads, factory)
        : new NioEventLoopGroup(threads, factory);
  }

  /** Makes listening sockets. */
  ChannelFactory<ServerChannel> servers() {
    return servers;
  }

  /** A new, unregistered socket for a backend connection. */
  DuplexChannel newSocket() {
    return sockets.newChannel();
  }
}
