package dev.drover.master.security;

import com.google.protobuf.ByteString;
import dev.drover.client.ClientCredentials;
import dev.drover.client.tls.PemFiles;
import dev.drover.master.auth.Principal;
import dev.drover.master.auth.Role;
import dev.drover.store.api.Keys;
import dev.drover.store.api.KvStore;
import dev.drover.store.v1.Compare;
import dev.drover.store.v1.PutRequest;
import dev.drover.store.v1.RequestOp;
import dev.drover.store.v1.TxnRequest;
import dev.drover.store.v1.TxnResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A master's managed PKI in its directory ({@code DIR/pki}): the cluster CA is created by the first
 * master to bootstrap and published in the replicated store; a master joining the cluster receives
 * it with its certificate ({@link MasterJoin}); each master then signs its own serving certificate
 * for the addresses it listens on, and the admin client certificate the CLI uses.
 *
 * <p>Files: {@code ca.crt}, {@code ca.key}, {@code master.crt} (chain: master, CA), {@code
 * master.key}, {@code admin.crt}, {@code admin.key}; keys are readable by the owner only.
 */
public final class ClusterPki {
  /** Store key of the cluster CA (certificate and key, PEM). */
  static final ByteString CA_KEY = Keys.of("/security/ca");

  private static final Duration CA_LIFETIME = Duration.ofDays(3650);
  private static final Duration ADMIN_LIFETIME = Duration.ofDays(365);

  private final Path dir;

  /** The PKI kept in {@code dir}. */
  public ClusterPki(Path dir) {
    this.dir = dir;
  }

  /** The directory. */
  public Path dir() {
    return dir;
  }

  /** Where the admin client certificate is written. */
  public ClientCredentials adminCredentials() {
    return ClientCredentials.certificate(
        dir.resolve("ca.crt"), dir.resolve("admin.crt"), dir.resolve("admin.key"));
  }

  /**
   * Before the store starts: the cluster CA kept in this directory, and a fresh certificate of this
   * master signed by it. When there is no CA, {@code bootstrapper} says whether this master creates
   * the cluster's (the first master's bootstrap); otherwise starting is refused, since a CA of its
   * own would shut this master out of the others' store.
   */
  public MasterCredentials prepare(
      String masterId, Collection<String> addresses, Duration lifetime, boolean bootstrapper) {
    return prepare(masterId, addresses, lifetime, bootstrapper, false);
  }

  /**
   * As {@link #prepare(String, Collection, Duration, boolean)}; with {@code joined}, the
   * certificate this master just received when joining is kept rather than signed afresh.
   */
  MasterCredentials prepare(
      String masterId,
      Collection<String> addresses,
      Duration lifetime,
      boolean bootstrapper,
      boolean joined) {
    CertificateAuthority ca = readLocal();
    if (ca == null && !bootstrapper) {
      throw new IllegalStateException(
          "no cluster CA in "
              + dir
              + ": master "
              + masterId
              + " is not the first of the store's peers, which creates it; start it with"
              + " --join-token (`drover token create --role master` on a running master, or, while"
              + " the cluster starts, the first line of the first master's pki/"
              + BootstrapToken.FILE
              + ")");
    }
    if (ca == null) {
      ca = CertificateAuthority.create("drover-cluster-ca", CA_LIFETIME);
      writeCa(ca);
    }
    if (!joined) {
      issueMaster(ca, masterId, addresses, lifetime);
    }
    return credentials(ca);
  }

  /** Whether this directory holds the cluster CA (certificate and key). */
  public boolean hasCa() {
    return Files.exists(dir.resolve("ca.crt")) && Files.exists(dir.resolve("ca.key"));
  }

  private MasterCredentials credentials(CertificateAuthority ca) {
    return new MasterCredentials(
        dir.resolve("master.crt"), dir.resolve("master.key"), dir.resolve("ca.crt"), ca);
  }

  /**
   * Finds or publishes the cluster CA in the store, signs this master's certificate for {@code
   * addresses} (unless {@code prepared} already holds one of that CA) and (re)writes the admin
   * certificate when it is missing or half used. With {@code prepared} (the store runs TLS with
   * those credentials) the store can only belong to a cluster of that CA, and any other is an
   * error; without, the CA the store holds wins over a local one.
   */
  public MasterCredentials bootstrap(
      KvStore kv,
      String masterId,
      Collection<String> addresses,
      Duration lifetime,
      MasterCredentials prepared) {
    CertificateAuthority ca = clusterCa(kv);
    MasterCredentials credentials;
    if (prepared != null) {
      if (!ca.certificate().equals(prepared.caCertificate())) {
        throw new IllegalStateException(
            "the store holds a cluster CA ("
                + PemFiles.digest(ca.certificate())
                + ") other than this master's "
                + dir.resolve("ca.crt")
                + " ("
                + PemFiles.digest(prepared.caCertificate())
                + ")");
      }
      credentials = prepared;
    } else {
      writeCa(ca);
      issueMaster(ca, masterId, addresses, lifetime);
      credentials = credentials(ca);
    }
    X509Certificate admin = existing(dir.resolve("admin.crt"));
    if (admin == null
        || !admin.getIssuerX500Principal().equals(ca.certificate().getSubjectX500Principal())
        || Rotation.due(admin, Instant.now(), 0.5)) {
      issue(
          ca, new Principal("admin", Role.CLUSTER_ADMIN, null), List.of(), ADMIN_LIFETIME, "admin");
    }
    return credentials;
  }

  /** Signs a fresh certificate for this master (start and rotation) and writes it. */
  public void issueMaster(
      CertificateAuthority ca, String masterId, Collection<String> addresses, Duration lifetime) {
    issue(ca, masterPrincipal(masterId), addresses, lifetime, "master");
  }

  /**
   * Gives a node agent on this host its credentials directly ({@code ca.crt}, {@code node.crt},
   * {@code node.key} in {@code agentDir}), for an embedded master and agent in one process that
   * need no join token.
   */
  public static void issueNode(
      CertificateAuthority ca,
      Path agentDir,
      String nodeName,
      Collection<String> addresses,
      Duration lifetime) {
    new ClusterPki(agentDir).writeCaCertificate(ca);
    new ClusterPki(agentDir).issue(ca, Principal.node(nodeName), addresses, lifetime, "node");
  }

  private void writeCaCertificate(CertificateAuthority ca) {
    PemFiles.write(
        dir.resolve("ca.crt"), PemFiles.certificatesPem(List.of(ca.certificate())), false);
  }

  /** The principal of master {@code id}. */
  public static Principal masterPrincipal(String id) {
    return new Principal("master:" + id, Role.MASTER, null);
  }

  /** Writes the CA this master received when joining, so that it too can sign (a master's join). */
  public void writeCa(CertificateAuthority ca) {
    writeCaCertificate(ca);
    PemFiles.write(dir.resolve("ca.key"), PemFiles.privateKeyPem(ca.key()), true);
  }

  private void issue(
      CertificateAuthority ca,
      Principal holder,
      Collection<String> addresses,
      Duration lifetime,
      String name) {
    KeyPair pair = CertificateAuthority.newKeyPair();
    X509Certificate cert = ca.issue(pair.getPublic(), holder, addresses, lifetime);
    // Key first: the reloading key manager takes the pair once both files changed and agree.
    PemFiles.write(dir.resolve(name + ".key"), PemFiles.privateKeyPem(pair.getPrivate()), true);
    PemFiles.write(
        dir.resolve(name + ".crt"),
        PemFiles.certificatesPem(List.of(cert, ca.certificate())),
        false);
  }

  private CertificateAuthority clusterCa(KvStore kv) {
    CertificateAuthority stored = readStored(kv);
    if (stored != null) {
      return stored;
    }
    CertificateAuthority local = readLocal();
    CertificateAuthority candidate =
        local != null ? local : CertificateAuthority.create("drover-cluster-ca", CA_LIFETIME);
    String pem =
        PemFiles.certificatesPem(List.of(candidate.certificate()))
            + PemFiles.privateKeyPem(candidate.key());
    // Several masters may bootstrap at once: the first to write wins and all use its CA.
    await(putIfAbsent(kv, CA_KEY, ByteString.copyFromUtf8(pem)));
    CertificateAuthority winner = readStored(kv);
    if (winner == null) {
      throw new IllegalStateException("the cluster CA vanished from the store");
    }
    return winner;
  }

  /** Writes {@code value} under {@code key} unless the key exists. */
  static CompletableFuture<TxnResponse> putIfAbsent(KvStore kv, ByteString key, ByteString value) {
    return kv.txn(
        TxnRequest.newBuilder()
            .addCompare(
                Compare.newBuilder()
                    .setKey(key)
                    .setTarget(Compare.CompareTarget.CREATE)
                    .setResult(Compare.CompareResult.EQUAL)
                    .setCreateRevision(0))
            .addSuccess(
                RequestOp.newBuilder()
                    .setRequestPut(PutRequest.newBuilder().setKey(key).setValue(value)))
            .build());
  }

  private static CertificateAuthority readStored(KvStore kv) {
    var response = await(kv.get(CA_KEY));
    if (response.getKvsCount() == 0) {
      return null;
    }
    String pem = response.getKvs(0).getValue().toString(StandardCharsets.US_ASCII);
    return new CertificateAuthority(
        PemFiles.parseCertificates(pem, "the store's cluster CA").get(0),
        PemFiles.parsePrivateKey(pem, "the store's cluster CA"));
  }

  private CertificateAuthority readLocal() {
    Path cert = dir.resolve("ca.crt");
    Path key = dir.resolve("ca.key");
    if (!Files.exists(cert) || !Files.exists(key)) {
      return null;
    }
    return new CertificateAuthority(
        PemFiles.readCertificates(cert).get(0), PemFiles.readPrivateKey(key));
  }

  private static X509Certificate existing(Path file) {
    if (!Files.exists(file)) {
      return null;
    }
    try {
      return PemFiles.readCertificates(file).get(0);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static <T> T await(CompletableFuture<T> f) {
    try {
      return f.get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading the cluster CA", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot read the cluster CA from the store: " + e, e);
    }
  }
}
