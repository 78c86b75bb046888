package dev.drover.client.tls;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trust on first contact, pinned: a joining host knows only the SHA-256 digest of the cluster CA
 * (from its join token). The server's chain must end in a CA certificate with exactly that digest
 * and the server certificate must verify against it; the CA seen is kept for the caller to save.
 * Host names are not checked: the pin is stronger than a name.
 */
public final class PinnedCaTrustManager extends X509ExtendedTrustManager {
  private final String digest;
  private final AtomicReference<X509Certificate> seen = new AtomicReference<>();

  /** Trusts a chain whose CA certificate has this lower-case hex SHA-256 digest. */
  public PinnedCaTrustManager(String digest) {
    this.digest = digest.toLowerCase(java.util.Locale.ROOT);
  }

  /** The pinned CA certificate seen in the last accepted handshake, or null. */
  public X509Certificate ca() {
    return seen.get();
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    X509Certificate ca = null;
    for (X509Certificate c : chain) {
      if (PemFiles.digest(c).equals(digest)) {
        ca = c;
      }
    }
    if (ca == null) {
      throw new CertificateException(
          "the server's CA does not match the join token's CA digest "
              + digest
              + ": refusing to trust it");
    }
    try {
      TrustManagers.forCas(List.of(ca)).checkServerTrusted(chain, authType);
    } catch (CertificateException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new CertificateException(e.getMessage(), e);
    }
    seen.set(ca);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    checkServerTrusted(chain, authType);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    checkServerTrusted(chain, authType);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    throw new CertificateException("a pinned trust manager verifies servers only");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    checkClientTrusted(chain, authType);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    checkClientTrusted(chain, authType);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return new X509Certificate[0];
  }
}
