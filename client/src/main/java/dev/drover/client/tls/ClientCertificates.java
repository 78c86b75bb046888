package dev.drover.client.tls;

import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.X509TrustManager;

/**
 * Verifies the client certificate of a TLS session whose handshake took any certificate ({@link
 * DeferredClientTrust}): the check a handshake would have made, done at the connection's first call
 * so that a refusal reaches the caller as a status with its reason and can be audited.
 */
public final class ClientCertificates {
  // Where a TLS session keeps the verdict on its client certificate ("" when accepted).
  private static final String VERDICT = "dev.drover.client-certificate-verdict";

  private ClientCertificates() {}

  /**
   * Why the session's client certificate is not one {@code trust} accepts (another CA, expired, not
   * yet valid), or null: accepted, or no certificate given.
   */
  public static String refusal(SSLSession session, X509TrustManager trust) {
    // Once per TLS session, at its first call (the moment of the handshake, as a handshake check
    // would): a connection opened with a valid certificate stays usable after the holder rotated
    // it, and later calls cost no verification.
    if (session.getValue(VERDICT) instanceof String verdict) {
      return verdict.isEmpty() ? null : verdict;
    }
    String verdict = verify(session, trust);
    session.putValue(VERDICT, verdict == null ? "" : verdict);
    return verdict;
  }

  /** The session's client certificate, or null when the client gave none. */
  public static X509Certificate peer(SSLSession session) {
    try {
      Certificate[] chain = session.getPeerCertificates();
      return chain.length > 0 && chain[0] instanceof X509Certificate x ? x : null;
    } catch (SSLPeerUnverifiedException e) {
      return null;
    }
  }

  private static String verify(SSLSession session, X509TrustManager trust) {
    X509Certificate[] chain;
    try {
      Certificate[] presented = session.getPeerCertificates();
      chain = new X509Certificate[presented.length];
      for (int i = 0; i < presented.length; i++) {
        chain[i] = (X509Certificate) presented[i];
      }
    } catch (SSLPeerUnverifiedException | ClassCastException e) {
      return null;
    }
    if (chain.length == 0) {
      return null;
    }
    String subject = chain[0].getSubjectX500Principal().getName();
    Instant now = Instant.now();
    if (now.isAfter(chain[0].getNotAfter().toInstant())) {
      return "the client certificate "
          + subject
          + " expired at "
          + chain[0].getNotAfter().toInstant();
    }
    if (now.isBefore(chain[0].getNotBefore().toInstant())) {
      return "the client certificate "
          + subject
          + " is not valid before "
          + chain[0].getNotBefore().toInstant();
    }
    try {
      trust.checkClientTrusted(chain, chain[0].getPublicKey().getAlgorithm());
      return null;
    } catch (CertificateException | RuntimeException e) {
      return "the client certificate "
          + subject
          + " is not one of this cluster's CA ("
          + e.getMessage()
          + ")";
    }
  }
}
