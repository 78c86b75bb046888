package dev.drover.cli.core;

import java.util.List;

/**
 * One named context of the client configuration: the master endpoints of a cluster ("host:port",
 * tried in order), the namespace commands use by default, and the credentials to present.
 */
public record ContextEntry(
    String name, List<String> endpoints, String namespace, Credentials credentials) {

  /** Copies the endpoint list; null namespace and credentials become empty. */
  public ContextEntry {
    endpoints = List.copyOf(endpoints);
    namespace = namespace == null ? "" : namespace;
    credentials = credentials == null ? Credentials.NONE : credentials;
  }

  /**
   * How the client authenticates: a bearer token, or a client certificate and key; the CA file
   * verifies the masters. Empty strings mean "not set" (plaintext until TLS is configured).
   */
  public record Credentials(String token, String caFile, String certFile, String keyFile) {

    /** No credentials at all. */
    public static final Credentials NONE = new Credentials("", "", "", "");

    /** Null fields become empty strings. */
    public Credentials {
      token = token == null ? "" : token;
      caFile = caFile == null ? "" : caFile;
      certFile = certFile == null ? "" : certFile;
      keyFile = keyFile == null ? "" : keyFile;
    }

    /** True when no field is set. */
    public boolean isEmpty() {
      return token.isEmpty() && caFile.isEmpty() && certFile.isEmpty() && keyFile.isEmpty();
    }
  }
}
