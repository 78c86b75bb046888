package dev.drover.client.tls;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * A key manager over a certificate file and a key file that picks up new files at the next TLS
 * handshake: certificate rotation replaces the files, and servers and channels built once keep
 * presenting a current certificate without a restart. Both files are read when built, so unusable
 * material fails at once; a later unusable pair is ignored and the last good one kept (a rotation
 * writes the two files one after the other).
 */
public final class ReloadingKeyManager extends X509ExtendedKeyManager {
  private final Path certFile;
  private final Path keyFile;
  private volatile Material current;

  private record Material(
      FileTime certTime, FileTime keyTime, X509Certificate[] chain, PrivateKey key, String alias) {}

  /** Reads both files now; throws {@link IllegalArgumentException} when they are unusable. */
  public ReloadingKeyManager(Path certFile, Path keyFile) {
    this.certFile = certFile;
    this.keyFile = keyFile;
    this.current = load(0);
  }

  /** The certificate presented now (the first of the chain). */
  public X509Certificate certificate() {
    return material().chain[0];
  }

  private Material load(int generation) {
    FileTime certTime = modified(certFile);
    FileTime keyTime = modified(keyFile);
    List<X509Certificate> chain = PemFiles.readCertificates(certFile);
    PrivateKey key = PemFiles.readPrivateKey(keyFile);
    if (!matches(chain.get(0), key)) {
      throw new IllegalArgumentException(
          keyFile + ": the key does not belong to the certificate in " + certFile);
    }
    // A new alias per generation: an SSL engine that caches key material by alias reloads it.
    return new Material(
        certTime, keyTime, chain.toArray(new X509Certificate[0]), key, "drover-" + generation);
  }

  // A rotation writes the key, then the certificate: a pair that does not sign and verify is one
  // caught between the two writes.
  private static boolean matches(X509Certificate cert, PrivateKey key) {
    String algorithm = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
    try {
      byte[] probe = {1, 2, 3, 4};
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(cert.getPublicKey());
      verifier.update(probe);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private Material material() {
    Material m = current;
    FileTime certTime = modified(certFile);
    FileTime keyTime = modified(keyFile);
    if (certTime != null
        && keyTime != null
        && (!certTime.equals(m.certTime) || !keyTime.equals(m.keyTime))) {
      synchronized (this) {
        m = current;
        if (!certTime.equals(m.certTime) || !keyTime.equals(m.keyTime)) {
          try {
            int generation = Integer.parseInt(m.alias.substring("drover-".length())) + 1;
            m = load(generation);
            current = m;
          } catch (IllegalArgumentException e) {
            // Half-written rotation: keep serving the last good pair until both files agree.
          }
        }
      }
    }
    return m;
  }

  private static FileTime modified(Path file) {
    try {
      return Files.getLastModifiedTime(file);
    } catch (IOException e) {
      return null;
    }
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    return new String[] {material().alias};
  }

  @Override
  public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
    return material().alias;
  }

  @Override
  public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
    return material().alias;
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    return new String[] {material().alias};
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return material().alias;
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    return material().alias;
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    return material().chain.clone();
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    return material().key;
  }
}
