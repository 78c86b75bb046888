package dev.drover.client.tls;

import dev.drover.client.audit.RefusalAudit;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;

/**
 * Puts TLS on a gRPC server port (a master's API port and bootstrap join server, an agent's port)
 * with a first handler on every accepted connection that reports a client whose first bytes are not
 * a TLS handshake to a {@link RefusalAudit}. Such a client never makes a call an audit interceptor
 * could see; the TLS handler closes its connection right after (the client sees UNAVAILABLE).
 *
 * <p>The first handler goes in through the server channel, so the port needs its own channel
 * factory, and gRPC then wants its event loops given too: all TLS ports of the JVM share one boss
 * and one worker group of daemon threads, as gRPC's default groups are shared.
 */
public final class TlsServerPort {
  // A TLS connection opens with a handshake record (content type 22).
  private static final short HANDSHAKE_RECORD = 22;

  private TlsServerPort() {}

  /**
   * Puts TLS with {@code context} on {@code builder} and reports plaintext clients of this port
   * (named {@code port} in the audit line) to {@code audit}.
   */
  public static NettyServerBuilder apply(
      NettyServerBuilder builder, SslContext context, RefusalAudit audit, String port) {
    return builder
        .sslContext(context)
        .bossEventLoopGroup(Loops.BOSS)
        .workerEventLoopGroup(Loops.WORKERS)
        .channelFactory(
            () -> {
              NioServerSocketChannel server = new NioServerSocketChannel();
              // Accepted connections pass the server channel's pipeline before gRPC's acceptor
              // adds its own handlers to them, so this one ends up first on each connection.
              server.pipeline().addLast(new Acceptor(audit, port));
              return server;
            });
  }

  /** Event loops created on first use, never shut down (daemon threads, idle when unused). */
  private static final class Loops {
    static final EventLoopGroup BOSS =
        new NioEventLoopGroup(1, new DefaultThreadFactory("drover-tls-boss", true));
    static final EventLoopGroup WORKERS =
        new NioEventLoopGroup(0, new DefaultThreadFactory("drover-tls-worker", true));
  }

  /** On the server channel: puts a {@link FirstBytes} first on every accepted connection. */
  private static final class Acceptor extends ChannelInboundHandlerAdapter {
    private final RefusalAudit audit;
    private final String port;

    Acceptor(RefusalAudit audit, String port) {
      this.audit = audit;
      this.port = port;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof Channel connection) {
        connection.pipeline().addFirst(new FirstBytes());
      }
      ctx.fireChannelRead(msg);
    }

    /** Looks at a connection's first bytes, reports them if they are not TLS, then steps aside. */
    private final class FirstBytes extends ChannelInboundHandlerAdapter {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf bytes && bytes.isReadable()) {
          if (bytes.getUnsignedByte(bytes.readerIndex()) != HANDSHAKE_RECORD) {
            audit.refused(
                ctx.channel().remoteAddress(),
                port,
                "UNAVAILABLE",
                "the connection is closed at the TLS handshake");
          }
          ctx.pipeline().remove(this);
        }
        ctx.fireChannelRead(msg);
      }
    }
  }
}
