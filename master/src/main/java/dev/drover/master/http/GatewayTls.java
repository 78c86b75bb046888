package dev.drover.master.http;

import dev.drover.client.audit.RefusalAudit;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.util.List;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.X509KeyManager;
import javax.net.ssl.X509TrustManager;

/**
 * The gateway's HTTPS: the master's own serving certificate (the key manager the gRPC port uses,
 * which picks up a rotated certificate at the next handshake) and client certificates verified
 * against the cluster CA, optional because a bearer token also authenticates. A connection that
 * starts with something other than a TLS handshake gets a 400 that says the port speaks HTTPS, then
 * is closed, rather than a reset or a hang.
 */
final class GatewayTls {
  // A TLS connection opens with a handshake record (content type 22).
  private static final short HANDSHAKE_RECORD = 22;

  private final SslContext context;
  private final RefusalAudit plaintext;

  private GatewayTls(SslContext context, RefusalAudit plaintext) {
    this.context = context;
    this.plaintext = plaintext;
  }

  /**
   * HTTPS with {@code keys} and client certificates of {@code clientTrust}; plain HTTP clients are
   * reported to {@code plaintext}. Fails at once when the material cannot be used, so a master
   * never falls back to plaintext.
   */
  static GatewayTls of(X509KeyManager keys, X509TrustManager clientTrust, RefusalAudit plaintext) {
    try {
      // The JDK provider asks the key manager at every handshake, so rotation reaches new
      // connections (as on the gRPC port).
      return new GatewayTls(
          SslContextBuilder.forServer(keys)
              .sslProvider(SslProvider.JDK)
              .trustManager(clientTrust)
              .clientAuth(ClientAuth.OPTIONAL)
              .protocols("TLSv1.3", "TLSv1.2")
              .build(),
          plaintext);
    } catch (SSLException | IllegalArgumentException e) {
      throw new IllegalStateException("cannot build the HTTP gateway's TLS context: " + e, e);
    }
  }

  /** The first handler of a connection: TLS, or a plaintext 400. */
  ByteToMessageDecoder detector() {
    return new Detector();
  }

  /** The TLS session of an HTTPS connection, or null on a plaintext one. */
  static SSLSession session(ChannelPipeline pipeline) {
    SslHandler tls = pipeline.get(SslHandler.class);
    return tls == null ? null : tls.engine().getSession();
  }

  private final class Detector extends ByteToMessageDecoder {
    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
      if (!in.isReadable()) {
        return;
      }
      ChannelPipeline pipeline = ctx.pipeline();
      if (in.getUnsignedByte(in.readerIndex()) == HANDSHAKE_RECORD) {
        pipeline.replace(this, "tls", context.newHandler(ctx.alloc()));
        return;
      }
      // Plain HTTP on the HTTPS port: answer it in HTTP so the client shows why, then close.
      plaintext.refused(
          ctx.channel().remoteAddress(), "HTTP gateway", "INVALID_ARGUMENT", "answered HTTP 400");
      // The gateway's own handlers go first: the bytes read so far reach what follows this one.
      while (pipeline.last() != this) {
        pipeline.removeLast();
      }
      pipeline.addLast(
          new HttpServerCodec(), new HttpObjectAggregator(64 * 1024), new PlaintextRefusal());
      pipeline.remove(this);
    }
  }

  /** Answers any request with 400 and closes the connection. */
  private static final class PlaintextRefusal extends SimpleChannelInboundHandler<FullHttpRequest> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
      new Reply(ctx, false)
          .fail(
              new HttpErrors.HttpError(
                  400,
                  "this port serves HTTPS only: the client sent plain HTTP; use https://"
                      + " (the master's certificate is signed by the cluster CA)"));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
