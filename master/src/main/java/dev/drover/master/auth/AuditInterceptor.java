package dev.drover.master.auth;

import dev.drover.client.audit.AuditLog;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Writes the audit log: one line for every call that changes state and for every call refused as
 * unauthenticated or not allowed, whatever refused it. It runs outside authentication, so it sees
 * every refusal; the principal and the request reach it through an {@link AuditRecord} in the gRPC
 * {@link Context}, which authorization fills (or a service, through {@link #describe}).
 *
 * <p>One exception: a node's heartbeat (NodeService/Heartbeat, the renewal of its lease every few
 * seconds) changes state but is written only when refused; a line per node every few seconds would
 * bury the changes the log is for, and a node's own lease is all a heartbeat may touch.
 */
public final class AuditInterceptor implements ServerInterceptor {
  static final Context.Key<AuditRecord> RECORD = Context.key("drover-audit-record");
  private static final String HEARTBEAT = "drover.v1.NodeService/Heartbeat";

  private final AuditLog log;
  private final Clock clock;

  /** Writes to {@code log} with times from {@code clock}. */
  public AuditInterceptor(AuditLog log, Clock clock) {
    this.log = log;
    this.clock = clock;
  }

  /** The record of the call being served, or null outside an audited call. */
  static AuditRecord current() {
    return RECORD.get();
  }

  /**
   * For services whose calls are not object requests: says who makes the call being served ({@code
   * who}, when authentication named nobody: a join token) and what it does ({@code verb} on {@code
   * resource} named {@code name}). Does nothing outside an audited call.
   */
  public static void describe(
      Principal who, AuthorizationRequest.Verb verb, String resource, String name) {
    AuditRecord record = current();
    if (record == null) {
      return;
    }
    if (who != null) {
      record.principal(who);
    }
    record.describe(verb, resource, name);
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    AuditRecord record =
        new AuditRecord(
            call.getMethodDescriptor().getFullMethodName(),
            call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
    AtomicBoolean written = new AtomicBoolean();
    ServerCall<Q, R> audited =
        new SimpleForwardingServerCall<>(call) {
          @Override
          public void close(Status status, Metadata trailers) {
            if (written.compareAndSet(false, true)) {
              write(record, status);
            }
            super.close(status, trailers);
          }
        };
    ServerCall.Listener<Q> listener =
        Contexts.interceptCall(Context.current().withValue(RECORD, record), audited, headers, next);
    return new SimpleForwardingServerCallListener<>(listener) {
      @Override
      public void onCancel() {
        if (written.compareAndSet(false, true)) {
          write(record, Status.CANCELLED.withDescription("cancelled by the client"));
        }
        super.onCancel();
      }
    };
  }

  private void write(AuditRecord record, Status status) {
    Status.Code code = status.getCode();
    boolean refused = code == Status.Code.PERMISSION_DENIED || code == Status.Code.UNAUTHENTICATED;
    if (!refused && (!record.mutating() || record.method().equals(HEARTBEAT))) {
      return;
    }
    if (record.principal() == null) {
      record.principal(AuthContext.current());
    }
    log.append(record.json(clock.instant(), code.name(), status.getDescription()));
  }
}
