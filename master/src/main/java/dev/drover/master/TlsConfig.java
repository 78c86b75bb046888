package dev.drover.master;

import java.nio.file.Path;

/**
 * Where a master's TLS material lives: its certificate chain and key, and the CA that client and
 * peer certificates must chain to. Accepted by {@link Master.Builder#tls} so that the security work
 * plugs in without changing the builder; a master does not use it yet and serves plaintext.
 */
public record TlsConfig(Path certificateChain, Path privateKey, Path trustedCa) {}
