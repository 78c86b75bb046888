package dev.drover.master;

import java.nio.file.Path;

/**
 * Where a master's TLS material lives when the operator manages it: its certificate chain and key
 * (PEM, PKCS#8), and the CA that client certificates must chain to. With {@link Master.Builder#tls}
 * the API is served over mutual TLS with these files; a file that is missing or unusable stops the
 * master from starting. Such a master cannot sign joins (it holds no CA key).
 */
public record TlsConfig(Path certificateChain, Path privateKey, Path trustedCa) {}
