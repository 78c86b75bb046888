package dev.drover.master.security;

import dev.drover.client.audit.RefusalAudit;
import dev.drover.master.auth.AuthenticationInterceptor;
import dev.drover.master.auth.TokenAuthenticator;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the first master of a new cluster serves on its API port while its store waits for a
 * majority: {@code SecurityService.Join} for masters presenting its {@link BootstrapToken}, over
 * TLS with its own certificate, audited, and nothing else (token management answers UNAVAILABLE).
 * The masters of its {@code --peer} list join through it, start their store members, and so give
 * the store its majority; the master then closes this server and serves its whole API on the same
 * port.
 */
public final class BootstrapJoinServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BootstrapJoinServer.class);

  private final Server server;

  private BootstrapJoinServer(Server server) {
    this.server = server;
  }

  /** Serves joins on {@code host:port} with {@code credentials}' CA; calls pass {@code audit}. */
  static BootstrapJoinServer start(
      String host,
      int port,
      MasterCredentials credentials,
      BootstrapToken token,
      Duration lifetime,
      Supplier<String> secretKeys,
      ServerInterceptor audit,
      RefusalAudit plaintext) {
    SecurityServiceImpl joins =
        new SecurityServiceImpl(credentials, token, null, () -> lifetime, secretKeys);
    try {
      Server server =
          TlsPort.apply(
                  NettyServerBuilder.forAddress(new InetSocketAddress(host, port)),
                  credentials,
                  plaintext,
                  "master joins")
              .addService(
                  ServerInterceptors.intercept(
                      joins.bindService(),
                      AuthenticationInterceptor.secure(
                          TokenAuthenticator.NONE,
                          Set.of(SecurityServiceImpl.JOIN_METHOD),
                          credentials.trustManager()),
                      audit))
              .build()
              .start();
      LOG.info(
          "serving master joins on {}:{} until the store is up (token in {})",
          host,
          port,
          token.file());
      return new BootstrapJoinServer(server);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot serve master joins on " + host + ":" + port + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    server.shutdownNow();
    try {
      // The API server binds the same port next.
      server.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
