package dev.drover.master.security;

import dev.drover.client.ClientCredentials;
import dev.drover.client.tls.PemFiles;
import dev.drover.client.tls.ReloadingKeyManager;
import dev.drover.client.tls.TrustManagers;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.X509TrustManager;

/**
 * The TLS material a secured master works with: its own certificate and key (files, reloaded when
 * rotated), the cluster CA it trusts, and, when this master holds the CA key, the {@link
 * CertificateAuthority} that signs joins and renewals.
 */
public final class MasterCredentials {
  private final Path certFile;
  private final Path keyFile;
  private final Path caFile;
  private final X509Certificate ca;
  private final CertificateAuthority authority;
  private final ReloadingKeyManager keys;

  MasterCredentials(Path certFile, Path keyFile, Path caFile, CertificateAuthority authority) {
    this.certFile = certFile;
    this.keyFile = keyFile;
    this.caFile = caFile;
    this.keys = new ReloadingKeyManager(certFile, keyFile);
    List<X509Certificate> cas = PemFiles.readCertificates(caFile);
    this.ca = cas.get(0);
    this.authority = authority;
  }

  /**
   * Credentials from files the operator manages ({@code Master.Builder.tls}): this master cannot
   * sign joins. Throws {@link IllegalArgumentException} when a file is missing or unusable.
   */
  public static MasterCredentials fromFiles(Path certFile, Path keyFile, Path caFile) {
    return new MasterCredentials(certFile, keyFile, caFile, null);
  }

  /** The key manager serving this master's current certificate. */
  public ReloadingKeyManager keyManager() {
    return keys;
  }

  /** Trusts certificates of the cluster CA only. */
  public X509TrustManager trustManager() {
    return TrustManagers.forCas(List.of(ca));
  }

  /** The cluster CA certificate. */
  public X509Certificate caCertificate() {
    return ca;
  }

  /** The CA file. */
  public Path caFile() {
    return caFile;
  }

  /** The CA that signs certificates, or null when this master has no CA key. */
  public CertificateAuthority authority() {
    return authority;
  }

  /** What this master presents when it calls others (agents): its own certificate. */
  public ClientCredentials asClient() {
    return ClientCredentials.certificate(caFile, certFile, keyFile);
  }
}
