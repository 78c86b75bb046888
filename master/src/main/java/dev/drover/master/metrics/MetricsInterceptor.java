package dev.drover.master.metrics;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/** Counts every gRPC call and times it, per method and status code. */
public final class MetricsInterceptor implements ServerInterceptor {
  /** Requests by method and code. */
  public static final String REQUESTS = "drover_api_requests_total";

  /** Latency by method and code. */
  public static final String LATENCY = "drover_api_request_duration_seconds";

  private final Metrics metrics;

  /** An interceptor recording into {@code metrics}. */
  public MetricsInterceptor(Metrics metrics) {
    this.metrics = metrics;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    long start = System.nanoTime();
    String method = call.getMethodDescriptor().getFullMethodName();
    return next.startCall(
        new SimpleForwardingServerCall<Q, R>(call) {
          @Override
          public void close(Status status, Metadata trailers) {
            String labels =
                "method="
                    + Metrics.quote(method)
                    + ",code="
                    + Metrics.quote(status.getCode().name());
            metrics.inc(REQUESTS, "API requests by method and gRPC code.", labels);
            metrics.observe(
                LATENCY,
                "API request latency by method and gRPC code.",
                labels,
                System.nanoTime() - start);
            super.close(status, trailers);
          }
        },
        headers);
  }
}
