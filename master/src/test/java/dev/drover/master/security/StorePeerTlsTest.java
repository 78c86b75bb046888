package dev.drover.master.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.drover.client.tls.PemFiles;
import dev.drover.client.tls.ReloadingKeyManager;
import dev.drover.client.tls.TrustManagers;
import dev.drover.master.Master;
import dev.drover.store.KvStores;
import dev.drover.store.api.Peer;
import dev.drover.store.api.PeerTls;
import dev.drover.store.api.StoreOptions;
import dev.drover.store.raft.RaftKvClient;
import dev.drover.store.raft.RaftKvStore;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The masters' store traffic over mutual TLS: three masters sharing a cluster CA replicate; a
 * plaintext client and a client presenting a node's certificate are refused at the store port while
 * a master's certificate gets in; with certificate lifetimes of seconds, the members keep
 * replicating, and a restarted member reconnects long after the first certificates expired.
 */
class StorePeerTlsTest {
  @TempDir Path dir;
  private final List<Peer> peers =
      List.of(
          new Peer("m1", "127.0.0.1", KvStores.freePort()),
          new Peer("m2", "127.0.0.1", KvStores.freePort()),
          new Peer("m3", "127.0.0.1", KvStores.freePort()));
  private final Map<String, Master> masters = new LinkedHashMap<>();
  private final List<AutoCloseable> closeLast = new ArrayList<>();
  private CertificateAuthority ca;

  @AfterEach
  void stop() throws Exception {
    masters.values().forEach(Master::close);
    for (AutoCloseable c : closeLast) {
      c.close();
    }
  }

  /** One CA in every master's PKI directory, as a joining master receives it. */
  private void shareCa() {
    ca = CertificateAuthority.create("test-cluster-ca", Duration.ofDays(1));
    for (Peer p : peers) {
      new ClusterPki(pkiDir(p.id())).writeCa(ca);
    }
  }

  private Path pkiDir(String id) {
    return dir.resolve(id).resolve("pki");
  }

  private Master.Builder builder(String id, Duration lifetime) {
    return Master.builder()
        .id(id)
        .apiPort(0)
        .clusterStore(peers, dir.resolve(id).resolve("store"))
        .secretKeyFile(dir.resolve("secret-keys"))
        .certificateLifetime(lifetime)
        .pki(pkiDir(id));
  }

  /** Starts the three masters together: each store member waits for a majority. */
  private void startAll(Duration lifetime) throws Exception {
    ExecutorService starters = Executors.newFixedThreadPool(peers.size());
    try {
      Map<String, CompletableFuture<Master>> starting = new LinkedHashMap<>();
      for (Peer p : peers) {
        starting.put(
            p.id(),
            CompletableFuture.supplyAsync(() -> builder(p.id(), lifetime).start(), starters));
      }
      for (var e : starting.entrySet()) {
        masters.put(e.getKey(), e.getValue().get(120, TimeUnit.SECONDS));
      }
    } finally {
      starters.shutdown();
    }
  }

  private static RaftKvStore member(Master m) {
    return (RaftKvStore) m.kv();
  }

  /** Writes through {@code via} and waits until every running member has applied the value. */
  private void writeAndSeeEverywhere(Master via, String key, String value) throws Exception {
    writeAndSeeEverywhere(masters.values(), via, key, value);
  }

  /** Writes through {@code via} and waits until each of {@code all} has applied the value. */
  static void writeAndSeeEverywhere(Iterable<Master> all, Master via, String key, String value)
      throws Exception {
    ByteString k = ByteString.copyFromUtf8(key);
    ByteString v = ByteString.copyFromUtf8(value);
    via.kv().put(k, v).get(30, TimeUnit.SECONDS);
    for (Master m : all) {
      await().atMost(Duration.ofSeconds(30)).until(() -> v.equals(valueOf(member(m), k)));
    }
  }

  private static ByteString valueOf(RaftKvStore store, ByteString key) {
    var kv = store.mvcc().liveView().get(key);
    return kv == null ? null : kv.getValue();
  }

  private RaftKvClient client(PeerTls tls) {
    StoreOptions options = new StoreOptions().requestTimeout(Duration.ofSeconds(2));
    RaftKvClient c =
        tls == null
            ? KvStores.client(peers, options)
            : KvStores.client(peers, options, tls, member(masters.get("m1")).groupId());
    closeLast.add(c);
    return c;
  }

  /** Credentials issued by the cluster CA under {@code name} in a directory of their own. */
  private PeerTls issued(String name, boolean master) {
    Path own = dir.resolve("outsider-" + name);
    if (master) {
      new ClusterPki(own).issueMaster(ca, name, List.of("127.0.0.1"), Duration.ofHours(1));
    } else {
      ClusterPki.issueNode(ca, own, name, List.of("127.0.0.1"), Duration.ofHours(1));
    }
    String file = master ? "master" : "node";
    return new PeerTls(
        new ReloadingKeyManager(own.resolve(file + ".crt"), own.resolve(file + ".key")),
        TrustManagers.forCas(List.of(ca.certificate())));
  }

  private static void assertRefused(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
    assertThatThrownBy(call)
        .isInstanceOf(java.util.concurrent.ExecutionException.class)
        .hasCauseInstanceOf(dev.drover.store.api.KvStoreException.class);
  }

  @Test
  void onlyTheFirstPeerCreatesTheClusterCa() {
    // A CA of its own would lock m2 out of the others' store: it refuses to start instead.
    assertThatThrownBy(() -> builder("m2", Duration.ofDays(1)).start())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no cluster CA in " + pkiDir("m2"))
        .hasMessageContaining("start it with --join-token");
    assertThat(pkiDir("m2").resolve("ca.key")).doesNotExist();
  }

  @Test
  void threeMastersReplicateOverMutualTls() throws Exception {
    shareCa();
    startAll(Duration.ofDays(1));
    // The group id is the cluster's own, not the fixed one of plaintext stores.
    Set<java.util.UUID> groups = new HashSet<>();
    masters.values().forEach(m -> groups.add(member(m).groupId()));
    assertThat(groups)
        .hasSize(1)
        .doesNotContain(
            java.util.UUID.nameUUIDFromBytes(
                "drover-store".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    writeAndSeeEverywhere(masters.get("m1"), "/tls/a", "one");
    writeAndSeeEverywhere(masters.get("m3"), "/tls/b", "two");
  }

  @Test
  void theStorePortRefusesPlaintextAndNodeCertificatesButNotAMaster() throws Exception {
    shareCa();
    startAll(Duration.ofDays(1));
    writeAndSeeEverywhere(masters.get("m2"), "/tls/secret", "canary");
    ByteString key = ByteString.copyFromUtf8("/tls/secret");

    assertRefused(() -> client(null).get(key).get(60, TimeUnit.SECONDS));
    PeerTls nodeA = issued("node-a", false);
    assertRefused(() -> client(nodeA).get(key).get(60, TimeUnit.SECONDS));
    assertRefused(
        () ->
            client(nodeA)
                .put(key, ByteString.copyFromUtf8("overwritten"))
                .get(60, TimeUnit.SECONDS));
    for (Master m : masters.values()) {
      assertThat(valueOf(member(m), key).toStringUtf8()).isEqualTo("canary");
    }

    // The same kind of connection with a master's certificate gets in: the refusals above are
    // the certificate's doing.
    var read = client(issued("m9", true)).get(key).get(60, TimeUnit.SECONDS);
    assertThat(read.getKvs(0).getValue().toStringUtf8()).isEqualTo("canary");
  }

  @Test
  void membersKeepReplicatingAcrossRotationsAndReconnectWithRenewedCertificates() throws Exception {
    shareCa();
    Duration lifetime = Duration.ofSeconds(6);
    startAll(lifetime);
    Map<String, Set<BigInteger>> serials = new LinkedHashMap<>();
    masters.keySet().forEach(id -> serials.put(id, new HashSet<>()));
    int round = 0;
    // Every master renews at 50-80% of 6 s: three certificates each take about 10 s.
    while (serials.values().stream().anyMatch(s -> s.size() < 3)) {
      assertThat(round).as("rounds before three certificates each").isLessThan(200);
      writeAndSeeEverywhere(masters.get("m" + (round % 3 + 1)), "/tls/r", "round-" + round);
      for (String id : masters.keySet()) {
        serials
            .get(id)
            .add(
                PemFiles.readCertificates(pkiDir(id).resolve("master.crt"))
                    .get(0)
                    .getSerialNumber());
      }
      round++;
    }
    // Every first certificate has expired by now. A restarted member opens new connections
    // both ways: each handshake needs the current certificates of the others and its own.
    Master m3 = masters.remove("m3");
    m3.close();
    writeAndSeeEverywhere(masters.get("m1"), "/tls/while-down", "x");
    masters.put("m3", builder("m3", lifetime).start());
    writeAndSeeEverywhere(masters.get("m2"), "/tls/after-restart", "y");
    assertThat(valueOf(member(masters.get("m3")), ByteString.copyFromUtf8("/tls/while-down")))
        .isEqualTo(ByteString.copyFromUtf8("x"));
  }
}
