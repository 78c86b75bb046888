package dev.drover.master.auth;

import dev.drover.client.audit.AuditLine;
import java.net.SocketAddress;
import java.time.Instant;
import java.util.List;

/**
 * What the audit log will say about one call, filled while the call is served: the method and peer
 * when it starts, the principal and the request once authorization has read them, the status when
 * it ends. Rendered as one JSON line by {@link #json}.
 */
final class AuditRecord {
  private final String method;
  private final SocketAddress peer;
  private volatile Principal principal;
  private volatile AuthorizationRequest request;
  private volatile int objects;
  // Set by services whose calls are not object requests (joins, renewals, tokens).
  private volatile AuthorizationRequest.Verb verb;
  private volatile String resource;
  private volatile String name;

  AuditRecord(String method, SocketAddress peer) {
    this.method = method;
    this.peer = peer;
  }

  void principal(Principal p) {
    this.principal = p;
  }

  Principal principal() {
    return principal;
  }

  String method() {
    return method;
  }

  /** Names what a call that is not an object request does: {@code verb} on {@code resource}. */
  void describe(AuthorizationRequest.Verb verb, String resource, String name) {
    this.verb = verb;
    this.resource = resource;
    this.name = name;
  }

  void requests(List<AuthorizationRequest> all) {
    this.request = all.isEmpty() ? null : all.get(0);
    this.objects = all.size();
  }

  /** Whether the call changes state, as far as is known (from its request, else its method). */
  boolean mutating() {
    if (verb != null) {
      return verb.mutating();
    }
    AuthorizationRequest r = request;
    return r != null ? r.verb().mutating() : AuthorizationRequest.verbOf(method).mutating();
  }

  String json(Instant time, String code, String message) {
    AuthorizationRequest r = request;
    Principal p = principal;
    AuditLine line =
        new AuditLine()
            .field("time", time.toString())
            .field("who", p == null ? null : p.name())
            .field("role", p == null ? null : AuthorizationRules.spelling(p.role()))
            .field("peer", peer == null ? null : peer.toString())
            .field("method", method);
    if (verb != null) {
      line.field("verb", verb.spelling())
          .field("kind", resource)
          .field("namespace", null)
          .field("name", name);
    } else {
      line.field("verb", (r == null ? AuthorizationRequest.verbOf(method) : r.verb()).spelling())
          .field("kind", r == null ? null : r.resource())
          .field("namespace", r == null ? null : r.namespace())
          .field("name", r == null ? null : r.name());
    }
    if (objects > 1) {
      line.number("objects", objects);
    }
    line.field("code", code);
    if (message != null && !message.isEmpty()) {
      line.field("message", message.length() > 512 ? message.substring(0, 512) : message);
    }
    return line.toString();
  }
}
