package dev.drover.master.metrics;

import dev.drover.master.auth.AuthContext;
import dev.drover.master.auth.Principal;
import dev.drover.master.auth.Role;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * The console's chart data as gRPC methods of their own ({@code drover.metrics.v1.ConsoleMetrics/
 * Series} once, {@code Follow} as a stream; a JSON string each way), served behind the same guards
 * as every other service: the HTTP gateway reaches it through its in-process channel with the
 * browser's credentials, so the charts never read an unauthenticated port. Authentication names the
 * caller; this service then allows only people and programs with a cluster-wide role
 * (cluster-admin, edit, view): request rates span every namespace, and nodes have no use for them.
 */
public final class ConsoleMetricsService {
  /** The service's name. */
  public static final String SERVICE = "drover.metrics.v1.ConsoleMetrics";

  /** The one method: an empty request, the series as JSON. */
  public static final MethodDescriptor<String, String> SERIES =
      MethodDescriptor.<String, String>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Series"))
          .setRequestMarshaller(new Utf8())
          .setResponseMarshaller(new Utf8())
          .build();

  /**
   * The series now and again after every sample, one JSON string per message, until the caller
   * cancels: the console follows it as it follows watches, without polling.
   */
  public static final MethodDescriptor<String, String> FOLLOW =
      MethodDescriptor.<String, String>newBuilder()
          .setType(MethodDescriptor.MethodType.SERVER_STREAMING)
          .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Follow"))
          .setRequestMarshaller(new Utf8())
          .setResponseMarshaller(new Utf8())
          .build();

  private static final Set<Role> ALLOWED = Set.of(Role.CLUSTER_ADMIN, Role.EDIT, Role.VIEW);

  private ConsoleMetricsService() {}

  /** The service over {@code series}. */
  public static ServerServiceDefinition definition(ConsoleSeries series) {
    return ServerServiceDefinition.builder(SERVICE)
        .addMethod(
            SERIES,
            ServerCalls.asyncUnaryCall(
                (request, response) -> {
                  if (allowed(response)) {
                    response.onNext(series.json());
                    response.onCompleted();
                  }
                }))
        .addMethod(
            FOLLOW,
            ServerCalls.asyncServerStreamingCall(
                (request, response) -> {
                  if (!allowed(response)) {
                    return;
                  }
                  ServerCallStreamObserver<String> out =
                      (ServerCallStreamObserver<String>) response;
                  Object lock = new Object();
                  Runnable stop =
                      series.follow(
                          json -> {
                            synchronized (lock) {
                              // A client that has not read the last sample skips this one: a
                              // chart needs the latest series, not every series in between.
                              if (!out.isCancelled() && out.isReady()) {
                                out.onNext(json);
                              }
                            }
                          });
                  out.setOnCancelHandler(stop);
                  synchronized (lock) {
                    out.onNext(series.json());
                  }
                }))
        .build();
  }

  /** Whether the caller may read the series; if not, fails the call and says why. */
  private static boolean allowed(StreamObserver<String> response) {
    Principal p = AuthContext.current();
    if (p == null || !ALLOWED.contains(p.role()) || p.namespace() != null) {
      response.onError(
          Status.PERMISSION_DENIED
              .withDescription(
                  (p == null ? "anonymous" : p.name())
                      + " may not read the cluster's metrics: a cluster-wide"
                      + " cluster-admin, edit or view role is needed")
              .asRuntimeException());
      return false;
    }
    return true;
  }

  /** Strings as UTF-8 bytes on the wire. */
  private static final class Utf8 implements MethodDescriptor.Marshaller<String> {
    @Override
    public InputStream stream(String value) {
      return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String parse(InputStream stream) {
      try {
        return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
