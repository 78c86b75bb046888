package dev.drover.master.auth;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import java.net.SocketAddress;
import java.time.Instant;
import java.util.List;

/**
 * What the audit log will say about one call, filled while the call is served: the method and peer
 * when it starts, the principal and the request once authorization has read them, the status when
 * it ends. Rendered as one JSON line by {@link #json}.
 */
final class AuditRecord {
  private static final JsonFormat.Printer JSON = JsonFormat.printer();

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
    StringBuilder b = new StringBuilder(256).append('{');
    field(b, "time", time.toString());
    field(b, "who", p == null ? null : p.name());
    field(b, "role", p == null ? null : AuthorizationRules.spelling(p.role()));
    field(b, "peer", peer == null ? null : peer.toString());
    field(b, "method", method);
    if (verb != null) {
      field(b, "verb", verb.spelling());
      field(b, "kind", resource);
      field(b, "namespace", null);
      field(b, "name", name);
    } else {
      field(b, "verb", (r == null ? AuthorizationRequest.verbOf(method) : r.verb()).spelling());
      field(b, "kind", r == null ? null : r.resource());
      field(b, "namespace", r == null ? null : r.namespace());
      field(b, "name", r == null ? null : r.name());
    }
    if (objects > 1) {
      b.append("\"objects\":").append(objects).append(',');
    }
    field(b, "code", code);
    if (message != null && !message.isEmpty()) {
      field(b, "message", message.length() > 512 ? message.substring(0, 512) : message);
    }
    b.setLength(b.length() - 1);
    return b.append('}').toString();
  }

  private static void field(StringBuilder b, String key, String value) {
    b.append('"').append(key).append("\":");
    if (value == null) {
      b.append("null");
    } else {
      quote(b, value);
    }
    b.append(',');
  }

  /** Appends {@code s} as a JSON string. */
  static void quote(StringBuilder b, String s) {
    try {
      b.append(JSON.print(Value.newBuilder().setStringValue(s)));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("a string value always prints", e);
    }
  }
}
