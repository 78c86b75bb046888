package dev.drover.client;

import java.nio.file.Path;

/**
 * What a client presents to a secured master and whom it trusts: the cluster CA file, and a client
 * certificate and key, or a bearer token, or both. Unusable credentials are an error when the
 * channel is built ({@link Channels#secure}), never a fall back to plaintext.
 *
 * @param caFile PEM of the CA the masters' certificates chain to; null trusts the JDK's CAs (a
 *     bearer token to a master with a public certificate)
 * @param certFile PEM client certificate, or null
 * @param keyFile PEM PKCS#8 key of {@code certFile}, or null
 * @param token bearer token, or null
 */
public record ClientCredentials(Path caFile, Path certFile, Path keyFile, String token) {

  /** Blank token becomes null; cert and key must come together; something must be given. */
  public ClientCredentials {
    token = token == null || token.isBlank() ? null : token.strip();
    if ((certFile == null) != (keyFile == null)) {
      throw new IllegalArgumentException(
          "a client certificate needs its key and a key its certificate (cert "
              + certFile
              + ", key "
              + keyFile
              + ")");
    }
    if (certFile != null && caFile == null) {
      throw new IllegalArgumentException(
          "a client certificate needs the CA file of the cluster that issued it");
    }
    if (caFile == null && certFile == null && token == null) {
      throw new IllegalArgumentException("no credentials: give a CA file, a certificate or token");
    }
  }

  /** A client certificate and key, trusting {@code caFile}. */
  public static ClientCredentials certificate(Path caFile, Path certFile, Path keyFile) {
    return new ClientCredentials(caFile, certFile, keyFile, null);
  }

  /** A bearer token, trusting {@code caFile} (null: the JDK's CAs). */
  public static ClientCredentials token(Path caFile, String token) {
    if (token == null || token.isBlank()) {
      throw new IllegalArgumentException("the bearer token is empty");
    }
    return new ClientCredentials(caFile, null, null, token);
  }
}
