package dev.drover.master.security;

import com.google.protobuf.ByteString;
import dev.drover.api.v1.JoinRequest;
import dev.drover.api.v1.JoinResponse;
import dev.drover.api.v1.SecurityServiceGrpc;
import dev.drover.client.Channels;
import dev.drover.client.tls.PemFiles;
import dev.drover.client.tls.PinnedCaTrustManager;
import dev.drover.master.auth.CertificateIdentity;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A master's first start with a master join token ({@code drover master --join-token}): it
 * generates its key, calls {@code SecurityService.Join} on a master of the cluster trusting only a
 * CA whose digest the token carries, and writes what it receives into its PKI directory (the CA
 * certificate and key, its own certificate of {@code master:<id>}) and the key file of Secrets at
 * rest, all before its store member starts, since the store's peers accept only master certificates
 * of the cluster CA. Masters that are not up yet are retried until a deadline; a refusal (token
 * unknown, revoked, expired, of the agent role, or pinning another CA) ends the start at once with
 * the reason, and nothing is written.
 */
final class MasterJoin {
  private static final Logger LOG = LoggerFactory.getLogger(MasterJoin.class);
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration PAUSE = Duration.ofMillis(500);

  private MasterJoin() {}

  /** Why a master may not join: a refusal, not a master that is merely not reachable yet. */
  static final class RefusedException extends IllegalStateException {
    RefusedException(String message) {
      super(message);
    }
  }

  /**
   * Joins master {@code id} through one of {@code via} (API addresses) with {@code token}, and
   * writes the credentials into {@code pki}; the key file of Secrets at rest goes to {@code
   * secretKeyFile} (when not null and absent).
   *
   * @throws RefusedException when a master refuses the join or the token pins another CA
   * @throws IllegalStateException when no master answered within {@code timeout}
   */
  static void join(
      ClusterPki pki,
      String id,
      List<String> addresses,
      String token,
      List<String> via,
      Path secretKeyFile,
      Duration timeout) {
    String[] parts = token.strip().split("-");
    if (parts.length != 4 || parts[1].length() != 64) {
      throw new RefusedException(
          "--join-token: not a Drover token (expected DRV1-<ca digest>-<id>-<secret>)");
    }
    if (via.isEmpty()) {
      throw new RefusedException("--join-token needs the API address of a master to join through");
    }
    String digest = parts[1].toLowerCase(Locale.ROOT);
    KeyPair pair = CertificateAuthority.newKeyPair();
    JoinRequest request =
        JoinRequest.newBuilder()
            .setToken(token.strip())
            .setName(id)
            .setMaster(true)
            .setPublicKey(ByteString.copyFrom(pair.getPublic().getEncoded()))
            .addAllAddresses(addresses)
            .build();
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "no answer";
    while (true) {
      int pinRefusals = 0;
      for (String master : via) {
        PinnedCaTrustManager pin = new PinnedCaTrustManager(digest);
        ManagedChannel channel = Channels.pinned(master, pin);
        try {
          JoinResponse response =
              SecurityServiceGrpc.newBlockingStub(channel)
                  .withDeadlineAfter(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                  .join(request);
          write(pki, id, digest, pair, response, secretKeyFile, master);
          LOG.info("master {} joined the cluster through {}", id, master);
          return;
        } catch (StatusRuntimeException e) {
          Status.Code code = e.getStatus().getCode();
          if (code != Status.Code.UNAVAILABLE && code != Status.Code.DEADLINE_EXCEEDED) {
            throw new RefusedException(
                "master join refused by " + master + ": " + e.getStatus().getDescription());
          }
          if (pinFailed(e)) {
            pinRefusals++;
            last = master + " serves a CA other than the one the token pins";
          } else {
            last = master + ": " + e.getStatus();
          }
        } finally {
          Channels.close(channel);
        }
      }
      if (pinRefusals == via.size()) {
        throw new RefusedException(
            "master join refused: no master at "
                + String.join(", ", via)
                + " has the cluster CA the token pins (sha256 "
                + digest
                + "); the token is for another cluster, or was mistyped");
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "could not join the cluster within " + timeout.toSeconds() + " s: " + last);
      }
      LOG.info("waiting for a master to join through ({})", last);
      try {
        Thread.sleep(PAUSE.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while joining the cluster", e);
      }
    }
  }

  private static boolean pinFailed(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getMessage() != null && t.getMessage().contains("join token's CA digest")) {
        return true;
      }
    }
    return false;
  }

  private static void write(
      ClusterPki pki,
      String id,
      String digest,
      KeyPair pair,
      JoinResponse response,
      Path secretKeyFile,
      String master) {
    X509Certificate ca =
        PemFiles.parseCertificates(response.getCaCertificate(), "the join response").get(0);
    if (!PemFiles.digest(ca).equals(digest)) {
      throw new RefusedException(master + " answered with a CA the token does not pin");
    }
    if (response.getCaPrivateKey().isEmpty()) {
      throw new RefusedException(
          master
              + " sent no CA key: its TLS files are managed outside Drover, it cannot join masters");
    }
    PrivateKey caKey = PemFiles.parsePrivateKey(response.getCaPrivateKey(), "the join response");
    List<X509Certificate> chain =
        PemFiles.parseCertificates(response.getCertificate(), "the join response");
    if (!chain.get(0).getPublicKey().equals(pair.getPublic())
        || !ClusterPki.masterPrincipal(id).equals(CertificateIdentity.principal(chain.get(0)))) {
      throw new RefusedException(master + " answered with a certificate that is not master:" + id);
    }
    writeSecretKeys(secretKeyFile, response.getSecretKeys());
    pki.writeCa(new CertificateAuthority(ca, caKey));
    // Key first: the reloading key manager takes the pair once both files changed and agree.
    PemFiles.write(
        pki.dir().resolve("master.key"), PemFiles.privateKeyPem(pair.getPrivate()), true);
    PemFiles.write(pki.dir().resolve("master.crt"), response.getCertificate(), false);
  }

  private static void writeSecretKeys(Path file, String keys) {
    if (file == null || keys.isEmpty()) {
      return;
    }
    try {
      if (Files.exists(file)) {
        if (!Files.readString(file, StandardCharsets.US_ASCII).equals(keys)) {
          throw new RefusedException(
              file
                  + " holds keys other than the cluster's, so this master could not read the"
                  + " cluster's Secrets or CA; move it away and start again to receive the"
                  + " cluster's");
        }
        return;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
    PemFiles.write(file, keys, true);
  }
}
