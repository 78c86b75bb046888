package dev.drover.master.auth;

import dev.drover.client.tls.ClientCertificates;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.security.cert.X509Certificate;
import java.util.Set;
import javax.net.ssl.SSLSession;
import javax.net.ssl.X509TrustManager;

/**
 * Decides who makes each call on the API port and puts that {@link Principal} into the gRPC {@link
 * Context} ({@link AuthContext#PRINCIPAL}): the identity of a client certificate verified by mutual
 * TLS, else the principal of an {@code authorization: Bearer} token, else {@link
 * Principal#INSECURE} when the master runs without TLS on purpose. Anything else ends with
 * UNAUTHENTICATED before the service sees it. A few methods that carry their own credential (a join
 * token) pass without a principal.
 */
public final class AuthenticationInterceptor implements ServerInterceptor {
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final String BEARER = "Bearer ";

  private final boolean insecure;
  private final TokenAuthenticator tokens;
  private final Set<String> openMethods;
  private final X509TrustManager certificates;

  private AuthenticationInterceptor(
      boolean insecure,
      TokenAuthenticator tokens,
      Set<String> openMethods,
      X509TrustManager certificates) {
    this.insecure = insecure;
    this.tokens = tokens;
    this.openMethods = Set.copyOf(openMethods);
    this.certificates = certificates;
  }

  /** For a master with TLS disabled on purpose: every caller is {@link Principal#INSECURE}. */
  public static AuthenticationInterceptor insecure() {
    return new AuthenticationInterceptor(true, TokenAuthenticator.NONE, Set.of(), null);
  }

  /**
   * For a TLS master whose handshake verified client certificates already: certificates, then
   * bearer tokens; {@code openMethods} (full method names) are let through without credentials,
   * without a principal.
   */
  public static AuthenticationInterceptor secure(
      TokenAuthenticator tokens, Set<String> openMethods) {
    return new AuthenticationInterceptor(false, tokens, openMethods, null);
  }

  /**
   * As {@link #secure(TokenAuthenticator, Set)}, for a server whose handshake takes any client
   * certificate: each call's certificate is verified with {@code certificates} (the cluster CA)
   * here, and one that fails (another CA, expired) is UNAUTHENTICATED with the reason.
   */
  public static AuthenticationInterceptor secure(
      TokenAuthenticator tokens, Set<String> openMethods, X509TrustManager certificates) {
    return new AuthenticationInterceptor(false, tokens, openMethods, certificates);
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    // A principal already in the Context was set in process by whoever wrapped these services
    // with their own authentication (tests, benchmark harnesses); a remote call, and the HTTP
    // gateway's in-process call, always starts from an empty Context.
    Principal preset = AuthContext.current();
    String refused = preset != null || insecure ? null : verifyCertificate(call);
    if (refused != null) {
      call.close(Status.UNAUTHENTICATED.withDescription(refused), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    Principal principal =
        preset != null ? preset : insecure ? Principal.INSECURE : authenticate(call, headers);
    if (principal == null) {
      if (openMethods.contains(call.getMethodDescriptor().getFullMethodName())) {
        return next.startCall(call, headers);
      }
      call.close(
          Status.UNAUTHENTICATED.withDescription(
              "no usable credentials: present a client certificate of this cluster or a"
                  + " valid bearer token"),
          new Metadata());
      return new ServerCall.Listener<>() {};
    }
    return Contexts.interceptCall(
        Context.current().withValue(AuthContext.PRINCIPAL, principal), call, headers, next);
  }

  private Principal authenticate(ServerCall<?, ?> call, Metadata headers) {
    SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
    if (session != null) {
      X509Certificate peer = ClientCertificates.peer(session);
      if (peer != null) {
        // Verified against the cluster CA during the handshake; the subject names the holder.
        return CertificateIdentity.principal(peer);
      }
      String header = headers.get(AUTHORIZATION);
      if (header != null && header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
        return tokens.authenticate(header.substring(BEARER.length()).strip());
      }
    }
    // Without TLS no credential counts: a bearer token sent in clear text is not accepted.
    return null;
  }

  /** Why the call's client certificate is not one of this cluster, or null (also: none given). */
  private String verifyCertificate(ServerCall<?, ?> call) {
    SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
    if (certificates == null || session == null) {
      return null;
    }
    return ClientCertificates.refusal(session, certificates);
  }
}
