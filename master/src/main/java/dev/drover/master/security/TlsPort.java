package dev.drover.master.security;

import dev.drover.client.audit.RefusalAudit;
import dev.drover.client.tls.DeferredClientTrust;
import dev.drover.client.tls.ServerTls;
import dev.drover.client.tls.TlsServerPort;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;

/**
 * The one place the master puts TLS on a gRPC server port (the API port, and the bootstrap join
 * server before it): the server's TLS context with the master's credentials, client certificates
 * verified per call ({@link DeferredClientTrust}), and plaintext clients reported to the {@link
 * RefusalAudit} ({@link TlsServerPort}).
 */
final class TlsPort {
  private TlsPort() {}

  /**
   * Puts TLS with {@code credentials} on {@code builder} and reports plaintext clients of this port
   * (named {@code port} in the audit line) to {@code audit}.
   */
  static NettyServerBuilder apply(
      NettyServerBuilder builder, MasterCredentials credentials, RefusalAudit audit, String port) {
    return TlsServerPort.apply(
        builder,
        ServerTls.context(
            credentials.keyManager(), new DeferredClientTrust(credentials.caCertificate()), false),
        audit,
        port);
  }
}
