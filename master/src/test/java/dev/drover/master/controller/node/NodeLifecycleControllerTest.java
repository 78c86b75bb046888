package dev.drover.master.controller.node;

import static dev.drover.master.controller.Fixtures.makeReady;
import static dev.drover.testing.TestObjects.node;
import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.api.ApiObjects;
import dev.drover.api.v1.Condition;
import dev.drover.api.v1.ConditionStatus;
import dev.drover.api.v1.Container;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Lease;
import dev.drover.api.v1.LeaseSpec;
import dev.drover.api.v1.Node;
import dev.drover.api.v1.NodeStatus;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodSpec;
import dev.drover.api.v1.Taint;
import dev.drover.api.v1.TaintEffect;
import dev.drover.api.v1.Toleration;
import dev.drover.api.v1.TolerationOperator;
import dev.drover.master.controller.Harness;
import dev.drover.testing.TestObjects;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeLifecycleControllerTest {
  private final Harness h = new Harness();
  private NodeLifecycleController controller;

  NodeLifecycleControllerTest() {
    controller = h.add(new NodeLifecycleController(h.context()));
    h.cluster.create(
        node("n1", Map.of()).toBuilder()
            .setStatus(NodeStatus.newBuilder().addConditions(TestObjects.ready(true)))
            .build());
    h.cluster.create(
        Lease.newBuilder()
            .setMetadata(
                ObjectMeta.newBuilder()
                    .setName("n1")
                    .setNamespace(NodeLifecycleController.LEASE_NAMESPACE))
            .setSpec(
                LeaseSpec.newBuilder()
                    .setHolderIdentity("n1")
                    .setLeaseDurationSeconds(6)
                    .setRenewTime(ApiObjects.timestamp(h.clock.instant())))
            .build());
    h.settle();
  }

  private void heartbeat() {
    Lease lease = h.cluster.stored(Kind.KIND_LEASE, NodeLifecycleController.LEASE_NAMESPACE, "n1");
    h.cluster.update(
        lease.toBuilder()
            .setSpec(
                lease.getSpec().toBuilder().setRenewTime(ApiObjects.timestamp(h.clock.instant())))
            .build());
    h.settle();
  }

  private Node node1() {
    return h.cluster.stored(Kind.KIND_NODE, "", "n1");
  }

  private ConditionStatus ready() {
    return node1().getStatus().getConditionsList().stream()
        .filter(c -> c.getType().equals("Ready"))
        .findFirst()
        .orElseThrow()
        .getStatus();
  }

  private List<String> taintKeys() {
    return node1().getSpec().getTaintsList().stream().map(Taint::getKey).toList();
  }

  private Pod pod(String name, Toleration... tolerations) {
    Pod pod =
        h.cluster.create(
            Pod.newBuilder()
                .setMetadata(TestObjects.meta(name))
                .setSpec(
                    PodSpec.newBuilder()
                        .addContainers(Container.newBuilder().setName("c").setImage("i"))
                        .addAllTolerations(List.of(tolerations)))
                .build());
    return makeReady(h.cluster, h.clock, pod, "n1");
  }

  private boolean exists(String name) {
    return h.cluster.fetch(Kind.KIND_POD, "default", name).isPresent();
  }

  @Test
  void aNodeWithoutHeartbeatsBecomesUnknownTaintedAndItsPodsAreEvicted() {
    pod("plain");
    pod(
        "patient",
        Toleration.newBuilder()
            .setKey(NodeLifecycleController.UNREACHABLE_TAINT)
            .setOperator(TolerationOperator.TOLERATION_OPERATOR_EXISTS)
            .setEffect(TaintEffect.TAINT_EFFECT_NO_EXECUTE)
            .setTolerationSeconds(30)
            .build());
    pod(
        "forever",
        Toleration.newBuilder().setOperator(TolerationOperator.TOLERATION_OPERATOR_EXISTS).build());

    h.advanceInSteps(Duration.ofSeconds(5), Duration.ofSeconds(1));
    assertThat(ready()).isEqualTo(ConditionStatus.CONDITION_STATUS_TRUE);
    assertThat(taintKeys()).isEmpty();
    assertThat(h.cluster.eventReasons("n1")).doesNotContain("NodeNotReady");

    h.advance(Duration.ofSeconds(1));
    assertThat(ready()).isEqualTo(ConditionStatus.CONDITION_STATUS_UNKNOWN);
    assertThat(taintKeys()).containsExactly(NodeLifecycleController.UNREACHABLE_TAINT);
    assertThat(h.cluster.eventReasons("n1")).containsOnlyOnce("NodeNotReady");
    assertThat(exists("plain")).isTrue();
    Pod plain = h.cluster.stored(Kind.KIND_POD, "default", "plain");
    assertThat(dev.drover.master.controller.Pods.isReady(plain))
        .as("pods of an unreachable node stop being ready at once")
        .isFalse();

    h.advance(Duration.ofMillis(3999));
    assertThat(exists("plain")).isTrue();
    assertThat(h.cluster.eventReasons("plain")).doesNotContain("Evicted");
    h.advance(Duration.ofMillis(1));
    assertThat(exists("plain"))
        .as("evicted 4 s after the taint, 10 s after the last heartbeat")
        .isFalse();
    assertThat(h.cluster.eventReasons("plain")).containsOnlyOnce("Evicted");
    assertThat(h.cluster.eventReasons("patient")).doesNotContain("Evicted");
    assertThat(exists("patient")).isTrue();

    h.advance(Duration.ofSeconds(26));
    assertThat(exists("patient")).isFalse();
    assertThat(h.cluster.eventReasons("patient")).containsOnlyOnce("Evicted");
    h.advance(Duration.ofMinutes(10));
    assertThat(exists("forever")).isTrue();
    assertThat(h.cluster.eventReasons("forever")).isEmpty();
    assertThat(h.cluster.eventReasons("n1"))
        .as("one event per transition, not per resync")
        .containsOnlyOnce("NodeNotReady");
  }

  /** Another master becomes active: a new controller takes over from the current one. */
  private void takeOver() {
    h.remove(controller);
    controller = h.add(new NodeLifecycleController(h.context()));
    h.settle();
  }

  @Test
  void aNewActiveMasterGivesEveryNodeAWholeGracePeriodFromItsStart() {
    pod("p");
    // The last heartbeats went to the master that died; the next active one starts 5 s later.
    h.advanceInSteps(Duration.ofSeconds(5), Duration.ofSeconds(1));
    takeOver();
    h.advanceInSteps(Duration.ofSeconds(5), Duration.ofSeconds(1));
    assertThat(ready())
        .as("10 s after the last renewal, 5 s after the takeover")
        .isEqualTo(ConditionStatus.CONDITION_STATUS_TRUE);
    assertThat(taintKeys()).isEmpty();
    assertThat(
            dev.drover.master.controller.Pods.isReady(
                h.cluster.stored(Kind.KIND_POD, "default", "p")))
        .isTrue();
    // A node that really died is still found: a whole grace period after the takeover.
    h.advance(Duration.ofSeconds(1));
    assertThat(ready()).isEqualTo(ConditionStatus.CONDITION_STATUS_UNKNOWN);
    assertThat(taintKeys()).containsExactly(NodeLifecycleController.UNREACHABLE_TAINT);
  }

  @Test
  void aRenewalSeenLateCountsFromItsRenewTimeNotFromWhenItWasSeen() {
    h.advanceInSteps(Duration.ofSeconds(5), Duration.ofSeconds(1));
    // A renewal written 2 s after the last one reaches the controller only now (watch lag).
    Lease lease = h.cluster.stored(Kind.KIND_LEASE, NodeLifecycleController.LEASE_NAMESPACE, "n1");
    h.cluster.update(
        lease.toBuilder()
            .setSpec(
                lease.getSpec().toBuilder()
                    .setRenewTime(ApiObjects.timestamp(h.clock.instant().minusSeconds(3))))
            .build());
    h.settle();
    h.advanceInSteps(Duration.ofMillis(2500), Duration.ofMillis(500));
    assertThat(ready()).isEqualTo(ConditionStatus.CONDITION_STATUS_TRUE);
    h.advance(Duration.ofMillis(500));
    assertThat(ready())
        .as("6 s after that renewal was written")
        .isEqualTo(ConditionStatus.CONDITION_STATUS_UNKNOWN);
  }

  @Test
  void aNodeFoundUnreachableBeforeATakeoverStaysUnreachableAndItsPodsAreEvicted() {
    pod("p");
    h.advanceInSteps(Duration.ofSeconds(7), Duration.ofSeconds(1));
    assertThat(ready()).isEqualTo(ConditionStatus.CONDITION_STATUS_UNKNOWN);
    takeOver();
    assertThat(ready()).isEqualTo(ConditionStatus.CONDITION_STATUS_UNKNOWN);
    assertThat(taintKeys()).containsExactly(NodeLifecycleController.UNREACHABLE_TAINT);
    h.advanceInSteps(Duration.ofSeconds(2), Duration.ofMillis(500));
    assertThat(exists("p")).isTrue();
    h.advanceInSteps(Duration.ofSeconds(1), Duration.ofMillis(500));
    assertThat(exists("p")).as("evicted 4 s after the taint, as without the takeover").isFalse();
    heartbeat();
    assertThat(ready()).isEqualTo(ConditionStatus.CONDITION_STATUS_TRUE);
    assertThat(taintKeys()).isEmpty();
  }

  @Test
  void aReturningNodeLosesItsTaintAndIsReadyAgain() {
    h.advance(Duration.ofSeconds(7));
    assertThat(taintKeys()).containsExactly(NodeLifecycleController.UNREACHABLE_TAINT);
    assertThat(h.cluster.eventReasons("n1")).doesNotContain("NodeReady");
    heartbeat();
    assertThat(taintKeys()).isEmpty();
    assertThat(ready()).isEqualTo(ConditionStatus.CONDITION_STATUS_TRUE);
    assertThat(h.cluster.eventReasons("n1")).containsOnlyOnce("NodeReady");
    h.advance(Duration.ofSeconds(3));
    heartbeat();
    h.advance(Duration.ofSeconds(5));
    assertThat(ready())
        .as("heartbeats keep it ready")
        .isEqualTo(ConditionStatus.CONDITION_STATUS_TRUE);
  }

  @Test
  void podsMarkedNotReadyAreReadyAgainWhenTheNodeRenewsUnlessTheAgentSaidOtherwise() {
    pod(
        "quiet",
        Toleration.newBuilder().setOperator(TolerationOperator.TOLERATION_OPERATOR_EXISTS).build());
    pod(
        "reported",
        Toleration.newBuilder().setOperator(TolerationOperator.TOLERATION_OPERATOR_EXISTS).build());
    h.advanceInSteps(Duration.ofSeconds(7), Duration.ofSeconds(1));
    assertThat(podReady("quiet")).isFalse();
    assertThat(podReady("reported")).isFalse();
    // While the node was away, one pod's readiness probe failed and the agent said so.
    Pod reported = h.cluster.stored(Kind.KIND_POD, "default", "reported");
    h.cluster.updateStatus(
        reported.toBuilder()
            .setStatus(
                reported.getStatus().toBuilder()
                    .clearConditions()
                    .addConditions(
                        Condition.newBuilder()
                            .setType("Ready")
                            .setStatus(ConditionStatus.CONDITION_STATUS_FALSE)
                            .setReason("ReadinessProbeFailed")))
            .build());

    // A new active master meanwhile: it too must restore what its predecessor marked.
    takeOver();
    heartbeat();
    assertThat(taintKeys()).isEmpty();
    assertThat(podReady("quiet")).as("the agent reports only changes: the mark is lifted").isTrue();
    assertThat(podReady("reported")).as("the agent's own report stands").isFalse();
  }

  private boolean podReady(String name) {
    return dev.drover.master.controller.Pods.isReady(
        h.cluster.stored(Kind.KIND_POD, "default", name));
  }

  @Test
  void aNodeReportingNotReadyGetsTheNotReadyTaint() {
    Node n = node1();
    h.cluster.updateStatus(
        n.toBuilder()
            .setStatus(
                NodeStatus.newBuilder()
                    .addConditions(
                        Condition.newBuilder()
                            .setType("Ready")
                            .setStatus(ConditionStatus.CONDITION_STATUS_FALSE)
                            .setReason("KubeletNotReady")))
            .build());
    h.settle();
    assertThat(taintKeys()).containsExactly(NodeLifecycleController.NOT_READY_TAINT);
    pod("p");
    h.advance(Duration.ofSeconds(4));
    assertThat(exists("p")).isFalse();
    n = node1();
    h.cluster.updateStatus(
        n.toBuilder()
            .setStatus(NodeStatus.newBuilder().addConditions(TestObjects.ready(true)))
            .build());
    heartbeat();
    assertThat(taintKeys()).isEmpty();
  }

  @Test
  void untoleratedNoExecuteTaintsEvictAtOnceAndOtherTaintsStay() {
    pod("p");
    Node n = node1();
    h.cluster.update(
        n.toBuilder()
            .setSpec(
                n.getSpec().toBuilder()
                    .addTaints(
                        Taint.newBuilder()
                            .setKey("maintenance")
                            .setEffect(TaintEffect.TAINT_EFFECT_NO_EXECUTE)
                            .setTimeAdded(ApiObjects.timestamp(h.clock.instant()))))
            .build());
    h.settle();
    assertThat(exists("p")).isFalse();
    heartbeat();
    assertThat(taintKeys()).containsExactly("maintenance");
  }

  /** The session's master lets the lease go (its connection died), as NodeServiceImpl does. */
  private void release(int seconds) {
    Lease lease = h.cluster.stored(Kind.KIND_LEASE, NodeLifecycleController.LEASE_NAMESPACE, "n1");
    h.cluster.update(
        lease.toBuilder()
            .setSpec(
                lease.getSpec().toBuilder()
                    .setHolderIdentity("")
                    .setLeaseDurationSeconds(seconds)
                    .setRenewTime(ApiObjects.timestamp(h.clock.instant())))
            .build());
    h.settle();
  }

  private void renewAsHolder() {
    Lease lease = h.cluster.stored(Kind.KIND_LEASE, NodeLifecycleController.LEASE_NAMESPACE, "n1");
    h.cluster.update(
        lease.toBuilder()
            .setSpec(
                lease.getSpec().toBuilder()
                    .setHolderIdentity("n1")
                    .setLeaseDurationSeconds(6)
                    .setRenewTime(ApiObjects.timestamp(h.clock.instant())))
            .build());
    h.settle();
  }

  @Test
  void aReleasedLeaseRunsOutAfterItsOwnDurationNotTheGracePeriod() {
    pod("p");
    h.advance(Duration.ofSeconds(1));
    release(2);
    h.advanceInSteps(Duration.ofMillis(1900), Duration.ofMillis(100));
    assertThat(ready()).isEqualTo(ConditionStatus.CONDITION_STATUS_TRUE);
    h.advance(Duration.ofMillis(100));
    assertThat(ready())
        .as("2 s after the release, 3 s after the last renewal (the grace is 6 s)")
        .isEqualTo(ConditionStatus.CONDITION_STATUS_UNKNOWN);
    assertThat(taintKeys()).containsExactly(NodeLifecycleController.UNREACHABLE_TAINT);
    h.advance(Duration.ofMillis(3999));
    assertThat(exists("p")).as("the toleration still counts from the taint").isTrue();
    h.advance(Duration.ofMillis(1));
    assertThat(exists("p")).isFalse();
  }

  @Test
  void anAgentRegisteringAgainIsNotFoundUnreachableBeforeItsFirstRenewal() {
    release(2);
    h.advanceInSteps(Duration.ofSeconds(2), Duration.ofMillis(500));
    assertThat(ready()).isEqualTo(ConditionStatus.CONDITION_STATUS_UNKNOWN);
    assertThat(taintKeys()).containsExactly(NodeLifecycleController.UNREACHABLE_TAINT);
    h.advance(Duration.ofSeconds(30));

    // The host boots: its agent's registration replaces the node's status with its own report
    // and, without node credentials, its taints; its first lease renewal comes after that.
    h.cluster.update(
        node1().toBuilder().setSpec(node1().getSpec().toBuilder().clearTaints()).build());
    h.cluster.updateStatus(
        node1().toBuilder()
            .setStatus(NodeStatus.newBuilder().addConditions(TestObjects.ready(true)))
            .build());
    h.settle();
    assertThat(ready())
        .as("not marked unreachable again between the registration and the renewal")
        .isEqualTo(ConditionStatus.CONDITION_STATUS_TRUE);
    assertThat(taintKeys()).isEmpty();
    assertThat(h.cluster.eventReasons("n1")).containsOnlyOnce("NodeNotReady");

    // An agent that dies again right after registering is found after the released lease's
    // duration, counted from the registration.
    h.advanceInSteps(Duration.ofMillis(1900), Duration.ofMillis(100));
    assertThat(ready()).isEqualTo(ConditionStatus.CONDITION_STATUS_TRUE);
    h.advance(Duration.ofMillis(100));
    assertThat(ready()).isEqualTo(ConditionStatus.CONDITION_STATUS_UNKNOWN);
    assertThat(taintKeys()).containsExactly(NodeLifecycleController.UNREACHABLE_TAINT);
  }

  @Test
  void aRenewalWithinTheReleasedLeasesDurationKeepsTheNodeReady() {
    pod("p");
    release(2);
    h.advance(Duration.ofSeconds(1));
    renewAsHolder();
    h.advanceInSteps(Duration.ofSeconds(5), Duration.ofSeconds(1));
    assertThat(ready())
        .as("held again: the whole grace period counts from the renewal")
        .isEqualTo(ConditionStatus.CONDITION_STATUS_TRUE);
    assertThat(taintKeys()).isEmpty();
    assertThat(exists("p")).isTrue();
  }

  @Test
  void aLeaseWithoutHolderAndDurationIsNotAReleaseAndGetsTheGracePeriod() {
    release(0);
    h.advanceInSteps(Duration.ofSeconds(5), Duration.ofSeconds(1));
    assertThat(ready()).isEqualTo(ConditionStatus.CONDITION_STATUS_TRUE);
    h.advance(Duration.ofSeconds(1));
    assertThat(ready()).isEqualTo(ConditionStatus.CONDITION_STATUS_UNKNOWN);
  }

  @Test
  void aRenewalTheCacheHasNotSeenYetDoesNotMakeTheNodeUnreachable() {
    h.advanceInSteps(Duration.ofSeconds(5), Duration.ofSeconds(1));
    // The cache stops taking changes (a loaded master's watch lags); the node renews in the store.
    h.cluster.holdEvents();
    heartbeat();
    h.advanceInSteps(Duration.ofSeconds(3), Duration.ofMillis(200));
    assertThat(ready())
        .as("8 s after the renewal the cache saw, 3 s after the one in the store")
        .isEqualTo(ConditionStatus.CONDITION_STATUS_TRUE);
    assertThat(taintKeys()).isEmpty();
    h.cluster.releaseEvents();
    h.settle();
    h.advanceInSteps(Duration.ofSeconds(2), Duration.ofMillis(500));
    assertThat(ready()).isEqualTo(ConditionStatus.CONDITION_STATUS_TRUE);
    // Without renewals, the node is still found: 6 s after the renewal the store had.
    h.advanceInSteps(Duration.ofSeconds(2), Duration.ofMillis(500));
    assertThat(ready()).isEqualTo(ConditionStatus.CONDITION_STATUS_UNKNOWN);
  }
}
