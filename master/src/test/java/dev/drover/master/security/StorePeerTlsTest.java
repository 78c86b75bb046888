package dev.drover.master.security;

import static dev.drover.master.security.ThreePeers.member;
import static dev.drover.master.security.ThreePeers.valueOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The masters' store traffic over mutual TLS: three masters sharing a cluster CA replicate; a
 * plaintext client and a client presenting a node's certificate are refused at the store port while
 * a master's certificate gets in; with certificate lifetimes of seconds, the members keep
 * replicating, and a restarted member reconnects long after the first certificates expired.
 */
@ExtendWith(ThreePeers.Extension.class)
class StorePeerTlsTest {
  private ThreePeers cluster;
  private CertificateAuthority ca;

  /** One CA in every master's PKI directory, as a joining master receives it. */
  private void shareCa() {
    ca = CertificateAuthority.create("test-cluster-ca", Duration.ofDays(1));
    for (Peer p : cluster.peers) {
      new ClusterPki(cluster.pki(p.id())).writeCa(ca);
    }
  }

  /** A master of the list that no join hands keys to: the three share one Secret key file. */
  private Master.Builder builder(String id, Duration lifetime) {
    return Master.builder()
        .id(id)
        .apiPort(0)
        .clusterStore(cluster.peers, cluster.store(id))
        .secretKeyFile(cluster.dir().resolve("secret-keys"))
        .certificateLifetime(lifetime)
        .pki(cluster.pki(id));
  }

  private RaftKvClient client(PeerTls tls) {
    StoreOptions options = new StoreOptions().requestTimeout(Duration.ofSeconds(2));
    RaftKvClient c =
        tls == null
            ? KvStores.client(cluster.peers, options)
            : KvStores.client(
                cluster.peers, options, tls, member(cluster.masters.get("m1")).groupId());
    cluster.closeLast(c);
    return c;
  }

  /** Credentials issued by the cluster CA under {@code name} in a directory of their own. */
  private PeerTls issued(String name, boolean master) {
    Path own = cluster.dir().resolve("outsider-" + name);
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
        .hasMessageContaining("no cluster CA in " + cluster.pki("m2"))
        .hasMessageContaining("start it with --join-token");
    assertThat(cluster.pki("m2").resolve("ca.key")).doesNotExist();
  }

  @Test
  void threeMastersReplicateOverMutualTls() throws Exception {
    shareCa();
    cluster.startAll(id -> builder(id, Duration.ofDays(1)));
    // The group id is the cluster's own, not the fixed one of plaintext stores.
    Set<java.util.UUID> groups = new HashSet<>();
    cluster.masters.values().forEach(m -> groups.add(member(m).groupId()));
    assertThat(groups)
        .hasSize(1)
        .doesNotContain(
            java.util.UUID.nameUUIDFromBytes(
                "drover-store".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    cluster.writeAndSeeEverywhere(cluster.masters.get("m1"), "/tls/a", "one");
    cluster.writeAndSeeEverywhere(cluster.masters.get("m3"), "/tls/b", "two");
  }

  @Test
  void theStorePortRefusesPlaintextAndNodeCertificatesButNotAMaster() throws Exception {
    shareCa();
    cluster.startAll(id -> builder(id, Duration.ofDays(1)));
    cluster.writeAndSeeEverywhere(cluster.masters.get("m2"), "/tls/secret", "canary");
    ByteString key = ByteString.copyFromUtf8("/tls/secret");

    assertRefused(() -> client(null).get(key).get(60, TimeUnit.SECONDS));
    PeerTls nodeA = issued("node-a", false);
    assertRefused(() -> client(nodeA).get(key).get(60, TimeUnit.SECONDS));
    assertRefused(
        () ->
            client(nodeA)
                .put(key, ByteString.copyFromUtf8("overwritten"))
                .get(60, TimeUnit.SECONDS));
    for (Master m : cluster.masters.values()) {
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
    cluster.startAll(id -> builder(id, lifetime));
    Map<String, Set<BigInteger>> serials = new LinkedHashMap<>();
    cluster.masters.keySet().forEach(id -> serials.put(id, new HashSet<>()));
    int round = 0;
    // Every master renews at 50-80% of 6 s: three certificates each take about 10 s.
    while (serials.values().stream().anyMatch(s -> s.size() < 3)) {
      assertThat(round).as("rounds before three certificates each").isLessThan(200);
      cluster.writeAndSeeEverywhere(
          cluster.masters.get("m" + (round % 3 + 1)), "/tls/r", "round-" + round);
      for (String id : cluster.masters.keySet()) {
        serials
            .get(id)
            .add(
                PemFiles.readCertificates(cluster.pki(id).resolve("master.crt"))
                    .get(0)
                    .getSerialNumber());
      }
      round++;
    }
    // Every first certificate has expired by now. A restarted member opens new connections
    // both ways: each handshake needs the current certificates of the others and its own.
    Master m3 = cluster.masters.remove("m3");
    m3.close();
    cluster.writeAndSeeEverywhere(cluster.masters.get("m1"), "/tls/while-down", "x");
    cluster.masters.put("m3", builder("m3", lifetime).start());
    cluster.writeAndSeeEverywhere(cluster.masters.get("m2"), "/tls/after-restart", "y");
    assertThat(
            valueOf(member(cluster.masters.get("m3")), ByteString.copyFromUtf8("/tls/while-down")))
        .isEqualTo(ByteString.copyFromUtf8("x"));
  }
}
