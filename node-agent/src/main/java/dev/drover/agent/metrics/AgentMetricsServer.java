package dev.drover.agent.metrics;

import dev.drover.client.audit.RefusalAudit;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The node agent's metrics port (Netty, one thread): {@code /metrics} in Prometheus text, or
 * OpenMetrics when the scraper's {@code Accept} asks for it, and {@code /healthz}, 200 while the
 * agent's session with a master is up and 503 otherwise.
 *
 * <p>As on the master's metrics port: loopback by default; any other address needs a bearer token
 * file, and then {@code /metrics} answers 401 without {@code Authorization: Bearer TOKEN}. The
 * health endpoint answers anyone, as probes need.
 */
public final class AgentMetricsServer implements AutoCloseable {
  private static final ExpositionFormats FORMATS = ExpositionFormats.init();

  private final EventLoopGroup group;
  private final Channel listener;

  private AgentMetricsServer(EventLoopGroup group, Channel listener) {
    this.group = group;
    this.listener = listener;
  }

  /**
   * Serves {@code registry} on {@code host:port} (0: a free port); {@code tokenFile} (null: none)
   * holds the bearer token scrapers must present, required unless {@code host} is loopback; a
   * scrape refused for want of it goes to {@code refusals}.
   */
  public static AgentMetricsServer start(
      String host,
      int port,
      Path tokenFile,
      PrometheusRegistry registry,
      BooleanSupplier connected,
      RefusalAudit refusals) {
    byte[] expected = tokenFile == null ? null : bearer(tokenFile);
    if (expected == null && !loopback(host)) {
      throw new IllegalArgumentException(
          "metricsHost: "
              + host
              + " is not a loopback address; the agent's metrics there need a bearer token"
              + " (metricsTokenFile, --metrics-token-file)");
    }
    EventLoopGroup group =
        new NioEventLoopGroup(1, new DefaultThreadFactory("agent-metrics", true));
    ChannelFuture bound =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel c) {
                    c.pipeline()
                        .addLast(new HttpServerCodec())
                        .addLast(new HttpObjectAggregator(16 * 1024))
                        .addLast(new Handler(registry, expected, connected, refusals));
                  }
                })
            .bind(new InetSocketAddress(host, port))
            .awaitUninterruptibly();
    if (!bound.isSuccess()) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      throw new IllegalStateException(
          "metricsPort: cannot listen on " + host + ":" + port + ": " + bound.cause(),
          bound.cause());
    }
    return new AgentMetricsServer(group, bound.channel());
  }

  /** The bound port. */
  public int port() {
    return ((InetSocketAddress) listener.localAddress()).getPort();
  }

  @Override
  public void close() {
    listener.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
  }

  private static byte[] bearer(Path file) {
    String[] words;
    try {
      words = Files.readString(file, StandardCharsets.UTF_8).trim().split("\\s+");
    } catch (IOException e) {
      throw new UncheckedIOException(
          "metricsTokenFile: " + file + " cannot be read (" + e.getMessage() + ")", e);
    }
    if (words.length != 1 || words[0].isEmpty()) {
      throw new IllegalArgumentException(
          "metricsTokenFile: " + file + " must hold exactly one token");
    }
    return ("Bearer " + words[0]).getBytes(StandardCharsets.UTF_8);
  }

  private static boolean loopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /** Answers one request per connection read. */
  private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final PrometheusRegistry registry;
    private final byte[] expected;
    private final BooleanSupplier connected;
    private final RefusalAudit refusals;

    Handler(
        PrometheusRegistry registry,
        byte[] expected,
        BooleanSupplier connected,
        RefusalAudit refusals) {
      this.registry = registry;
      this.expected = expected;
      this.connected = connected;
      this.refusals = refusals;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
      String path = new QueryStringDecoder(request.uri()).path();
      if (!request.method().equals(HttpMethod.GET)) {
        text(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "only GET is served\n");
      } else if (path.equals("/healthz")) {
        boolean up = connected.getAsBoolean();
        text(
            ctx,
            up ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
            up ? "ok\n" : "not connected to a master\n");
      } else if (!path.equals("/metrics")) {
        text(ctx, HttpResponseStatus.NOT_FOUND, "nothing is served at " + path + "\n");
      } else if (expected != null && !authorized(request)) {
        FullHttpResponse refused =
            response(
                HttpResponseStatus.UNAUTHORIZED,
                "text/plain; charset=utf-8",
                "bearer token" + " missing or wrong\n");
        refused.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
        refusals.unauthorizedScrape(ctx.channel().remoteAddress(), "agent metrics");
        send(ctx, refused);
      } else {
        scrape(ctx, request.headers().get(HttpHeaderNames.ACCEPT));
      }
    }

    private boolean authorized(FullHttpRequest request) {
      String given = request.headers().get(HttpHeaderNames.AUTHORIZATION, "");
      return MessageDigest.isEqual(expected, given.getBytes(StandardCharsets.UTF_8));
    }

    private void scrape(ChannelHandlerContext ctx, String accept) {
      ExpositionFormatWriter writer = FORMATS.findWriter(accept);
      FullHttpResponse response =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1, HttpResponseStatus.OK, ctx.alloc().buffer());
      try (ByteBufOutputStream out = new ByteBufOutputStream(response.content())) {
        writer.write(out, registry.scrape());
      } catch (IOException | RuntimeException e) {
        response.release();
        text(ctx, HttpResponseStatus.INTERNAL_SERVER_ERROR, "the scrape failed: " + e + "\n");
        return;
      }
      response.headers().set(HttpHeaderNames.CONTENT_TYPE, writer.getContentType());
      send(ctx, response);
    }

    private static void text(ChannelHandlerContext ctx, HttpResponseStatus status, String body) {
      send(ctx, response(status, "text/plain; charset=utf-8", body));
    }

    private static FullHttpResponse response(HttpResponseStatus status, String type, String body) {
      FullHttpResponse r =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1, status, Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
      r.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
      return r;
    }

    // One response per connection keeps the handler free of keep-alive bookkeeping; scrapers
    // reconnect every few seconds at most.
    private static void send(ChannelHandlerContext ctx, FullHttpResponse response) {
      response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
      response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
