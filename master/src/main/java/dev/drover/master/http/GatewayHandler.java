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
 * {@code /ui/} to the console's files, and tells the current {@link Reply} when the connection
 * closes or can take more output.
 */
final class GatewayHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  private static final Logger LOG = LoggerFactory.getLogger(GatewayHandler.class);

  private final GatewayApi api;
  private final ConsoleFiles console;
  private Reply current;

  GatewayHandler(GatewayApi api, ConsoleFiles console) {
    this.api = api;
    this.console = console;
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
      ConsoleMetrics.serve(api.channel(), authorization, reply);
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
              authorization),
          reply);
    } else {
      reply.fail(new HttpErrors.HttpError(404, "nothing is served at " + path));
    }
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
    super.channelInactive(ctx);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug("HTTP connection {} failed", ctx.channel().remoteAddress(), cause);
    ctx.close();
  }
}
