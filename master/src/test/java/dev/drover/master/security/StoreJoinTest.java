package dev.drover.master.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.drover.api.v1.AddStoreMemberRequest;
import dev.drover.api.v1.CreateTokenRequest;
import dev.drover.api.v1.ListStoreMembersRequest;
import dev.drover.api.v1.SecurityServiceGrpc;
import dev.drover.api.v1.StoreMember;
import dev.drover.api.v1.TokenRole;
import dev.drover.client.ClientCredentials;
import dev.drover.store.KvStores;
import dev.drover.store.api.Peer;
import dev.drover.store.api.StoreOptions;
import dev.drover.store.raft.RaftKvStore;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A master that is in no master's {@code --peer} list joins a running cluster with a join token and
 * one master's API address: it becomes a voting member of the store holding the data. Only masters
 * add store members, each only itself; bad input is refused naming the field.
 */
@ExtendWith(ThreePeers.Extension.class)
class StoreJoinTest {
  private ThreePeers cluster;

  private SecurityServiceGrpc.SecurityServiceBlockingStub stub(
      String via, ClientCredentials credentials) {
    return SecurityServiceGrpc.newBlockingStub(cluster.channel(via, credentials))
        .withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  private ClientCredentials masterCredentials(String id) {
    Path pki = cluster.pki(id);
    return ClientCredentials.certificate(
        pki.resolve("ca.crt"), pki.resolve("master.crt"), pki.resolve("master.key"));
  }

  private static Status.Code code(Runnable call) {
    try {
      call.run();
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  @Test
  void aMasterOutsideThePeerListJoinsTheStoreAsAVotingMemberWithTheData() throws Exception {
    cluster.startTwoOfThree();
    RaftKvStore m1 = (RaftKvStore) cluster.masters.get("m1").kv();
    m1.put(ByteString.copyFromUtf8("/join/before"), ByteString.copyFromUtf8("one"))
        .get(30, TimeUnit.SECONDS);
    String token =
        cluster
            .masters
            .get("m1")
            .security()
            .tokens()
            .create(
                CreateTokenRequest.newBuilder()
                    .setRole(TokenRole.TOKEN_ROLE_MASTER)
                    .setTtlSeconds(600)
                    .build())
            .getToken();
    Peer m4 = new Peer("m4", "127.0.0.1", KvStores.freePort());
    cluster.masters.put(
        "m4",
        cluster
            .joiner("m4")
            .joinStore(m4, cluster.store("m4"), new StoreOptions())
            .joinToken(token, List.of(cluster.api("m1")))
            .start());

    RaftKvStore joined = (RaftKvStore) cluster.masters.get("m4").kv();
    for (RaftKvStore member : List.of(m1, (RaftKvStore) cluster.masters.get("m2").kv(), joined)) {
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () ->
                  assertThat(member.memberIds()).containsExactlyInAnyOrder("m1", "m2", "m3", "m4"));
    }
    cluster.writeAndSeeEverywhere(cluster.masters.get("m4"), "/join/after", "2");
    assertThat(joined.mvcc().liveView().get(ByteString.copyFromUtf8("/join/before")).getValue())
        .isEqualTo(ByteString.copyFromUtf8("one"));
    // The listing names every member with the address its peers reach it at.
    assertThat(
            stub("m2", masterCredentials("m2"))
                .listStoreMembers(ListStoreMembersRequest.getDefaultInstance())
                .getMembersList())
        .extracting(StoreMember::getId, StoreMember::getAddress)
        .contains(org.assertj.core.groups.Tuple.tuple("m4", m4.address()));
    // Asking again changes nothing (a joiner that retries).
    assertThat(
            stub("m2", masterCredentials("m4"))
                .addStoreMember(
                    AddStoreMemberRequest.newBuilder().setId("m4").setAddress(m4.address()).build())
                .getMembersCount())
        .isEqualTo(4);

    // A restart of the joined master with the same settings finds its place again.
    cluster.masters.remove("m4").close();
    cluster.masters.put(
        "m4",
        cluster
            .joiner("m4")
            .joinStore(m4, cluster.store("m4"), new StoreOptions())
            .joinToken(token, List.of(cluster.api("m1")))
            .start());
    cluster.writeAndSeeEverywhere(cluster.masters.get("m1"), "/join/again", "3");
  }

  @Test
  void onlyAMasterAddsItselfAndBadInputNamesTheField() throws Exception {
    cluster.startTwoOfThree();
    MasterCredentials m1 = cluster.masters.get("m1").security().credentials();
    Path nodeDir = cluster.dir().resolve("node-a");
    ClusterPki.issueNode(m1.authority(), nodeDir, "a", List.of("127.0.0.1"), Duration.ofHours(1));
    ClientCredentials node =
        ClientCredentials.certificate(
            cluster.pki("m1").resolve("ca.crt"),
            nodeDir.resolve("node.crt"),
            nodeDir.resolve("node.key"));
    AddStoreMemberRequest add =
        AddStoreMemberRequest.newBuilder().setId("a").setAddress("127.0.0.1:1").build();
    assertThat(code(() -> stub("m1", node).addStoreMember(add)))
        .isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(
            code(
                () ->
                    stub("m1", node)
                        .listStoreMembers(ListStoreMembersRequest.getDefaultInstance())))
        .isEqualTo(Status.Code.PERMISSION_DENIED);
    ClientCredentials admin = cluster.masters.get("m1").security().pki().adminCredentials();
    assertThat(code(() -> stub("m1", admin).addStoreMember(add)))
        .isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(cluster.audit("m1"))
        .anySatisfy(
            l ->
                assertThat(l)
                    .contains("\"who\":\"node:a\"")
                    .contains("\"method\":\"drover.v1.SecurityService/AddStoreMember\"")
                    .contains("\"verb\":\"create\"", "\"kind\":\"storemembers\"")
                    .contains("\"code\":\"PERMISSION_DENIED\""));

    // A master adds only itself; its fields are checked, and an id or address another member
    // holds is refused.
    SecurityServiceGrpc.SecurityServiceBlockingStub asM2 = stub("m1", masterCredentials("m2"));
    assertRefused(
        () ->
            asM2.addStoreMember(
                AddStoreMemberRequest.newBuilder().setId("m9").setAddress("127.0.0.1:9").build()),
        Status.Code.PERMISSION_DENIED,
        "id: master:m2 may add only");
    assertRefused(
        () ->
            asM2.addStoreMember(
                AddStoreMemberRequest.newBuilder().setId("m2").setAddress("nowhere").build()),
        Status.Code.INVALID_ARGUMENT,
        "address: 'nowhere'");
    assertRefused(
        () ->
            asM2.addStoreMember(
                AddStoreMemberRequest.newBuilder()
                    .setId("m2")
                    .setAddress("127.0.0.1:" + KvStores.freePort())
                    .build()),
        Status.Code.ALREADY_EXISTS,
        "id: master m2 is a store member at " + cluster.peers.get(1).address());
    assertThat(((RaftKvStore) cluster.masters.get("m1").kv()).memberIds())
        .containsExactlyInAnyOrder("m1", "m2", "m3");
  }

  private static void assertRefused(
      ThrowableAssert.ThrowingCallable call, Status.Code code, String descriptionStart) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(code);
              assertThat(e.getStatus().getDescription()).startsWith(descriptionStart);
            });
  }
}
