package dev.drover.client.tls;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLException;
import javax.net.ssl.X509TrustManager;

/**
 * The TLS context of a Drover gRPC server (a master's API, an agent's service): its own certificate
 * from a (reloading) key manager, client certificates verified against the cluster CA. The JDK
 * provider is used so that a rotated certificate is picked up at the next handshake.
 */
public final class ServerTls {
  private ServerTls() {}

  /**
   * A server context; {@code requireClientCertificate} false lets clients without a certificate in
   * (bearer tokens, joins), but a certificate that is presented must still verify.
   */
  public static SslContext context(
      KeyManager keys, X509TrustManager clientTrust, boolean requireClientCertificate) {
    try {
      return GrpcSslContexts.configure(SslContextBuilder.forServer(keys), SslProvider.JDK)
          .trustManager(clientTrust)
          .clientAuth(requireClientCertificate ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL)
          .build();
    } catch (SSLException e) {
      throw new IllegalStateException("cannot build the server's TLS context: " + e, e);
    }
  }

  /** A client context: trust {@code serverTrust}, present {@code keys} when not null. */
  public static SslContext clientContext(KeyManager keys, X509TrustManager serverTrust) {
    try {
      SslContextBuilder b =
          GrpcSslContexts.configure(SslContextBuilder.forClient(), SslProvider.JDK)
              .trustManager(serverTrust);
      if (keys != null) {
        b.keyManager(keys);
      }
      return b.build();
    } catch (SSLException e) {
      throw new IllegalStateException("cannot build the client's TLS context: " + e, e);
    }
  }
}
