package dev.drover.client.tls;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A server port's TLS check of client certificates, deferred to the call: the handshake takes any
 * certificate the client proves it holds the key of, and the port's authentication verifies it
 * against the cluster CA at the connection's first call ({@link ClientCertificates#refusal}, which
 * remembers the verdict for the connection's session). A certificate of another CA or an expired
 * one is then refused as UNAUTHENTICATED with the reason, and the audit log records it, instead of
 * a handshake failure that no call ever sees (the client would get UNAVAILABLE and the server would
 * have nothing to audit). It serves a master's API port and an agent's port; the store's peers
 * verify at the handshake.
 */
public final class DeferredClientTrust extends X509ExtendedTrustManager {
  private final X509Certificate[] issuers;

  /** Asks clients for certificates of {@code cas} (the CA names sent in the handshake). */
  public DeferredClientTrust(X509Certificate... cas) {
    this.issuers = cas.clone();
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) {
    // Verified per call by the authentication interceptor.
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
    // Verified per call by the authentication interceptor.
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
    // Verified per call by the authentication interceptor.
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    throw new CertificateException("a server's client trust checks clients only");
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    throw new CertificateException("a server's client trust checks clients only");
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    throw new CertificateException("a server's client trust checks clients only");
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return issuers.clone();
  }
}
