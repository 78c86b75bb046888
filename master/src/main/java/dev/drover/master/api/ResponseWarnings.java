package dev.drover.master.api;

import dev.drover.client.Warnings;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;

/**
 * The server side of the API's warnings channel ({@link Warnings}, Kubernetes' {@code Warning}
 * header): a handler {@link #add adds} a warning to the call it serves, and the warning goes out
 * with the response headers, or with the trailers when the call ends before any header was sent. It
 * must be the innermost interceptor of a service, so that the handler runs where the call's
 * warnings are.
 */
final class ResponseWarnings implements ServerInterceptor {
  private static final Context.Key<List<String>> PENDING = Context.key("drover-warnings");

  /** Adds a warning to the response of the call being served; nothing outside a call. */
  static void add(String text) {
    List<String> pending = PENDING.get();
    if (pending != null) {
      synchronized (pending) {
        pending.add(Warnings.ascii(text));
      }
    }
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    List<String> pending = new ArrayList<>();
    ServerCall<Q, R> carrying =
        new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
          @Override
          public void sendHeaders(Metadata responseHeaders) {
            drain(pending, responseHeaders);
            super.sendHeaders(responseHeaders);
          }

          @Override
          public void close(Status status, Metadata trailers) {
            drain(pending, trailers);
            super.close(status, trailers);
          }
        };
    return Contexts.interceptCall(
        Context.current().withValue(PENDING, pending), carrying, headers, next);
  }

  private static void drain(List<String> pending, Metadata into) {
    synchronized (pending) {
      pending.forEach(w -> into.put(Warnings.KEY, w));
      pending.clear();
    }
  }
}
