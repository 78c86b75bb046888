package dev.drover.agent.security;

import com.google.protobuf.ByteString;
import dev.drover.api.v1.JoinRequest;
import dev.drover.api.v1.JoinResponse;
import dev.drover.api.v1.RenewRequest;
import dev.drover.api.v1.RenewResponse;
import dev.drover.api.v1.SecurityServiceGrpc;
import dev.drover.client.Channels;
import dev.drover.client.ClientCredentials;
import dev.drover.client.tls.DeferredClientTrust;
import dev.drover.client.tls.PemFiles;
import dev.drover.client.tls.PinnedCaTrustManager;
import dev.drover.client.tls.ReloadingKeyManager;
import dev.drover.client.tls.ServerTls;
import dev.drover.client.tls.TrustManagers;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import javax.net.ssl.X509TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's TLS identity, kept in {@code DIR/pki} ({@code ca.crt}, {@code node.crt}, {@code
 * node.key}): on first start the agent generates a key, joins with its token (trusting only a CA
 * whose digest the token carries) and receives the certificate of {@code node:<name>}; afterwards
 * it renews the certificate at a random 50-80% of its lifetime, without a restart (channels and the
 * agent's server read the files again at their next handshake). A certificate that expired (the
 * host was off past its lifetime, so no renewal could happen) cannot renew itself: the agent joins
 * again with its join token when it has one, and otherwise refuses to start saying what to do.
 */
public final class NodeCredentials implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NodeCredentials.class);
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);

  private final Path dir;
  private final String nodeName;
  private final String joinToken;
  private final List<String> masters;
  private final List<String> addresses;
  private final Duration retry;
  private final ReloadingKeyManager keys;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "node-certificate-renewal");
            t.setDaemon(true);
            return t;
          });

  private NodeCredentials(
      Path dir,
      String nodeName,
      String joinToken,
      List<String> masters,
      List<String> addresses,
      Duration retry) {
    this.dir = dir;
    this.nodeName = nodeName;
    this.joinToken = joinToken;
    this.masters = List.copyOf(masters);
    this.addresses = addresses;
    this.retry = retry;
    this.keys = new ReloadingKeyManager(certFile(), keyFile());
  }

  /**
   * The node's credentials in {@code dir}, joining with {@code joinToken} first when there are
   * none; throws {@link IllegalStateException} when there are none and no token, or the join fails.
   */
  public static NodeCredentials obtain(
      Path dir,
      String nodeName,
      String joinToken,
      List<String> masters,
      List<String> serveAddresses,
      Duration retry) {
    List<String> addresses = addresses(serveAddresses);
    if (!Files.exists(dir.resolve("node.crt")) || !Files.exists(dir.resolve("node.key"))) {
      if (joinToken == null) {
        throw new IllegalStateException(
            "no node certificate in "
                + dir
                + " and no join token: create one on a master with"
                + " `drover token create --role agent` and pass --join-token");
      }
      join(dir, nodeName, joinToken, masters, addresses);
    } else {
      Instant expired = expiredAt(dir.resolve("node.crt"));
      if (expired != null) {
        rejoin(dir, nodeName, joinToken, masters, addresses, expired);
      }
    }
    return new NodeCredentials(dir, nodeName, joinToken, masters, addresses, retry);
  }

  /** When the certificate in {@code file} expired, or null while it is valid. */
  private static Instant expiredAt(Path file) {
    Instant notAfter = PemFiles.readCertificates(file).get(0).getNotAfter().toInstant();
    return Instant.now().isAfter(notAfter) ? notAfter : null;
  }

  private static void rejoin(
      Path dir,
      String nodeName,
      String joinToken,
      List<String> masters,
      List<String> addresses,
      Instant expired) {
    String what =
        "the node certificate in "
            + dir
            + " expired at "
            + expired
            + " (the host was off past its lifetime, so it was not renewed)";
    if (joinToken == null) {
      throw new IllegalStateException(
          what
              + ": restart the agent with --join-token and a valid agent token"
              + " (`drover token create --role agent` on a master)");
    }
    LOG.warn("{}: joining again with the join token", what);
    try {
      join(dir, nodeName, joinToken, masters, addresses);
    } catch (IllegalStateException e) {
      throw new IllegalStateException(
          what
              + " and joining again failed ("
              + e.getMessage()
              + "): restart the agent with --join-token and a new agent token"
              + " (`drover token create --role agent` on a master)",
          e);
    }
  }

  private static List<String> addresses(List<String> serve) {
    LinkedHashSet<String> out = new LinkedHashSet<>(List.of("localhost", "127.0.0.1"));
    for (String a : serve) {
      if (!a.equals("0.0.0.0") && !a.equals("::") && !a.isEmpty()) {
        out.add(a);
      }
    }
    return new ArrayList<>(out);
  }

  private static void join(
      Path dir, String nodeName, String token, List<String> masters, List<String> addresses) {
    String[] parts = token.split("-");
    if (parts.length != 4 || parts[1].length() != 64) {
      throw new IllegalStateException(
          "the join token is malformed (expected DRV1-<ca>-<id>-<secret>)");
    }
    KeyPair pair = newKeyPair();
    JoinRequest request =
        JoinRequest.newBuilder()
            .setToken(token)
            .setName(nodeName)
            .setPublicKey(ByteString.copyFrom(pair.getPublic().getEncoded()))
            .addAllAddresses(addresses)
            .build();
    StatusRuntimeException last = null;
    for (String master : masters) {
      PinnedCaTrustManager pin = new PinnedCaTrustManager(parts[1]);
      ManagedChannel channel = Channels.pinned(master, pin);
      try {
        JoinResponse response =
            SecurityServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .join(request);
        String ca = response.getCaCertificate();
        if (!PemFiles.digest(PemFiles.parseCertificates(ca, "the join response").get(0))
            .equals(parts[1].toLowerCase(java.util.Locale.ROOT))) {
          throw new IllegalStateException("the master answered with a CA the token does not pin");
        }
        PemFiles.write(dir.resolve("ca.crt"), ca, false);
        write(dir, pair, response.getCertificate());
        LOG.info("node {} joined the cluster through {}", nodeName, master);
        return;
      } catch (StatusRuntimeException e) {
        last = e;
        LOG.warn("joining through {} failed: {}", master, e.getStatus());
      } finally {
        Channels.close(channel);
      }
    }
    throw new IllegalStateException(
        "could not join the cluster: "
            + (last == null
                ? "no master"
                : last.getStatus().getCode() + ": " + last.getStatus().getDescription()),
        last);
  }

  private static void write(Path dir, KeyPair pair, String certificatePem) {
    // Key first: the reloading key manager takes the pair once both files agree.
    PemFiles.write(dir.resolve("node.key"), PemFiles.privateKeyPem(pair.getPrivate()), true);
    PemFiles.write(dir.resolve("node.crt"), certificatePem, false);
  }

  private static KeyPair newKeyPair() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private Path certFile() {
    return dir.resolve("node.crt");
  }

  private Path keyFile() {
    return dir.resolve("node.key");
  }

  /** What the agent presents to masters. */
  public ClientCredentials asClient() {
    return ClientCredentials.certificate(dir.resolve("ca.crt"), certFile(), keyFile());
  }

  /** How the agent opens channels to masters: mutual TLS with the node certificate. */
  public Function<String, ManagedChannel> channels() {
    return Channels.secureFactory(asClient());
  }

  /**
   * The TLS context of the agent's own port: the node's certificate, and any client certificate
   * taken at the handshake, to be verified per call with {@link #clusterCa} (so that a refused one
   * is a status the caller sees and the agent audits).
   */
  public SslContext serverContext() {
    return ServerTls.context(
        keys,
        new DeferredClientTrust(
            PemFiles.readCertificates(dir.resolve("ca.crt")).toArray(X509Certificate[]::new)),
        false);
  }

  /** Trusts client certificates of the cluster CA. */
  public X509TrustManager clusterCa() {
    return TrustManagers.forCas(PemFiles.readCertificates(dir.resolve("ca.crt")));
  }

  /** The certificate presented now. */
  public X509Certificate certificate() {
    return keys.certificate();
  }

  /** Starts renewing the certificate at 50-80% of its lifetime. */
  public NodeCredentials startRenewal() {
    schedule(delay());
    return this;
  }

  private Duration delay() {
    var cert = keys.certificate();
    long from = cert.getNotBefore().getTime();
    long lifetime = cert.getNotAfter().getTime() - from;
    long at = from + (long) (lifetime * (0.5 + ThreadLocalRandom.current().nextDouble() * 0.3));
    return Duration.ofMillis(Math.max(100, at - Instant.now().toEpochMilli()));
  }

  private void schedule(Duration delay) {
    if (timer.isShutdown()) {
      return;
    }
    timer.schedule(
        () -> {
          if (renew() || rejoinAfterExpiry()) {
            schedule(delay());
          } else {
            schedule(retry);
          }
        },
        delay.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  // A certificate that expired while renewals failed (a suspended host, masters unreachable)
  // renews no more: join again with the token, if the agent was started with one.
  private boolean rejoinAfterExpiry() {
    if (joinToken == null || expiredAt(certFile()) == null) {
      return false;
    }
    try {
      join(dir, nodeName, joinToken, masters, addresses);
      return true;
    } catch (IllegalStateException e) {
      LOG.warn("the node certificate expired and joining again failed: {}", e.getMessage());
      return false;
    }
  }

  /** Asks a master for a fresh certificate of this node; true when one was written. */
  public boolean renew() {
    KeyPair pair = newKeyPair();
    RenewRequest request =
        RenewRequest.newBuilder()
            .setPublicKey(ByteString.copyFrom(pair.getPublic().getEncoded()))
            .addAllAddresses(addresses)
            .build();
    for (String master : masters) {
      ManagedChannel channel = Channels.secure(master, asClient());
      try {
        RenewResponse response =
            SecurityServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .renew(request);
        write(dir, pair, response.getCertificate());
        LOG.info("renewed the node certificate through {}", master);
        return true;
      } catch (StatusRuntimeException e) {
        LOG.warn("renewing the node certificate through {} failed: {}", master, e.getStatus());
      } finally {
        Channels.close(channel);
      }
    }
    return false;
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
