package dev.drover.master.metrics;

import dev.drover.api.Kinds;
import dev.drover.api.v1.Kind;
import dev.drover.master.auth.AuthorizationRequest;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import java.util.List;

/**
 * Counts every gRPC call and times it, per method and status code; and counts the calls about
 * objects once more by verb and kind as a user spells them ({@code verb="create",kind="Pod"}), read
 * from the call's first request the way authorization reads it.
 */
public final class MetricsInterceptor implements ServerInterceptor {
  /** Requests by method and code. */
  public static final String REQUESTS = "drover_api_requests_total";

  /** Latency by method and code. */
  public static final String LATENCY = "drover_api_request_duration_seconds";

  /** Requests about objects by verb, kind and code. */
  public static final String BY_KIND = "drover_api_object_requests_total";

  private final Counter requests;
  private final Histogram latency;
  private final Counter byKind;

  /** An interceptor recording into {@code metrics}. */
  public MetricsInterceptor(Metrics metrics) {
    requests = metrics.counter(REQUESTS, "API requests by method and gRPC code.", "method", "code");
    latency =
        metrics.histogram(
            LATENCY, "API request latency by method and gRPC code.", "method", "code");
    byKind =
        metrics.counter(
            BY_KIND,
            "API requests about objects by verb (create, get, list, watch, update, patch, delete),"
                + " kind (Pod, Deployment, ...) and gRPC code; an Apply counts once per object.",
            "verb",
            "kind",
            "code");
  }

  /** The requests counter, summed by the console's charts. */
  public Counter requests() {
    return requests;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    long start = System.nanoTime();
    String method = call.getMethodDescriptor().getFullMethodName();
    Asked asked = new Asked();
    ServerCall.Listener<Q> listener =
        next.startCall(
            new SimpleForwardingServerCall<Q, R>(call) {
              @Override
              public void close(Status status, Metadata trailers) {
                String code = status.getCode().name();
                requests.labelValues(method, code).inc();
                latency.labelValues(method, code).observe((System.nanoTime() - start) / 1e9);
                for (AuthorizationRequest r : asked.requests) {
                  byKind.labelValues(r.verb().spelling(), kindName(r.kind()), code).inc();
                }
                super.close(status, trailers);
              }
            },
            headers);
    if (!method.startsWith("drover.v1.")) {
      return listener;
    }
    return new SimpleForwardingServerCallListener<Q>(listener) {
      @Override
      public void onMessage(Q message) {
        asked.first(method, message);
        super.onMessage(message);
      }
    };
  }

  private static String kindName(Kind kind) {
    return Kinds.info(kind).kindName();
  }

  /** What the call's first request asked, once read; nothing for calls about no object. */
  private static final class Asked {
    private volatile boolean read;
    private volatile List<AuthorizationRequest> requests = List.of();

    void first(String method, Object message) {
      if (read) {
        return;
      }
      read = true;
      try {
        requests =
            AuthorizationRequest.of(method, message).stream()
                .filter(r -> Kinds.all().contains(r.kind()))
                .toList();
      } catch (RuntimeException e) {
        // A request too odd to describe is counted by method only; validation answers it.
        requests = List.of();
      }
    }
  }
}
