package dev.drover.agent.proxy;

import dev.drover.api.v1.ProxyProtocol;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.ReferenceCountUtil;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The client side of one proxied connection: on accept it asks the route's balancer for a backend,
 * connects (on the same event loop, so both sides share a thread), tries the next backend when a
 * connect fails, optionally writes a PROXY protocol header, then copies bytes both ways with reads
 * paced by writes (a slow side stops reads on the other). Either side closing closes both.
 */
final class Relay extends ChannelInboundHandlerAdapter {
  private final Supplier<Route> routes;
  private final int connectTimeoutMillis;
  private final Set<Backend> tried = new HashSet<>();
  private Route route;
  private Channel backend;
  private Backend chosen;
  private boolean ended;

  Relay(Supplier<Route> routes, int connectTimeoutMillis) {
    this.routes = routes;
    this.connectTimeoutMillis = connectTimeoutMillis;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    route = routes.get();
    route.metrics().accepted();
    connect(ctx.channel());
  }

  private void connect(Channel client) {
    String clientIp = ((InetSocketAddress) client.remoteAddress()).getAddress().getHostAddress();
    Backend b = route.balancer().choose(clientIp, tried);
    if (b == null) {
      route.metrics().error();
      client.close();
      return;
    }
    tried.add(b);
    ChannelFuture f =
        new Bootstrap()
            .group(client.eventLoop())
            .channel(NioSocketChannel.class)
            .option(ChannelOption.AUTO_READ, false)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis)
            .handler(new Backward(client))
            .connect(b.host(), b.port());
    f.addListener(
        (ChannelFutureListener)
            done -> {
              if (!client.isActive()) {
                done.channel().close();
                return;
              }
              if (!done.isSuccess()) {
                route.metrics().connectFailed();
                connect(client);
                return;
              }
              backend = done.channel();
              chosen = b;
              route.balancer().opened(b);
              route.metrics().chose(b);
              if (route.proxyProtocol() == ProxyProtocol.PROXY_PROTOCOL_V1
                  || route.proxyProtocol() == ProxyProtocol.PROXY_PROTOCOL_V2) {
                backend.pipeline().addFirst(HAProxyMessageEncoder.INSTANCE);
                backend.writeAndFlush(header(client, route.proxyProtocol()));
                backend.pipeline().remove(HAProxyMessageEncoder.INSTANCE);
              }
              backend.read();
              client.read();
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

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (backend == null || !backend.isActive()) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof ByteBuf buf) {
      route.metrics().in(buf.readableBytes());
    }
    forward(msg, ctx.channel(), backend);
  }

  /**
   * Writes what {@code from} read to {@code to}, and reads more from {@code from} only once that
   * write is done: the slower side paces the faster one.
   */
  private void forward(Object msg, Channel from, Channel to) {
    to.writeAndFlush(msg)
        .addListener(
            (ChannelFutureListener)
                f -> {
                  if (f.isSuccess()) {
                    from.read();
                  } else {
                    route.metrics().error();
                    f.channel().close();
                  }
                });
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    end();
    if (backend != null) {
      closeOnFlush(backend);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    route.metrics().error();
    closeOnFlush(ctx.channel());
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

  /** The backend side: copies bytes to the client. */
  private final class Backward extends ChannelInboundHandlerAdapter {
    private final Channel client;

    Backward(Channel client) {
      this.client = client;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof ByteBuf buf) {
        route.metrics().out(buf.readableBytes());
      }
      forward(msg, ctx.channel(), client);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      closeOnFlush(client);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      route.metrics().error();
      closeOnFlush(ctx.channel());
    }
  }
}
