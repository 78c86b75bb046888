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
import dev.drover.client.Channels;
import dev.drover.client.ClientCredentials;
import dev.drover.master.Master;
import dev.drover.store.KvStores;
import dev.drover.store.api.Peer;
import dev.drover.store.api.StoreOptions;
import dev.drover.store.raft.RaftKvStore;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A master that is in no master's {@code --peer} list joins a running cluster with a join token and
 * one master's API address: it becomes a voting member of the store holding the data. Only masters
 * add store members, each only itself; bad input is refused naming the field.
 */
class StoreJoinTest {
  @TempDir Path dir;
  private final List<Peer> peers =
      List.of(
          new Peer("m1", "127.0.0.1", KvStores.freePort()),
          new Peer("m2", "127.0.0.1", KvStores.freePort()),
          new Peer("m3", "127.0.0.1", KvStores.freePort()));
  private final Map<String, Integer> apiPorts = new LinkedHashMap<>();
  private final Map<String, Master> masters = new LinkedHashMap<>();
  private final List<ManagedChannel> channels = new ArrayList<>();

  @AfterEach
  void stop() {
    channels.forEach(Channels::close);
    List<Master> all = new ArrayList<>(masters.values());
    for (int i = all.size() - 1; i >= 0; i--) {
      all.get(i).close();
    }
  }

  private Master.Builder base(String id) {
    apiPorts.putIfAbsent(id, KvStores.freePort());
    return Master.builder()
        .id(id)
        .apiPort(apiPorts.get(id))
        .secretKeyFile(dir.resolve(id).resolve("secret-keys"))
        .auditLog(dir.resolve(id).resolve("audit.log"), 1 << 20)
        .pki(dir.resolve(id).resolve("pki"));
  }

  private String api(String id) {
    return "127.0.0.1:" + apiPorts.get(id);
  }

  /** m1 and m2 of the --peer list [m1, m2, m3] (a majority), as in {@link MasterJoinTest}. */
  private void startTwoOfThree() throws Exception {
    for (Peer p : peers) {
      apiPorts.put(p.id(), KvStores.freePort());
    }
    CompletableFuture<Master> first =
        CompletableFuture.supplyAsync(
            () -> base("m1").clusterStore(peers, dir.resolve("m1").resolve("store")).start());
    Path tokenFile = dir.resolve("m1").resolve("pki").resolve(BootstrapToken.FILE);
    await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(tokenFile));
    String token = Files.readAllLines(tokenFile).get(0);
    masters.put(
        "m2",
        base("m2")
            .clusterStore(peers, dir.resolve("m2").resolve("store"))
            .joinToken(token, List.of(api("m1")))
            .start());
    masters.put("m1", first.get(120, TimeUnit.SECONDS));
  }

  private SecurityServiceGrpc.SecurityServiceBlockingStub stub(
      String via, ClientCredentials credentials) {
    ManagedChannel c = Channels.secure(api(via), credentials);
    channels.add(c);
    return SecurityServiceGrpc.newBlockingStub(c).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  private ClientCredentials masterCredentials(String id) {
    Path pki = dir.resolve(id).resolve("pki");
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
    startTwoOfThree();
    RaftKvStore m1 = (RaftKvStore) masters.get("m1").kv();
    m1.put(ByteString.copyFromUtf8("/join/before"), ByteString.copyFromUtf8("one"))
        .get(30, TimeUnit.SECONDS);
    String token =
        masters
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
    masters.put(
        "m4",
        base("m4")
            .joinStore(m4, dir.resolve("m4").resolve("store"), new StoreOptions())
            .joinToken(token, List.of(api("m1")))
            .start());

    RaftKvStore joined = (RaftKvStore) masters.get("m4").kv();
    for (RaftKvStore member : List.of(m1, (RaftKvStore) masters.get("m2").kv(), joined)) {
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () ->
                  assertThat(member.memberIds()).containsExactlyInAnyOrder("m1", "m2", "m3", "m4"));
    }
    StorePeerTlsTest.writeAndSeeEverywhere(masters.values(), masters.get("m4"), "/join/after", "2");
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
    masters.remove("m4").close();
    masters.put(
        "m4",
        base("m4")
            .joinStore(m4, dir.resolve("m4").resolve("store"), new StoreOptions())
            .joinToken(token, List.of(api("m1")))
            .start());
    StorePeerTlsTest.writeAndSeeEverywhere(masters.values(), masters.get("m1"), "/join/again", "3");
  }

  @Test
  void onlyAMasterAddsItselfAndBadInputNamesTheField() throws Exception {
    startTwoOfThree();
    MasterCredentials m1 = masters.get("m1").security().credentials();
    Path nodeDir = dir.resolve("node-a");
    ClusterPki.issueNode(m1.authority(), nodeDir, "a", List.of("127.0.0.1"), Duration.ofHours(1));
    ClientCredentials node =
        ClientCredentials.certificate(
            dir.resolve("m1").resolve("pki").resolve("ca.crt"),
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
    ClientCredentials admin = masters.get("m1").security().pki().adminCredentials();
    assertThat(code(() -> stub("m1", admin).addStoreMember(add)))
        .isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(Files.readAllLines(dir.resolve("m1").resolve("audit.log")))
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
        "id: master m2 is a store member at " + peers.get(1).address());
    assertThat(((RaftKvStore) masters.get("m1").kv()).memberIds())
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
