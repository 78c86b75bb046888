package dev.drover.master.auth;

import dev.drover.client.audit.AuditLog;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import java.time.Clock;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The guards every API call passes, outermost first: the audit log, authentication (whatever names
 * the {@link Principal}), the limits, then authorization; and the bounded executor that serves the
 * calls. Closing it stops the executor and closes the audit file.
 */
public final class AuthorizationChain implements AutoCloseable {
  private final ServerInterceptor audit;
  private final ServerInterceptor authenticator;
  private final ServerInterceptor limits;
  private final ServerInterceptor authorization;
  private final AuditLog auditLog;
  private final ExecutorService executor;

  /**
   * Guards with {@code authenticator} (e.g. {@link
   * AuthorizationInterceptor#insecureAuthenticator()}), node decisions by {@code nodes}, audit
   * lines to {@code auditLog} and {@code limits}.
   */
  public AuthorizationChain(
      ServerInterceptor authenticator,
      NodeAuthorizer nodes,
      AuditLog auditLog,
      Limits limits,
      Clock clock) {
    this.audit = new AuditInterceptor(auditLog, clock);
    this.authenticator = authenticator;
    this.limits = new LimitsInterceptor(limits);
    this.authorization = new AuthorizationInterceptor(nodes);
    this.auditLog = auditLog;
    AtomicInteger n = new AtomicInteger();
    this.executor =
        Executors.newFixedThreadPool(
            limits.executorThreads(),
            r -> {
              Thread t = new Thread(r, "master-api-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
  }

  /** {@code service} behind the guards. */
  public ServerServiceDefinition wrap(ServerServiceDefinition service) {
    // ServerInterceptors calls the last interceptor first.
    return ServerInterceptors.intercept(service, authorization, limits, authenticator, audit);
  }

  /**
   * {@code service}, which authorizes its callers itself (SecurityService), behind the audit log
   * and {@code authentication} only.
   */
  public ServerServiceDefinition auditedOnly(
      ServerServiceDefinition service, ServerInterceptor authentication) {
    return ServerInterceptors.intercept(service, authentication, audit);
  }

  /** The executor with a fixed number of threads that serves the network API's calls. */
  public ExecutorService executor() {
    return executor;
  }

  /** The audit log written. */
  public AuditLog auditLog() {
    return auditLog;
  }

  @Override
  public void close() {
    // The server has stopped (drained, or cut by a halt): nothing left to wait for.
    executor.shutdownNow();
    auditLog.close();
  }
}
