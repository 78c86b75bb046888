package dev.drover.client;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.function.Consumer;

/**
 * The warnings channel of the API, as Kubernetes' {@code Warning} response header: a write the
 * master admits with a caveat (a LoadBalancer Service served as NodePort, ...) answers with one
 * {@value #HEADER} metadata entry per warning, in the response headers (or, for a call answered
 * with trailers only, in the trailers). Any call may carry them; clients show them to the user.
 */
public final class Warnings {
  /** Name of the metadata entry carrying one warning. */
  public static final String HEADER = "warning";

  /** The metadata key of a warning (printable ASCII, see {@link #ascii}). */
  public static final Metadata.Key<String> KEY =
      Metadata.Key.of(HEADER, Metadata.ASCII_STRING_MARSHALLER);

  private Warnings() {}

  /** {@code text} as a metadata value may carry it: characters outside printable ASCII as '?'. */
  public static String ascii(String text) {
    StringBuilder out = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      out.append(c >= ' ' && c <= '~' ? c : '?');
    }
    return out.toString();
  }

  /** An interceptor that hands every warning a response carries to {@code sink}. */
  public static ClientInterceptor interceptor(Consumer<String> sink) {
    return new ClientInterceptor() {
      @Override
      public <Q, R> ClientCall<Q, R> interceptCall(
          MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        return new ForwardingClientCall.SimpleForwardingClientCall<>(
            next.newCall(method, options)) {
          @Override
          public void start(Listener<R> listener, Metadata headers) {
            super.start(
                new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                  @Override
                  public void onHeaders(Metadata received) {
                    report(received, sink);
                    super.onHeaders(received);
                  }

                  @Override
                  public void onClose(Status status, Metadata trailers) {
                    report(trailers, sink);
                    super.onClose(status, trailers);
                  }
                },
                headers);
          }
        };
      }
    };
  }

  private static void report(Metadata metadata, Consumer<String> sink) {
    Iterable<String> all = metadata.getAll(KEY);
    if (all != null) {
      all.forEach(sink);
    }
  }
}
