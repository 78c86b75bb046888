package dev.drover.master.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.drover.api.v1.ClusterInfoRequest;
import dev.drover.api.v1.ControlServiceGrpc;
import dev.drover.api.v1.CreateTokenRequest;
import dev.drover.api.v1.CreateTokenResponse;
import dev.drover.api.v1.RevokeTokenRequest;
import dev.drover.api.v1.SecurityServiceGrpc;
import dev.drover.api.v1.TokenInfo;
import dev.drover.api.v1.TokenRole;
import dev.drover.client.ClientCredentials;
import dev.drover.client.tls.PemFiles;
import dev.drover.client.tls.ReloadingKeyManager;
import dev.drover.client.tls.TrustManagers;
import dev.drover.master.auth.CertificateIdentity;
import dev.drover.store.KvStores;
import dev.drover.store.api.PeerTls;
import dev.drover.store.api.StoreOptions;
import dev.drover.store.raft.RaftKvClient;
import dev.drover.store.raft.RaftKvStore;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Masters of a {@code --peer} store that join with master tokens and get everything from the
 * cluster (certificate, CA, key file of Secrets at rest), nothing copied by hand: the first master
 * mints a token at bootstrap and serves joins until its store has a majority, the second joins with
 * it; the third is refused for every kind of bad token, then joins with a token of the running
 * cluster. Each master has its own directories. Also: a revoked bearer token is refused on every
 * master as soon as the revocation returns.
 */
@ExtendWith(ThreePeers.Extension.class)
class MasterJoinTest {
  private ThreePeers cluster;

  @BeforeEach
  void startTheFirstTwo() throws Exception {
    cluster.startTwoOfThree();
  }

  private String token(TokenRole role, long ttlSeconds) {
    return cluster
        .masters
        .get("m1")
        .security()
        .tokens()
        .create(CreateTokenRequest.newBuilder().setRole(role).setTtlSeconds(ttlSeconds).build())
        .getToken();
  }

  /** Starting m3 with {@code token} fails with {@code message}, and leaves nothing behind. */
  private void refused(String token, String message) {
    assertThatThrownBy(
            () ->
                cluster.masters.put(
                    "m3", cluster.peer("m3").joinToken(token, List.of(cluster.api("m1"))).start()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(message);
    assertThat(cluster.pki("m3").resolve("ca.key")).doesNotExist();
    assertThat(cluster.pki("m3").resolve("master.crt")).doesNotExist();
    assertThat(cluster.dir("m3").resolve("secret-keys")).doesNotExist();
    assertThat(cluster.store("m3")).doesNotExist();
  }

  @Test
  void mastersJoinByTokenAndBadTokensAreRefusedWithTheReason() throws Exception {
    // m2 received the cluster's CA and Secrets keys, and a certificate of its own identity.
    assertThat(Files.readString(cluster.pki("m2").resolve("ca.crt")))
        .isEqualTo(Files.readString(cluster.pki("m1").resolve("ca.crt")));
    assertThat(Files.readString(cluster.dir("m2").resolve("secret-keys")))
        .isEqualTo(Files.readString(cluster.dir("m1").resolve("secret-keys")));
    assertThat(
            CertificateIdentity.principal(
                PemFiles.readCertificates(cluster.pki("m2").resolve("master.crt")).get(0)))
        .isEqualTo(ClusterPki.masterPrincipal("m2"));
    assertThat(cluster.audit("m1"))
        .anySatisfy(
            l ->
                assertThat(l)
                    .contains("\"method\":\"drover.v1.SecurityService/Join\"")
                    .contains("\"name\":\"master:m2\"")
                    .contains("\"code\":\"OK\""));
    // Once the store is up the bootstrap token is an ordinary one: listed, expiring, revocable.
    String bootstrapId =
        Files.readAllLines(cluster.pki("m1").resolve(BootstrapToken.FILE)).get(0).split("-")[2];
    assertThat(cluster.masters.get("m1").security().tokens().list())
        .extracting(TokenInfo::getId, TokenInfo::getRole)
        .contains(org.assertj.core.groups.Tuple.tuple(bootstrapId, TokenRole.TOKEN_ROLE_MASTER));

    refused(token(TokenRole.TOKEN_ROLE_AGENT, 600), "an agent join token: a master needs a master");
    String revoked = token(TokenRole.TOKEN_ROLE_MASTER, 600);
    cluster.masters.get("m1").security().tokens().revoke(revoked.split("-")[2]);
    refused(revoked, "unknown or revoked token");
    String expiring = token(TokenRole.TOKEN_ROLE_MASTER, 1);
    Instant expiry = Instant.now().plusSeconds(2);
    await().atMost(Duration.ofSeconds(10)).until(() -> Instant.now().isAfter(expiry));
    refused(expiring, "expired at");
    String[] parts = token(TokenRole.TOKEN_ROLE_MASTER, 600).split("-");
    String otherCa =
        PemFiles.digest(CertificateAuthority.create("other", Duration.ofDays(1)).certificate());
    refused(
        String.join("-", parts[0], otherCa, parts[2], parts[3]),
        "has the cluster CA the token pins (sha256 " + otherCa + ")");
    assertThat(cluster.audit("m1"))
        .anySatisfy(
            l ->
                assertThat(l)
                    .contains("\"name\":\"master:m3\"")
                    .contains("\"code\":\"PERMISSION_DENIED\""))
        .anySatisfy(
            l ->
                assertThat(l)
                    .contains("\"name\":\"master:m3\"")
                    .contains("\"code\":\"UNAUTHENTICATED\"")
                    .contains("unknown or revoked token"))
        .anySatisfy(
            l ->
                assertThat(l)
                    .contains("\"name\":\"master:m3\"")
                    .contains("\"code\":\"UNAUTHENTICATED\"")
                    .contains("expired at"));

    // A valid token of the running cluster: m3 joins (through m2 this time) and replicates.
    cluster.masters.put(
        "m3",
        cluster
            .peer("m3")
            .joinToken(token(TokenRole.TOKEN_ROLE_MASTER, 600), List.of(cluster.api("m2")))
            .start());
    cluster.writeAndSeeEverywhere(cluster.masters.get("m1"), "/join/a", "one");
    cluster.writeAndSeeEverywhere(cluster.masters.get("m3"), "/join/b", "two");

    // The Raft port takes a master certificate of this cluster's CA, not one of another CA.
    CertificateAuthority other = CertificateAuthority.create("other", Duration.ofDays(1));
    Path own = cluster.dir().resolve("intruder");
    new ClusterPki(own).issueMaster(other, "m9", List.of("127.0.0.1"), Duration.ofHours(1));
    PeerTls intruder =
        new PeerTls(
            new ReloadingKeyManager(own.resolve("master.crt"), own.resolve("master.key")),
            TrustManagers.forCas(List.of(other.certificate())));
    RaftKvClient client =
        KvStores.client(
            cluster.peers,
            new StoreOptions().requestTimeout(Duration.ofSeconds(2)),
            intruder,
            ((RaftKvStore) cluster.masters.get("m1").kv()).groupId());
    cluster.closeLast(client);
    assertThatThrownBy(
            () -> client.get(ByteString.copyFromUtf8("/join/a")).get(60, TimeUnit.SECONDS))
        .isInstanceOf(java.util.concurrent.ExecutionException.class)
        .hasCauseInstanceOf(dev.drover.store.api.KvStoreException.class);
  }

  private static Status.Code clusterInfo(ManagedChannel channel) {
    try {
      ControlServiceGrpc.newBlockingStub(channel)
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .clusterInfo(ClusterInfoRequest.getDefaultInstance());
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  @Test
  void aRevokedTokenIsRefusedOnEveryMasterOnceTheRevocationReturns() throws Exception {
    ClientCredentials admin = cluster.masters.get("m1").security().pki().adminCredentials();
    var tokensOnM1 = SecurityServiceGrpc.newBlockingStub(cluster.channel("m1", admin));
    for (int i = 0; i < 5; i++) {
      CreateTokenResponse view =
          tokensOnM1.createToken(
              CreateTokenRequest.newBuilder()
                  .setRole(TokenRole.TOKEN_ROLE_VIEW)
                  .setTtlSeconds(600)
                  .build());
      ManagedChannel onM2 =
          cluster.channel("m2", ClientCredentials.token(admin.caFile(), view.getToken()));
      assertThat(clusterInfo(onM2)).isEqualTo(Status.Code.OK);
      tokensOnM1.revokeToken(RevokeTokenRequest.newBuilder().setId(view.getInfo().getId()).build());
      // No wait: the very next call on the other master is refused.
      assertThat(clusterInfo(onM2)).isEqualTo(Status.Code.UNAUTHENTICATED);
    }
    assertThat(cluster.audit("m2"))
        .filteredOn(
            l ->
                l.contains("\"method\":\"drover.v1.ControlService/ClusterInfo\"")
                    && l.contains("\"code\":\"UNAUTHENTICATED\""))
        .hasSize(5);
  }
}
