package dev.drover.master.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.drover.api.v1.ApplyRequest;
import dev.drover.api.v1.ConfigMap;
import dev.drover.api.v1.ControlServiceGrpc;
import dev.drover.api.v1.CreateRequest;
import dev.drover.api.v1.DaemonEndpoint;
import dev.drover.api.v1.GetRequest;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.ListRequest;
import dev.drover.api.v1.Node;
import dev.drover.api.v1.NodeServiceGrpc;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.RegisterNodeRequest;
import dev.drover.api.v1.UpdateStatusRequest;
import dev.drover.api.v1.WatchEvent;
import dev.drover.api.v1.WatchRequest;
import dev.drover.master.Fixtures;
import dev.drover.master.Master;
import dev.drover.testing.TestCallers;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The limits on a master with a real Netty port: a client over its rate or its stream cap gets
 * RESOURCE_EXHAUSTED with a retry hint while other clients go on; oversized input is
 * INVALID_ARGUMENT; and a node may only advertise the address it calls from.
 */
class LimitsTest {
  static Master master;
  static ManagedChannel channel;

  @BeforeAll
  static void start() {
    master =
        Fixtures.apiMaster(
            b ->
                b.authenticator(Callers.authenticator())
                    .limits(Limits.defaults().withRate(1, 3).withMaxStreams(1)));
    channel = ManagedChannelBuilder.forTarget(master.apiAddress()).usePlaintext().build();
  }

  @AfterAll
  static void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    master.close();
  }

  static ControlServiceGrpc.ControlServiceBlockingStub as(String caller) {
    return TestCallers.as(
        ControlServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS),
        caller);
  }

  static StatusRuntimeException failure(Runnable r) {
    return catchThrowableOfType(r::run, StatusRuntimeException.class);
  }

  static ListRequest pods() {
    return ListRequest.newBuilder().setKind(Kind.KIND_POD).build();
  }

  /**
   * Makes {@code call} until it is refused (at most 60 times) and checks it was served as often as
   * the bucket allows: it holds 3 calls and refills 1 a second, and on a loaded machine the calls
   * may take seconds, so at least 3 and at most 3 + (seconds elapsed + 1). Returns the refusal.
   */
  static StatusRuntimeException refusedPastTheBurst(Runnable call) {
    long started = System.nanoTime();
    int served = 0;
    StatusRuntimeException e = null;
    while (e == null && served < 60) {
      e = failure(call);
      if (e == null) {
        served++;
      }
    }
    long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
    assertThat(e).as("refused after %d calls", served).isNotNull();
    assertThat(served).isBetween(3, (int) (3 + seconds + 1));
    return e;
  }

  @Test
  void aClientOverItsRateGetsResourceExhaustedWithARetryHint() {
    StatusRuntimeException e = refusedPastTheBurst(() -> as("view:rita").list(pods()));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(e.getStatus().getDescription()).contains("rita").contains("retry in");
    Metadata trailers = Status.trailersFromThrowable(e);
    assertThat(Long.parseLong(trailers.get(LimitsInterceptor.PUSHBACK_KEY)))
        .isPositive()
        .isLessThanOrEqualTo(1000);
    // Another client is not held back by rita's calls.
    assertThat(as("view:other").list(pods()).getItemsCount()).isNotNegative();
  }

  @Test
  void clusterAdminsAndMastersAreExemptFromTheRateButNotFromTheStreamCap() {
    // Past the burst of 3 at 1 call/s: a view user would be refused from the fourth call on.
    for (int i = 0; i < 10; i++) {
      assertThat(as("cluster-admin:ops").list(pods()).getItemsCount()).isNotNegative();
      assertThat(as("master:peer").list(pods()).getItemsCount()).isNotNegative();
    }
    // A cluster-admin limited to one namespace is not one of the cluster's administrators.
    StatusRuntimeException scoped =
        refusedPastTheBurst(
            () ->
                as("cluster-admin:scoped:team")
                    .list(pods().toBuilder().setNamespace("team").build()));
    assertThat(scoped.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    WatchRequest watch =
        WatchRequest.newBuilder()
            .setKind(Kind.KIND_POD)
            .setSendInitialEvents(true)
            .setAllowBookmarks(true)
            .build();
    Iterator<WatchEvent> first = as("cluster-admin:streams").watch(watch);
    assertThat(first.hasNext()).isTrue();
    StatusRuntimeException e = failure(() -> as("cluster-admin:streams").watch(watch).hasNext());
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(e.getStatus().getDescription()).contains("open streams");
  }

  @Test
  void theInsecurePrincipalIsNotExempt() {
    assertThat(LimitsInterceptor.rateExempt(Principal.INSECURE)).isFalse();
    assertThat(LimitsInterceptor.rateExempt(null)).isFalse();
    assertThat(LimitsInterceptor.rateExempt(Principal.node("n1"))).isFalse();
    assertThat(LimitsInterceptor.rateExempt(new Principal("root", Role.CLUSTER_ADMIN, null)))
        .isTrue();
  }

  @Test
  void aClientOverItsStreamCapGetsResourceExhausted() {
    as("cluster-admin:root")
        .create(CreateRequest.newBuilder().setObject(Fixtures.pod("", "watched")).build());
    WatchRequest watch =
        WatchRequest.newBuilder().setKind(Kind.KIND_POD).setSendInitialEvents(true).build();
    Iterator<WatchEvent> first = as("view:watcher").watch(watch);
    assertThat(first.next().getObject().getPod().getMetadata().getName()).isEqualTo("watched");
    StatusRuntimeException e = failure(() -> as("view:watcher").watch(watch).hasNext());
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(e.getStatus().getDescription()).contains("open streams");
    assertThat(Status.trailersFromThrowable(e).get(LimitsInterceptor.PUSHBACK_KEY)).isNotNull();
  }

  @Test
  void oversizedInputIsInvalidArgumentNeverAResetStream() {
    ApplyRequest.Builder many = ApplyRequest.newBuilder();
    for (int i = 0; i < 17; i++) {
      many.addObjects(configMap("part-" + i, 1000 * 1024));
    }
    StatusRuntimeException e = failure(() -> as("cluster-admin:big").apply(many.build()));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription()).contains("limit");
    StatusRuntimeException object =
        failure(
            () ->
                as("cluster-admin:big")
                    .create(
                        CreateRequest.newBuilder()
                            .setObject(configMap("one-big", 3 * 512 * 1024))
                            .build()));
    assertThat(object.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
  }

  @Test
  void aNodeAdvertisesOnlyTheAddressItCallsFrom() {
    NodeServiceGrpc.NodeServiceBlockingStub node =
        TestCallers.as(
            NodeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS),
            "node:addr");
    StatusRuntimeException e = failure(() -> node.register(registration("192.0.2.7")));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(e.getStatus().getDescription()).contains("192.0.2.7").contains("127.0.0.1");
    assertThat(node.register(registration("127.0.0.1")).getNode().getMetadata().getName())
        .isEqualTo("addr");
    // Nor may it move the address later through the ControlService.
    Object stored =
        as("cluster-admin:addr-admin")
            .get(GetRequest.newBuilder().setKind(Kind.KIND_NODE).setName("addr").build());
    Node moved =
        stored.getNode().toBuilder()
            .setStatus(
                stored.getNode().getStatus().toBuilder()
                    .setDaemonEndpoint(
                        DaemonEndpoint.newBuilder().setAddress("192.0.2.8").setPort(7072)))
            .build();
    StatusRuntimeException update =
        failure(
            () ->
                as("node:addr")
                    .updateStatus(
                        UpdateStatusRequest.newBuilder()
                            .setObject(stored.toBuilder().setNode(moved))
                            .build()));
    assertThat(update.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(update.getStatus().getDescription()).contains("192.0.2.8");
  }

  static RegisterNodeRequest registration(String address) {
    return RegisterNodeRequest.newBuilder()
        .setNode(
            Node.newBuilder()
                .setMetadata(ObjectMeta.newBuilder().setName("addr"))
                .setStatus(
                    dev.drover.api.v1.NodeStatus.newBuilder()
                        .setDaemonEndpoint(
                            DaemonEndpoint.newBuilder().setAddress(address).setPort(7072))))
        .build();
  }

  static Object configMap(String name, int bytes) {
    return Object.newBuilder()
        .setConfigMap(
            ConfigMap.newBuilder()
                .setMetadata(ObjectMeta.newBuilder().setName(name))
                .putData("v", "x".repeat(bytes)))
        .build();
  }
}
