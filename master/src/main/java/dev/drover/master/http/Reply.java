package dev.drover.master.http;

import dev.drover.client.manifest.JsonText;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The answer to one HTTP request: either a whole response (JSON, a file) or a stream of chunks
 * (watch events, log output) that starts with 200 and ends with the last chunk. gRPC callbacks call
 * it from their own threads, so every method is synchronized and Netty orders the writes. A stream
 * tells its producer when the connection can take more ({@link #whenWritable}) and when the client
 * went away ({@link #onClose}), so a slow reader holds back the gRPC stream instead of filling
 * memory.
 */
final class Reply {
  private final ChannelHandlerContext ctx;
  private final boolean keepAlive;
  private final List<Runnable> onClose = new ArrayList<>();
  private final List<String> warnings = new ArrayList<>();
  private Runnable pendingWritable;
  private boolean streaming;
  private boolean done;

  Reply(ChannelHandlerContext ctx, boolean keepAlive) {
    this.ctx = ctx;
    this.keepAlive = keepAlive;
  }

  /** Sends a whole JSON response. */
  void json(int code, Object tree) {
    send(
        code,
        "application/json",
        (JsonText.writeLine(tree) + "\n").getBytes(StandardCharsets.UTF_8));
  }

  /** Sends a failure as a Kubernetes Status, or as an ERROR line when the stream has started. */
  synchronized void fail(Throwable failure) {
    if (streaming) {
      chunk(
          JsonText.writeLine(java.util.Map.of("type", "ERROR", "object", HttpErrors.body(failure)))
              + "\n");
      end();
      return;
    }
    json(HttpErrors.codeOf(failure), HttpErrors.body(failure));
  }

  /** Adds a warning of the API call, sent as a Kubernetes {@code Warning: 299 - "..."} header. */
  synchronized void warn(String text) {
    warnings.add(text);
  }

  /** Sends a whole response. */
  synchronized void send(int code, String contentType, byte[] body) {
    if (done || streaming) {
      return;
    }
    done = true;
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(code), Unpooled.wrappedBuffer(body));
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
    response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
    warnings.forEach(w -> response.headers().add(HttpHeaderNames.WARNING, "299 - \"" + w + "\""));
    HttpUtil.setContentLength(response, body.length);
    HttpUtil.setKeepAlive(response, keepAlive);
    var future = ctx.writeAndFlush(response);
    if (!keepAlive) {
      future.addListener(ChannelFutureListener.CLOSE);
    }
  }

  /** Sends a redirect. */
  synchronized void redirect(String location) {
    if (done) {
      return;
    }
    done = true;
    FullHttpResponse response =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.FOUND);
    response.headers().set(HttpHeaderNames.LOCATION, location);
    HttpUtil.setContentLength(response, 0);
    ctx.writeAndFlush(response);
  }

  /**
   * Starts a chunked 200 response now if nothing was sent yet; a no-op afterwards. Streams call it
   * at their first item, or after a short wait so that a client sees the headers of a quiet watch.
   */
  synchronized void startStream(String contentType) {
    if (done || streaming) {
      return;
    }
    streaming = true;
    HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
    response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
    response.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    // Proxies (and nginx) must not hold a stream back to fill a buffer.
    response.headers().set("X-Accel-Buffering", "no");
    HttpUtil.setKeepAlive(response, keepAlive);
    ctx.writeAndFlush(response);
  }

  /** Starts the stream after {@code millis} unless something was sent by then. */
  void startStreamAfter(String contentType, long millis) {
    ctx.executor().schedule(() -> startStream(contentType), millis, TimeUnit.MILLISECONDS);
  }

  /** Writes one chunk of text, starting the stream as NDJSON if needed. */
  synchronized void chunk(String text) {
    chunk(text.getBytes(StandardCharsets.UTF_8), "application/json");
  }

  /** Writes one chunk, starting the stream with {@code contentType} if needed. */
  synchronized void chunk(byte[] bytes, String contentType) {
    if (done) {
      return;
    }
    startStream(contentType);
    ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(bytes)));
  }

  /** Ends a stream (an empty 200 stream if none started). */
  synchronized void end() {
    if (done) {
      return;
    }
    startStream("application/json");
    done = true;
    var future = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
    if (!keepAlive) {
      future.addListener(ChannelFutureListener.CLOSE);
    }
  }

  /** Runs {@code next} as soon as the connection can take more output (now, if it can). */
  void whenWritable(Runnable next) {
    synchronized (this) {
      if (!ctx.channel().isWritable() && ctx.channel().isActive()) {
        pendingWritable = next;
        return;
      }
    }
    next.run();
  }

  /** Runs {@code action} when the client closes the connection. */
  synchronized void onClose(Runnable action) {
    if (!ctx.channel().isActive()) {
      action.run();
      return;
    }
    onClose.add(action);
  }

  /** Called by the handler when the connection's writability changed. */
  void writabilityChanged() {
    Runnable next;
    synchronized (this) {
      if (!ctx.channel().isWritable()) {
        return;
      }
      next = pendingWritable;
      pendingWritable = null;
    }
    if (next != null) {
      next.run();
    }
  }

  /** Called by the handler when the connection closed. */
  void closed() {
    List<Runnable> actions;
    synchronized (this) {
      done = true;
      actions = new ArrayList<>(onClose);
      onClose.clear();
    }
    actions.forEach(Runnable::run);
  }
}
