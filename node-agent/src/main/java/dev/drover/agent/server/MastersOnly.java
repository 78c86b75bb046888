package dev.drover.agent.server;

import dev.drover.client.audit.AuditLine;
import dev.drover.client.audit.AuditLog;
import dev.drover.client.tls.ClientCertificates;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.net.SocketAddress;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Locale;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLSession;
import javax.net.ssl.X509TrustManager;

/**
 * Lets only masters call the agent's service, and audits every call it refuses. The handshake takes
 * any client certificate ({@link dev.drover.client.tls.DeferredClientTrust}); here, at the
 * connection's first call, the certificate must verify against the cluster CA (else
 * UNAUTHENTICATED: none given, another CA, expired) and name a master (subject {@code O=MASTER}, as
 * the cluster CA writes it; else PERMISSION_DENIED), so one node cannot read another node's logs.
 * Each refusal is one line in the agent's audit log, in the masters' format.
 */
final class MastersOnly implements ServerInterceptor {
  private final X509TrustManager clusterCa;
  private final AuditLog audit;
  private final Clock clock;

  MastersOnly(X509TrustManager clusterCa, AuditLog audit, Clock clock) {
    this.clusterCa = clusterCa;
    this.audit = audit;
    this.clock = clock;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
    X509Certificate cert = session == null ? null : ClientCertificates.peer(session);
    String refusal;
    if (cert == null) {
      refusal = "no client certificate: only masters of this cluster call an agent";
    } else {
      refusal = ClientCertificates.refusal(session, clusterCa);
    }
    if (refusal != null) {
      return refuse(call, Status.UNAUTHENTICATED.withDescription(refusal), null);
    }
    if (!"MASTER".equals(attribute(cert, "O"))) {
      return refuse(
          call,
          Status.PERMISSION_DENIED.withDescription("only masters of this cluster call an agent"),
          cert);
    }
    return next.startCall(call, headers);
  }

  private <Q, R> ServerCall.Listener<Q> refuse(
      ServerCall<Q, R> call, Status status, X509Certificate verified) {
    audit.append(line(call, status, verified));
    call.close(status, new Metadata());
    return new ServerCall.Listener<>() {};
  }

  /** The audit line of a refused call; who and role only from a certificate that verified. */
  private String line(ServerCall<?, ?> call, Status status, X509Certificate verified) {
    String method = call.getMethodDescriptor().getFullMethodName();
    String role = verified == null ? null : attribute(verified, "O");
    SocketAddress peer = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    return new AuditLine()
        .field("time", clock.instant().toString())
        .field("who", verified == null ? null : attribute(verified, "CN"))
        .field("role", role == null ? null : role.toLowerCase(Locale.ROOT))
        .field("peer", peer == null ? null : peer.toString())
        .field("method", method)
        .field("verb", verb(method))
        .field("kind", kind(method))
        .field("namespace", null)
        .field("name", null)
        .field("code", status.getCode().name())
        .field("message", status.getDescription())
        .toString();
  }

  private static String verb(String method) {
    return method.endsWith("/Exec") || method.endsWith("/PortForward") ? "create" : "get";
  }

  private static String kind(String method) {
    String name = method.substring(method.lastIndexOf('/') + 1);
    return switch (name) {
      case "Logs" -> "pods/log";
      case "Exec" -> "pods/exec";
      case "PortForward" -> "pods/portforward";
      case "GetPodMetrics" -> "pods/metrics";
      default -> "pods";
    };
  }

  /** The value of the subject attribute {@code type} (CN, O), or null. */
  private static String attribute(X509Certificate cert, String type) {
    try {
      for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
        if (rdn.getType().equalsIgnoreCase(type)) {
          return String.valueOf(rdn.getValue());
        }
      }
    } catch (InvalidNameException e) {
      return null;
    }
    return null;
  }
}
