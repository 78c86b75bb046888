package dev.drover.master.auth;

import io.grpc.Contexts;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.net.SocketAddress;
import java.util.List;

/**
 * Allows or refuses each call once authentication has named its {@link Principal}: the method and
 * its request become {@link AuthorizationRequest}s, decided by {@link AuthorizationRules} for
 * people and programs and by {@link NodeAuthorizer} for nodes. No principal answers
 * UNAUTHENTICATED; a refusal answers PERMISSION_DENIED naming the principal, the verb and the
 * object, and the service never sees the request. Health checks need no principal; other services
 * than Drover's (reflection) need one and nothing more.
 */
public final class AuthorizationInterceptor implements ServerInterceptor {
  private static final String HEALTH = "grpc.health.v1.Health/";

  private final NodeAuthorizer nodes;

  /** Decides node calls with {@code nodes}. */
  public AuthorizationInterceptor(NodeAuthorizer nodes) {
    this.nodes = nodes;
  }

  /**
   * The authenticator of a master that has no other: every call is {@link Principal#INSECURE}
   * unless something outside it already named a principal (a test's interceptor, say).
   */
  public static ServerInterceptor insecureAuthenticator() {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        if (AuthContext.current() != null) {
          return next.startCall(call, headers);
        }
        return Contexts.interceptCall(
            io.grpc.Context.current().withValue(AuthContext.PRINCIPAL, Principal.INSECURE),
            call,
            headers,
            next);
      }
    };
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    if (method.startsWith(HEALTH)) {
      return next.startCall(call, headers);
    }
    Principal principal = AuthContext.current();
    AuditRecord record = AuditInterceptor.current();
    if (record != null) {
      record.principal(principal);
    }
    if (principal == null) {
      call.close(
          Status.UNAUTHENTICATED.withDescription(
              "no credentials: present a client certificate or a bearer token"),
          new Metadata());
      return new ServerCall.Listener<>() {};
    }
    if (!method.startsWith("drover.v1.")) {
      return next.startCall(call, headers);
    }
    SocketAddress peer = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    return new Checked<>(next.startCall(call, headers), call, method, principal, peer, record);
  }

  /** Why {@code principal} may not make {@code r}, or null when it may. */
  String deny(Principal principal, AuthorizationRequest r, Object message, SocketAddress peer) {
    if (principal.role() != Role.NODE) {
      return AuthorizationRules.deny(principal, r);
    }
    String node = principal.nodeName();
    return node == null
        ? "a node principal must be named node:<node name>"
        : nodes.deny(node, r, message, peer);
  }

  /** Holds the call back until its request has been read and allowed. */
  private final class Checked<Q, R> extends SimpleForwardingServerCallListener<Q> {
    private final ServerCall<Q, R> call;
    private final String method;
    private final Principal principal;
    private final SocketAddress peer;
    private final AuditRecord record;
    private boolean refused;

    Checked(
        ServerCall.Listener<Q> delegate,
        ServerCall<Q, R> call,
        String method,
        Principal principal,
        SocketAddress peer,
        AuditRecord record) {
      super(delegate);
      this.call = call;
      this.method = method;
      this.principal = principal;
      this.peer = peer;
      this.record = record;
    }

    @Override
    public void onMessage(Q message) {
      if (refused) {
        return;
      }
      String why;
      AuthorizationRequest failing = null;
      try {
        List<AuthorizationRequest> asked = AuthorizationRequest.of(method, message);
        if (record != null) {
          record.requests(asked);
        }
        why = null;
        for (AuthorizationRequest r : asked) {
          why = deny(principal, r, message, peer);
          if (why != null) {
            failing = r;
            break;
          }
        }
      } catch (RuntimeException e) {
        // A request too odd to describe: only an unlimited admin passes it on to validation.
        why =
            principal.role() == Role.CLUSTER_ADMIN && principal.namespace() == null
                ? null
                : "the request cannot be authorized: " + e.getMessage();
      }
      if (why == null) {
        super.onMessage(message);
        return;
      }
      refused = true;
      call.close(Status.PERMISSION_DENIED.withDescription(message(failing, why)), new Metadata());
    }

    private String message(AuthorizationRequest r, String why) {
      StringBuilder b = new StringBuilder(principal.name());
      b.append(" (").append(AuthorizationRules.spelling(principal.role()));
      b.append(") may not ");
      if (r == null) {
        b.append("call ").append(method);
      } else {
        b.append(r.verb().spelling()).append(' ').append(r.resource());
        if (!r.namespace().isEmpty() || !r.name().isEmpty()) {
          b.append(' ');
          b.append(r.namespace().isEmpty() ? r.name() : r.namespace() + "/" + r.name());
        }
      }
      return b.append(": ").append(why).toString();
    }

    @Override
    public void onHalfClose() {
      if (!refused) {
        super.onHalfClose();
      }
    }

    @Override
    public void onReady() {
      if (!refused) {
        super.onReady();
      }
    }
  }
}
