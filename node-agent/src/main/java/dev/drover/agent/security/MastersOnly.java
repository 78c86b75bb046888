package dev.drover.agent.security;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Lets only masters call the agent's service: the TLS handshake already checked that the caller's
 * certificate comes from the cluster CA; this checks that it names a master (subject {@code
 * O=MASTER}, as the cluster CA writes it), so one node cannot read another node's logs.
 */
public final class MastersOnly implements ServerInterceptor {
  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
    if (session == null || !isMaster(session)) {
      call.close(
          Status.PERMISSION_DENIED.withDescription("only masters of this cluster call an agent"),
          new Metadata());
      return new ServerCall.Listener<>() {};
    }
    return next.startCall(call, headers);
  }

  private static boolean isMaster(SSLSession session) {
    try {
      Certificate[] chain = session.getPeerCertificates();
      if (chain.length == 0 || !(chain[0] instanceof X509Certificate cert)) {
        return false;
      }
      for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("O") && "MASTER".equals(rdn.getValue())) {
          return true;
        }
      }
      return false;
    } catch (SSLPeerUnverifiedException | InvalidNameException e) {
      return false;
    }
  }
}
