package dev.drover.master;

import static dev.drover.master.Fixtures.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.util.Timestamps;
import dev.drover.api.v1.Condition;
import dev.drover.api.v1.ConditionStatus;
import dev.drover.api.v1.ConfigMap;
import dev.drover.api.v1.ConfirmPodTerminationRequest;
import dev.drover.api.v1.CreateRequest;
import dev.drover.api.v1.DaemonEndpoint;
import dev.drover.api.v1.DeleteRequest;
import dev.drover.api.v1.DeleteResponse;
import dev.drover.api.v1.Event;
import dev.drover.api.v1.GetPodDependenciesRequest;
import dev.drover.api.v1.GetPodDependenciesResponse;
import dev.drover.api.v1.GetRequest;
import dev.drover.api.v1.HeartbeatRequest;
import dev.drover.api.v1.HeartbeatResponse;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Node;
import dev.drover.api.v1.NodeServiceGrpc;
import dev.drover.api.v1.NodeStatus;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.ObjectReference;
import dev.drover.api.v1.PodPhase;
import dev.drover.api.v1.PodStatus;
import dev.drover.api.v1.PodStatusUpdate;
import dev.drover.api.v1.PodStatusUpdateOutcome;
import dev.drover.api.v1.RecordEventsRequest;
import dev.drover.api.v1.RecordEventsResponse;
import dev.drover.api.v1.RegisterNodeRequest;
import dev.drover.api.v1.RegisterNodeResponse;
import dev.drover.api.v1.UpdatePodStatusesRequest;
import dev.drover.api.v1.UpdatePodStatusesResponse;
import dev.drover.api.v1.UpdateRequest;
import dev.drover.api.v1.WatchEvent;
import dev.drover.api.v1.WatchEventType;
import dev.drover.api.v1.WatchPodsRequest;
import dev.drover.master.api.NodeServiceImpl;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The agent-facing NodeService: registration, heartbeats, the pod watch, statuses and termination.
 */
class NodeServiceTest {
  static InProcessMaster m;

  @BeforeAll
  static void start() {
    // The API alone: no scheduler or controllers writing to the objects under test.
    m = new InProcessMaster(b -> b.scheduler(false).controllers(false));
  }

  @AfterAll
  static void stop() throws Exception {
    m.close();
  }

  private static RegisterNodeResponse register(String name) {
    return m.node()
        .register(
            RegisterNodeRequest.newBuilder()
                .setNode(
                    Node.newBuilder()
                        .setMetadata(ObjectMeta.newBuilder().setName(name).putLabels("zone", "a"))
                        .setStatus(
                            NodeStatus.newBuilder()
                                .putCapacity("cpu", "2")
                                .putCapacity("memory", "4Gi")
                                .setDaemonEndpoint(
                                    DaemonEndpoint.newBuilder()
                                        .setAddress("127.0.0.1")
                                        .setPort(1))))
                .build());
  }

  private static Object bind(String name, String node) {
    Object p = pod("", name);
    return m.control()
        .create(
            CreateRequest.newBuilder()
                .setObject(
                    p.toBuilder()
                        .setPod(
                            p.getPod().toBuilder()
                                .setSpec(p.getPod().getSpec().toBuilder().setNodeName(node))))
                .build());
  }

  @Test
  void registerCreatesTheNodeAndItsLeaseAndKeepsCordonOnReRegistration() {
    RegisterNodeResponse r = register("n-reg");
    assertThat(r.getNode().getStatus().getCapacityMap()).containsEntry("cpu", "2");
    assertThat(r.getLeaseDurationSeconds()).isPositive();
    assertThat(r.getHeartbeatIntervalSeconds())
        .isPositive()
        .isLessThan(r.getLeaseDurationSeconds());
    Object lease =
        m.control()
            .get(
                GetRequest.newBuilder()
                    .setKind(Kind.KIND_LEASE)
                    .setNamespace(NodeServiceImpl.NODE_LEASE_NAMESPACE)
                    .setName("n-reg")
                    .build());
    assertThat(lease.getLease().getSpec().getHolderIdentity()).isEqualTo("n-reg");
    Object node = Object.newBuilder().setNode(r.getNode()).build();
    m.control()
        .update(
            UpdateRequest.newBuilder()
                .setObject(
                    node.toBuilder()
                        .setNode(
                            node.getNode().toBuilder()
                                .setSpec(
                                    node.getNode().getSpec().toBuilder().setUnschedulable(true))))
                .build());
    RegisterNodeResponse again = register("n-reg");
    assertThat(again.getNode().getSpec().getUnschedulable()).isTrue();
    assertThat(again.getNode().getMetadata().getUid())
        .isEqualTo(r.getNode().getMetadata().getUid());
  }

  @Test
  void heartbeatRenewsTheLeaseAndAsksUnknownNodesToRegister() {
    assertThat(
            m.node()
                .heartbeat(HeartbeatRequest.newBuilder().setNodeName("ghost").build())
                .getRegistrationRequired())
        .isTrue();
    register("n-hb");
    Object before =
        m.master.objects().require(Kind.KIND_LEASE, NodeServiceImpl.NODE_LEASE_NAMESPACE, "n-hb");
    // Renew times are in milliseconds and an unchanged lease is not rewritten: let the clock move
    // on.
    long renewedAt =
        com.google.protobuf.util.Timestamps.toMillis(before.getLease().getSpec().getRenewTime());
    await().atMost(Duration.ofSeconds(5)).until(() -> System.currentTimeMillis() > renewedAt);
    HeartbeatResponse hb =
        m.node()
            .heartbeat(
                HeartbeatRequest.newBuilder()
                    .setNodeName("n-hb")
                    .addConditions(
                        Condition.newBuilder()
                            .setType("Ready")
                            .setStatus(ConditionStatus.CONDITION_STATUS_TRUE)
                            .setReason("AgentReady"))
                    .build());
    assertThat(hb.getRegistrationRequired()).isFalse();
    Object after =
        m.master.objects().require(Kind.KIND_LEASE, NodeServiceImpl.NODE_LEASE_NAMESPACE, "n-hb");
    assertThat(after.getLease().getMetadata().getResourceVersion())
        .isGreaterThan(before.getLease().getMetadata().getResourceVersion());
    Node node = m.master.objects().require(Kind.KIND_NODE, "", "n-hb").getNode();
    assertThat(node.getStatus().getConditionsList())
        .anySatisfy(
            c -> {
              assertThat(c.getType()).isEqualTo("Ready");
              assertThat(c.hasLastHeartbeatTime()).isTrue();
            });
  }

  @Test
  void concurrentHeartbeatsOfManyNodesEachRenewTheirOwnLease() throws Exception {
    int nodes = 40;
    List<Object> before = new java.util.ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      register("n-many-" + i);
      before.add(
          m.master
              .objects()
              .require(Kind.KIND_LEASE, NodeServiceImpl.NODE_LEASE_NAMESPACE, "n-many-" + i));
    }
    long latest =
        before.stream()
            .mapToLong(
                l ->
                    com.google.protobuf.util.Timestamps.toMillis(
                        l.getLease().getSpec().getRenewTime()))
            .max()
            .getAsLong();
    await().atMost(Duration.ofSeconds(5)).until(() -> System.currentTimeMillis() > latest);
    NodeServiceGrpc.NodeServiceFutureStub stub =
        NodeServiceGrpc.newFutureStub(m.channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    List<com.google.common.util.concurrent.ListenableFuture<HeartbeatResponse>> beats =
        new java.util.ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      beats.add(stub.heartbeat(HeartbeatRequest.newBuilder().setNodeName("n-many-" + i).build()));
    }
    for (int i = 0; i < nodes; i++) {
      HeartbeatResponse hb = beats.get(i).get(30, TimeUnit.SECONDS);
      assertThat(hb.getRegistrationRequired()).isFalse();
      assertThat(hb.hasRenewTime()).isTrue();
      Object after =
          m.master
              .objects()
              .require(Kind.KIND_LEASE, NodeServiceImpl.NODE_LEASE_NAMESPACE, "n-many-" + i);
      assertThat(after.getLease().getSpec().getHolderIdentity()).isEqualTo("n-many-" + i);
      assertThat(after.getLease().getMetadata().getResourceVersion())
          .isGreaterThan(before.get(i).getLease().getMetadata().getResourceVersion());
      assertThat(
              Timestamps.compare(
                  after.getLease().getSpec().getRenewTime(),
                  before.get(i).getLease().getSpec().getRenewTime()))
          .isPositive();
    }
  }

  @Test
  void watchPodsStreamsOnlyThisNodesPodsAndConfirmationRemovesThem() {
    register("n-w");
    Object p1 = bind("on-n-w", "n-w");
    bind("on-other", "n-other");
    List<WatchEvent> events = new CopyOnWriteArrayList<>();
    Context.CancellableContext ctx = Context.current().withCancellation();
    ctx.run(
        () ->
            NodeServiceGrpc.newStub(m.channel)
                .watchPods(
                    WatchPodsRequest.newBuilder().setNodeName("n-w").build(),
                    new StreamObserver<>() {
                      @Override
                      public void onNext(WatchEvent value) {
                        events.add(value);
                      }

                      @Override
                      public void onError(Throwable t) {}

                      @Override
                      public void onCompleted() {}
                    }));
    await().atMost(Duration.ofSeconds(30)).until(() -> !events.isEmpty());
    assertThat(events.get(0).getType()).isEqualTo(WatchEventType.WATCH_EVENT_TYPE_ADDED);
    assertThat(events.get(0).getObject().getPod().getMetadata().getName()).isEqualTo("on-n-w");
    // Deleting a bound pod waits for its agent.
    DeleteResponse d =
        m.control()
            .delete(DeleteRequest.newBuilder().setKind(Kind.KIND_POD).setName("on-n-w").build());
    assertThat(d.getDeletedImmediately()).isFalse();
    assertThat(d.getObject().getPod().getMetadata().hasDeletionTime()).isTrue();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                events.stream()
                    .anyMatch(
                        e ->
                            e.getType() == WatchEventType.WATCH_EVENT_TYPE_MODIFIED
                                && e.getObject().getPod().getMetadata().hasDeletionTime()));
    String uid = p1.getPod().getMetadata().getUid();
    assertThat(
            m.node()
                .confirmPodTermination(
                    ConfirmPodTerminationRequest.newBuilder()
                        .setName("on-n-w")
                        .setUid("wrong-uid")
                        .setNodeName("n-w")
                        .build())
                .getRemoved())
        .isFalse();
    assertThat(
            m.node()
                .confirmPodTermination(
                    ConfirmPodTerminationRequest.newBuilder()
                        .setName("on-n-w")
                        .setUid(uid)
                        .setNodeName("n-w")
                        .build())
                .getRemoved())
        .isTrue();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                events.stream()
                    .anyMatch(e -> e.getType() == WatchEventType.WATCH_EVENT_TYPE_DELETED));
    assertThat(events)
        .noneMatch(e -> e.getObject().getPod().getMetadata().getName().equals("on-other"));
    ctx.cancel(null);
  }

  @Test
  void forceDeleteRemovesABoundPodAtOnce() {
    bind("forced", "n-f");
    DeleteResponse d =
        m.control()
            .delete(
                DeleteRequest.newBuilder()
                    .setKind(Kind.KIND_POD)
                    .setName("forced")
                    .setForce(true)
                    .build());
    assertThat(d.getDeletedImmediately()).isTrue();
  }

  @Test
  void updatePodStatusesReportsPerItemOutcomes() {
    Object p = bind("status-pod", "n-s");
    String uid = p.getPod().getMetadata().getUid();
    PodStatus running =
        PodStatus.newBuilder()
            .setPhase(PodPhase.POD_PHASE_RUNNING)
            .addConditions(
                Condition.newBuilder()
                    .setType("PodScheduled")
                    .setStatus(ConditionStatus.CONDITION_STATUS_FALSE))
            .build();
    UpdatePodStatusesResponse r =
        m.node()
            .updatePodStatuses(
                UpdatePodStatusesRequest.newBuilder()
                    .setNodeName("n-s")
                    .addUpdates(
                        PodStatusUpdate.newBuilder()
                            .setNamespace("default")
                            .setName("status-pod")
                            .setUid(uid)
                            .setStatus(running))
                    .addUpdates(
                        PodStatusUpdate.newBuilder()
                            .setNamespace("default")
                            .setName("status-pod")
                            .setUid("stale")
                            .setStatus(running))
                    .addUpdates(
                        PodStatusUpdate.newBuilder()
                            .setNamespace("default")
                            .setName("missing")
                            .setUid("x")
                            .setStatus(running))
                    .build());
    assertThat(r.getResultsList())
        .extracting(x -> x.getOutcome())
        .containsExactly(
            PodStatusUpdateOutcome.POD_STATUS_UPDATE_OUTCOME_UPDATED,
            PodStatusUpdateOutcome.POD_STATUS_UPDATE_OUTCOME_NOT_FOUND,
            PodStatusUpdateOutcome.POD_STATUS_UPDATE_OUTCOME_NOT_FOUND);
    Object stored = m.master.cache().get(Kind.KIND_POD, "default", "status-pod").orElseThrow();
    assertThat(stored.getPod().getStatus().getPhase()).isEqualTo(PodPhase.POD_PHASE_RUNNING);
    assertThat(stored.getPod().getStatus().getConditionsList())
        .noneMatch(c -> c.getType().equals("PodScheduled"));
    UpdatePodStatusesResponse wrongNode =
        m.node()
            .updatePodStatuses(
                UpdatePodStatusesRequest.newBuilder()
                    .setNodeName("n-x")
                    .addUpdates(
                        PodStatusUpdate.newBuilder()
                            .setNamespace("default")
                            .setName("status-pod")
                            .setUid(uid)
                            .setStatus(running))
                    .build());
    assertThat(wrongNode.getResults(0).getOutcome())
        .isEqualTo(PodStatusUpdateOutcome.POD_STATUS_UPDATE_OUTCOME_REJECTED);
  }

  @Test
  void dependenciesAndEvents() {
    m.control()
        .create(
            CreateRequest.newBuilder()
                .setObject(
                    Object.newBuilder()
                        .setConfigMap(
                            ConfigMap.newBuilder()
                                .setMetadata(ObjectMeta.newBuilder().setName("cfg"))
                                .putData("k", "v")))
                .build());
    GetPodDependenciesResponse deps =
        m.node()
            .getPodDependencies(
                GetPodDependenciesRequest.newBuilder()
                    .setNamespace("default")
                    .addConfigMapNames("cfg")
                    .addSecretNames("nope")
                    .build());
    assertThat(deps.getConfigMapsList())
        .extracting(c -> c.getDataMap().get("k"))
        .containsExactly("v");
    assertThat(deps.getMissingList()).containsExactly("secret/nope");
    Event e =
        Event.newBuilder()
            .setInvolvedObject(ObjectReference.newBuilder().setKind(Kind.KIND_POD).setName("p"))
            .setReason("Pulled")
            .setMessage("pulled image")
            .build();
    RecordEventsResponse r =
        m.node().recordEvents(RecordEventsRequest.newBuilder().addEvents(e).addEvents(e).build());
    assertThat(r.getCreated()).isEqualTo(1);
    assertThat(r.getMerged()).isEqualTo(1);
  }

  @Test
  void badRequestsAreInvalidArgument() {
    StatusRuntimeException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            StatusRuntimeException.class,
            () -> m.node().register(RegisterNodeRequest.getDefaultInstance()));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    e =
        org.junit.jupiter.api.Assertions.assertThrows(
            StatusRuntimeException.class,
            () ->
                m.node()
                    .confirmPodTermination(
                        ConfirmPodTerminationRequest.newBuilder().setName("x").build()));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
  }
}
