package dev.drover.master.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP connection of the gateway: routes {@code /api} and {@code /apis} to {@link GatewayApi},
 * {@code /ui/} to the console's files (which hold no data and need no credentials), and tells the
 * current {@link Reply} when the connection closes or can take more output.
 */
final class GatewayHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  private static final Logger LOG = LoggerFactory.getLogger(GatewayHandler.class);

  private final GatewayApi api;
  private final ConsoleFiles console;
  private final CallerConnections connections;
  private Reply current;
  // This connection's id in connections, from its first API request until it closes.
  private String connection;

  GatewayHandler(GatewayApi api, ConsoleFiles console, CallerConnections connections) {
    this.api = api;
    this.console = console;
    this.connections = connections;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    Reply reply = new Reply(ctx, HttpUtil.isKeepAlive(request));
    current = reply;
    if (!request.decoderResult().isSuccess()) {
      reply.fail(new HttpErrors.HttpError(400, "malformed HTTP request"));
      return;
    }
    QueryStringDecoder uri = new QueryStringDecoder(request.uri());
    String path = uri.path();
    if (path.equals("/") || path.equals("/ui")) {
      reply.redirect("/ui/");
    } else if (path.equals(ConsoleMetrics.PATH)) {
      String authorization = request.headers().get(HttpHeaderNames.AUTHORIZATION, "");
      boolean follow = "true".equals(first(uri.parameters().get("follow")));
      ConsoleMetrics.serve(api.channel(), authorization, connection(ctx), follow, reply);
    } else if (path.startsWith("/ui/")) {
      console.serve(path.substring("/ui/".length()), reply);
    } else if (path.startsWith("/api/") || path.startsWith("/apis/")) {
      Optional<ResourcePath> resource = ResourcePath.parse(path);
      if (resource.isEmpty()) {
        reply.fail(new HttpErrors.HttpError(404, "no resource is served at " + path));
        return;
      }
      String authorization = request.headers().get(HttpHeaderNames.AUTHORIZATION, "");
      api.handle(
          new GatewayApi.Request(
              request.method().name(),
              resource.get(),
              uri.parameters(),
              request.content().toString(StandardCharsets.UTF_8),
              authorization,
              connection(ctx)),
          reply);
    } else {
      reply.fail(new HttpErrors.HttpError(404, "nothing is served at " + path));
    }
  }

  private static String first(java.util.List<String> values) {
    return values == null || values.isEmpty() ? "" : values.get(0);
  }

  /** This connection's id for the in-process calls, registered at its first API request. */
  private String connection(ChannelHandlerContext ctx) {
    if (connection == null) {
      // Requests are read after the TLS handshake, so the session holds the client's
      // certificate, if it sent one.
      connection =
          connections.register(ctx.channel().remoteAddress(), GatewayTls.session(ctx.pipeline()));
    }
    return connection;
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
    Reply reply = current;
    if (reply != null) {
      reply.writabilityChanged();
    }
    super.channelWritabilityChanged(ctx);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    Reply reply = current;
    if (reply != null) {
      reply.closed();
    }
    if (connection != null) {
      connections.unregister(connection);
    }
    super.channelInactive(ctx);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug("HTTP connection {} failed", ctx.channel().remoteAddress(), cause);
    ctx.close();
  }
}
