package dev.drover.agent.proxy;

import dev.drover.api.v1.ProxyProtocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.ReferenceCountUtil;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * One proxied connection: on accept it asks the route's balancer for a backend, connects on the
 * client's own event loop (both sockets then share one thread, so no byte crosses threads), tries
 * the next backend when a connect fails, optionally writes a PROXY protocol header, then copies
 * bytes both ways. Reads run freely and are written without a flush; one flush per read batch sends
 * them. A side whose outbound buffer passes Netty's high-water mark stops reads on the other until
 * it drains. A half-close (FIN) is passed on as a half-close of the other socket once what came
 * before it is written; the pair closes when both directions ended or either socket closed.
 */
final class Relay {
  private final Supplier<Route> routes;
  private final ProxyTransport transport;
  private final int connectTimeoutMillis;
  private final Side front;
  private Set<Backend> tried = Set.of();
  private Route route;
  private Side back;
  private Backend chosen;
  private boolean ended;
  // What the client sent before its backend was connected (epoll reports a peer's FIN, and reads
  // what came with it, even while reads are off).
  private List<Object> early;

  private Relay(
      Channel client, Supplier<Route> routes, ProxyTransport transport, int connectTimeoutMillis) {
    this.routes = routes;
    this.transport = transport;
    this.connectTimeoutMillis = connectTimeoutMillis;
    this.front = new Side(client, true);
  }

  /**
   * The handler of an accepted connection {@code client} (not yet active), which relays it to a
   * backend of the route current when it becomes active.
   */
  static ChannelInboundHandlerAdapter of(
      Channel client, Supplier<Route> routes, ProxyTransport transport, int connectTimeoutMillis) {
    return new Relay(client, routes, transport, connectTimeoutMillis).front;
  }

  private void start() {
    route = routes.get();
    route.metrics().accepted();
    connect();
  }

  private void connect() {
    Channel client = front.channel;
    // The client's address is only looked at for ClientIP affinity.
    String clientIp =
        route.balancer().affinitySeconds() > 0
            ? ((InetSocketAddress) client.remoteAddress()).getAddress().getHostAddress()
            : null;
    Backend b = route.balancer().choose(clientIp, tried);
    if (b == null) {
      route.metrics().error();
      releaseEarly();
      client.close();
      return;
    }
    DuplexChannel ch = transport.newSocket();
    ch.config().setAutoRead(false);
    ch.config().setOption(ChannelOption.TCP_NODELAY, true);
    ch.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
    ch.config().setConnectTimeoutMillis(connectTimeoutMillis);
    Side side = new Side(ch, false);
    ch.pipeline().addLast(side);
    // Registering from the loop itself completes at once; the connect is then issued inline.
    client
        .eventLoop()
        .register(ch)
        .addListener(
            (ChannelFutureListener)
                registered -> {
                  if (!registered.isSuccess()) {
                    connected(b, side, false);
                    return;
                  }
                  ch.connect(new InetSocketAddress(b.host(), b.port()))
                      .addListener(
                          (ChannelFutureListener) done -> connected(b, side, done.isSuccess()));
                });
  }

  private void connected(Backend b, Side side, boolean success) {
    Channel client = front.channel;
    if (!client.isActive()) {
      releaseEarly();
      side.channel.close();
      return;
    }
    if (!success) {
      side.channel.close();
      route.metrics().connectFailed();
      if (tried.isEmpty()) {
        tried = new HashSet<>();
      }
      tried.add(b);
      connect();
      return;
    }
    back = side;
    chosen = b;
    route.balancer().opened(b);
    route.metrics().chose(b);
    if (route.proxyProtocol() == ProxyProtocol.PROXY_PROTOCOL_V1
        || route.proxyProtocol() == ProxyProtocol.PROXY_PROTOCOL_V2) {
      back.channel.pipeline().addFirst(HAProxyMessageEncoder.INSTANCE);
      back.channel.writeAndFlush(header(client, route.proxyProtocol()));
      back.channel.pipeline().remove(HAProxyMessageEncoder.INSTANCE);
    }
    if (early != null) {
      early.forEach(m -> back.channel.write(m, back.channel.voidPromise()));
      early = null;
      back.channel.flush();
    }
    back.channel.config().setAutoRead(true);
    if (front.inputEnded) {
      shutdownOutputAfterFlush(back.channel);
    } else {
      client.config().setAutoRead(true);
    }
  }

  private void releaseEarly() {
    if (early != null) {
      early.forEach(ReferenceCountUtil::release);
      early = null;
    }
  }

  /** Half-closes {@code ch} once what is queued on it is written (shutting down fails the rest). */
  private static void shutdownOutputAfterFlush(Channel ch) {
    ch.writeAndFlush(Unpooled.EMPTY_BUFFER)
        .addListener(
            (ChannelFutureListener)
                f -> {
                  if (f.isSuccess()) {
                    ((DuplexChannel) ch).shutdownOutput();
                  }
                });
  }

  /** The PROXY header naming the client's address and the address it connected to. */
  private static HAProxyMessage header(Channel client, ProxyProtocol version) {
    InetSocketAddress src = (InetSocketAddress) client.remoteAddress();
    InetSocketAddress dst = (InetSocketAddress) client.localAddress();
    boolean v4 =
        src.getAddress() instanceof Inet4Address && dst.getAddress() instanceof Inet4Address;
    return new HAProxyMessage(
        version == ProxyProtocol.PROXY_PROTOCOL_V1
            ? HAProxyProtocolVersion.V1
            : HAProxyProtocolVersion.V2,
        HAProxyCommand.PROXY,
        v4 ? HAProxyProxiedProtocol.TCP4 : HAProxyProxiedProtocol.TCP6,
        src.getAddress().getHostAddress(),
        dst.getAddress().getHostAddress(),
        src.getPort(),
        dst.getPort());
  }

  private void end() {
    if (ended) {
      return;
    }
    ended = true;
    route.metrics().ended();
    if (chosen != null) {
      route.balancer().closed(chosen);
    }
  }

  static void closeOnFlush(Channel ch) {
    if (ch.isActive()) {
      ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
  }

  /**
   * One socket of the pair; {@code fromClient} says which. Forwards what it reads to the other
   * socket, and its end of input as the other's end of output.
   */
  private final class Side extends ChannelInboundHandlerAdapter {
    final Channel channel;
    final boolean fromClient;
    boolean inputEnded;

    Side(Channel channel, boolean fromClient) {
      this.channel = channel;
      this.fromClient = fromClient;
    }

    /** The other socket; null while connecting, and for a backend socket no longer wanted. */
    private Side peer() {
      return fromClient ? back : this == back ? front : null;
    }

    /** Whether this is the client's socket and its backend is still being connected. */
    private boolean connecting() {
      return fromClient && back == null && channel.isActive();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      if (fromClient) {
        start();
      }
      ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      Side to = peer();
      if (to == null && connecting()) {
        count(msg);
        if (early == null) {
          early = new ArrayList<>(2);
        }
        early.add(msg);
        return;
      }
      if (to == null || !to.channel.isActive()) {
        ReferenceCountUtil.release(msg);
        return;
      }
      count(msg);
      // A failed write reaches the peer's exceptionCaught through the void promise.
      to.channel.write(msg, to.channel.voidPromise());
      if (!to.channel.isWritable()) {
        channel.config().setAutoRead(false);
      }
    }

    private void count(Object msg) {
      if (msg instanceof ByteBuf buf) {
        if (fromClient) {
          route.metrics().in(buf.readableBytes());
        } else {
          route.metrics().out(buf.readableBytes());
        }
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      Side to = peer();
      if (to != null) {
        to.channel.flush();
      }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      Side from = peer();
      if (channel.isWritable() && from != null && !from.inputEnded) {
        from.channel.config().setAutoRead(true);
      }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (!(evt instanceof ChannelInputShutdownEvent)) {
        ctx.fireUserEventTriggered(evt);
        return;
      }
      inputEnded = true;
      Side to = peer();
      if (to == null && connecting()) {
        // Passed on once the backend is connected.
        return;
      }
      if (to == null || !to.channel.isActive()) {
        channel.close();
        return;
      }
      if (to.inputEnded) {
        // Both directions are done; what is queued either way is still written.
        closeOnFlush(to.channel);
        closeOnFlush(channel);
        return;
      }
      shutdownOutputAfterFlush(to.channel);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (fromClient) {
        end();
      }
      Side to = peer();
      if (to != null) {
        closeOnFlush(to.channel);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      route.metrics().error();
      closeOnFlush(channel);
    }
  }
}
