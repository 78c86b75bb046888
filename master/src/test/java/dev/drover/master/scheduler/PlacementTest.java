package dev.drover.master.scheduler;

import static dev.drover.api.v1.TaintEffect.TAINT_EFFECT_NO_SCHEDULE;
import static dev.drover.master.scheduler.Fixtures.node;
import static dev.drover.master.scheduler.Fixtures.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.drover.api.v1.Node;
import dev.drover.api.v1.Protocol;
import dev.drover.master.scheduler.framework.ClusterSnapshot;
import dev.drover.master.scheduler.framework.NodeInfo;
import dev.drover.master.scheduler.framework.PodInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The FitError message, sampling, tie-breaking, snapshot bookkeeping and preemption. */
class PlacementTest {

  private final PlacementAlgorithm algo = new PlacementAlgorithm(SchedulerConfig.defaults(3));

  @Test
  void fitErrorCountsNodesPerReasonInKubernetesFormat() {
    List<Node> nodes = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      nodes.add(node("small" + i).cpu("1").build());
    }
    for (int i = 0; i < 2; i++) {
      nodes.add(
          node("tainted" + i).cpu("8").taint("key", "value", TAINT_EFFECT_NO_SCHEDULE).build());
    }
    ScheduleResult r = algo.schedule(pod("p").cpu("2").info(), Fixtures.snapshot(nodes, List.of()));

    assertThat(r.scheduled()).isFalse();
    assertThat(r.fitError().message())
        .isEqualTo(
            "0/5 nodes are available: 3 Insufficient cpu, "
                + "2 node(s) had untolerated taint {key: value}.");
  }

  @Test
  void nodeFailingSeveralResourcesCountsUnderEach() {
    ClusterSnapshot snap =
        Fixtures.snapshot(
            List.of(node("n1").cpu("1").memory("1Gi").build(), node("n2").unschedulable().build()),
            List.of());
    FitError e = algo.schedule(pod("p").cpu("2").memory("2Gi").info(), snap).fitError();

    assertThat(e.message())
        .isEqualTo(
            "0/2 nodes are available: 1 Insufficient cpu, 1 Insufficient memory, "
                + "1 node(s) were unschedulable.");
    assertThat(algo.schedule(pod("q").info(), new ClusterSnapshot()).fitError().message())
        .isEqualTo("0/0 nodes are available.");
  }

  @Test
  void badQuantitiesAreRejectedNamingTheField() {
    assertThatThrownBy(() -> pod("p").cpu("lots").info())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("spec.containers[0].resources.requests[cpu]")
        .hasMessageContaining("lots");
    ClusterSnapshot snap = new ClusterSnapshot();
    assertThatThrownBy(() -> snap.upsertNode(node("n1").memory("-1Gi").build()))
        .hasMessageContaining("status.allocatable[memory]");
    assertThat(snap.nodeCount()).isZero();
  }

  @Test
  void adaptiveSamplingFollowsKubeScheduler() {
    assertThat(algo.numFeasibleNodesToFind(50)).isEqualTo(50);
    assertThat(algo.numFeasibleNodesToFind(100)).isEqualTo(100);
    assertThat(algo.numFeasibleNodesToFind(1000)).isEqualTo(420);
    assertThat(algo.numFeasibleNodesToFind(5000)).isEqualTo(500);
    assertThat(algo.numFeasibleNodesToFind(10000)).isEqualTo(500);
    PlacementAlgorithm all =
        new PlacementAlgorithm(SchedulerConfig.defaults(1).withPercentageOfNodesToScore(100));
    assertThat(all.numFeasibleNodesToFind(5000)).isEqualTo(5000);
  }

  @Test
  void rotatingStartSpreadsPodsOverAllNodesDespiteSampling() {
    ClusterSnapshot snap = new ClusterSnapshot();
    for (int i = 0; i < 1000; i++) {
      snap.upsertNode(node("n" + i).build());
    }
    Map<String, Integer> perNode = new HashMap<>();
    for (int i = 0; i < 1000; i++) {
      PodInfo p = pod("p" + i).cpu("100m").info();
      ScheduleResult r = algo.schedule(p, snap);
      assertThat(r.feasibleNodes()).isEqualTo(420);
      snap.assume(p, r.nodeName());
      perNode.merge(r.nodeName(), 1, Integer::sum);
    }
    // A fixed start would only ever sample the first 420 nodes; rotating reaches them all.
    assertThat(perNode.size()).isGreaterThan(900);
  }

  @Test
  void tiesAreBrokenRandomlyButReproduciblyWithASeed() {
    List<Node> nodes = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      nodes.add(node("n" + i).build());
    }
    ClusterSnapshot snap = Fixtures.snapshot(nodes, List.of());
    List<String> first = picks(new PlacementAlgorithm(SchedulerConfig.defaults(42)), snap);
    List<String> again = picks(new PlacementAlgorithm(SchedulerConfig.defaults(42)), snap);
    List<String> other = picks(new PlacementAlgorithm(SchedulerConfig.defaults(43)), snap);

    assertThat(again).isEqualTo(first);
    assertThat(other).isNotEqualTo(first);
    assertThat(new HashSet<>(first)).hasSizeGreaterThan(3);
  }

  private static List<String> picks(PlacementAlgorithm a, ClusterSnapshot snap) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      out.add(a.schedule(pod("p" + i).info(), snap).nodeName());
    }
    return out;
  }

  @Test
  void assumeAndRemoveKeepTotalsExact() {
    ClusterSnapshot snap = Fixtures.snapshot(List.of(node("n1").cpu("2").build()), List.of());
    PodInfo a = pod("a").cpu("1500m").memory("1Gi").hostPort(80, Protocol.PROTOCOL_TCP).info();
    snap.assume(a, "n1");
    NodeInfo n = snap.node("n1");
    assertThat(n.requestedMilliCpu()).isEqualTo(1500);
    assertThat(snap.isAssumed(a.key())).isTrue();
    assertThat(algo.schedule(pod("b").cpu("1").info(), snap).scheduled()).isFalse();

    // The binding shows up in the watch: same pod, now bound, counted once.
    snap.addBoundPod(
        PodInfo.of(
            a.pod().toBuilder().setSpec(a.pod().getSpec().toBuilder().setNodeName("n1")).build()));
    assertThat(snap.isAssumed(a.key())).isFalse();
    assertThat(n.requestedMilliCpu()).isEqualTo(1500);
    assertThat(n.pods()).hasSize(1);

    assertThat(snap.removePod(a.key())).isEqualTo("n1");
    assertThat(n.requestedMilliCpu()).isZero();
    assertThat(n.requestedMemory()).isZero();
    assertThat(n.noPortsUsed()).isTrue();
    assertThat(algo.schedule(pod("b").cpu("1").info(), snap).nodeName()).isEqualTo("n1");
  }

  @Test
  void podsOfADeletedNodeCountAgainWhenItReturns() {
    ClusterSnapshot snap =
        Fixtures.snapshot(
            List.of(node("n1").cpu("2").build()),
            List.of(pod("a").cpu("2").nodeName("n1").build()));
    snap.removeNode("n1");
    assertThat(snap.nodeCount()).isZero();
    snap.upsertNode(node("n1").cpu("2").build());
    assertThat(snap.node("n1").requestedMilliCpu()).isEqualTo(2000);
  }

  @Test
  void preemptionEvictsTheFewestLowestPriorityPods() {
    // n1: two low-priority pods; evicting one is enough. n2: one pod of medium priority.
    ClusterSnapshot snap =
        Fixtures.snapshot(
            List.of(node("n1").cpu("4").build(), node("n2").cpu("4").build()),
            List.of(
                pod("low1").cpu("2").priority(1).nodeName("n1").build(),
                pod("low2").cpu("2").priority(2).nodeName("n1").build(),
                pod("mid").cpu("4").priority(50).nodeName("n2").build()));
    PodInfo high = pod("high").cpu("2").priority(100).info();
    assertThat(algo.schedule(high, snap).scheduled()).isFalse();

    Preemption plan = algo.preempt(high, snap);

    assertThat(plan).isNotNull();
    assertThat(plan.nodeName()).isEqualTo("n1");
    assertThat(plan.victims()).extracting(PodInfo::key).containsExactly("default/low1");
  }

  @Test
  void aNominatedPodKeepsItsRoomAgainstPodsOfLowerOrEqualPriority() {
    ClusterSnapshot snap =
        Fixtures.snapshot(
            List.of(node("n1").cpu("2").build(), node("n2").cpu("1").build()), List.of());
    PodInfo preemptor =
        pod("preemptor").cpu("2").hostPort(80, Protocol.PROTOCOL_TCP).priority(100).info();
    snap.nominate(preemptor, "n1");

    assertThat(algo.feasibleNodes(pod("low").cpu("1").priority(1).info(), snap))
        .containsExactly("n2");
    assertThat(algo.feasibleNodes(pod("equal").cpu("1").priority(100).info(), snap))
        .containsExactly("n2");
    assertThat(
            algo.feasibleNodes(
                pod("port").hostPort(80, Protocol.PROTOCOL_TCP).priority(100).info(), snap))
        .containsExactly("n2");
    // A more important pod may take the room, as in Kubernetes.
    assertThat(algo.feasibleNodes(pod("higher").cpu("1").priority(200).info(), snap))
        .containsExactlyInAnyOrder("n1", "n2");
    ScheduleResult big = algo.schedule(pod("big").cpu("2").priority(1).info(), snap);
    assertThat(big.fitError().message()).isEqualTo("0/2 nodes are available: 2 Insufficient cpu.");
    // Low-priority pods cannot preempt their way into the kept room either.
    assertThat(algo.preempt(pod("big2").cpu("2").priority(50).info(), snap)).isNull();

    // The preemptor itself fits there, and placing it ends the nomination.
    assertThat(algo.schedule(preemptor, snap).nodeName()).isEqualTo("n1");
    snap.assume(preemptor, "n1");
    assertThat(snap.nominatedNode(preemptor.key)).isNull();
    snap.removePod(preemptor.key);
    assertThat(algo.feasibleNodes(pod("later").cpu("1").priority(1).info(), snap))
        .containsExactlyInAnyOrder("n1", "n2");
  }

  @Test
  void preemptionPrefersFewerVictimsAtEqualPriority() {
    ClusterSnapshot snap =
        Fixtures.snapshot(
            List.of(node("n1").cpu("4").build(), node("n2").cpu("4").build()),
            List.of(
                pod("a1").cpu("1").priority(1).nodeName("n1").build(),
                pod("a2").cpu("1").priority(1).nodeName("n1").build(),
                pod("a3").cpu("1").priority(1).nodeName("n1").build(),
                pod("a4").cpu("1").priority(1).nodeName("n1").build(),
                pod("b1").cpu("4").priority(1).nodeName("n2").build()));
    Preemption plan = algo.preempt(pod("high").cpu("3").priority(10).info(), snap);

    assertThat(plan.nodeName()).isEqualTo("n2");
    assertThat(plan.victims()).hasSize(1);
  }

  @Test
  void noPreemptionOfEqualOrHigherPriorityOrForUnfixableReasons() {
    ClusterSnapshot snap =
        Fixtures.snapshot(
            List.of(
                node("n1").cpu("1").build(),
                node("n2").cpu("8").taint("k", "v", TAINT_EFFECT_NO_SCHEDULE).build()),
            List.of(
                pod("same").cpu("1").priority(10).nodeName("n1").build(),
                pod("low").cpu("1").priority(0).nodeName("n2").build()));
    assertThat(algo.preempt(pod("p").cpu("1").priority(10).info(), snap)).isNull();
    // Evicting from the tainted node would not help.
    assertThat(algo.preempt(pod("q").cpu("8").priority(100).info(), snap)).isNull();
  }

  @Test
  void preemptionFreesHostPorts() {
    ClusterSnapshot snap =
        Fixtures.snapshot(
            List.of(node("n1").build()),
            List.of(
                pod("web").hostPort(80, Protocol.PROTOCOL_TCP).nodeName("n1").build(),
                pod("other").priority(0).nodeName("n1").build()));
    Preemption plan =
        algo.preempt(pod("p").hostPort(80, Protocol.PROTOCOL_TCP).priority(5).info(), snap);
    assertThat(plan.victims()).extracting(PodInfo::key).containsExactly("default/web");
  }

  @Test
  void terminatingPodsStillHoldResources() {
    ClusterSnapshot snap =
        Fixtures.snapshot(
            List.of(node("n1").cpu("1").build()),
            List.of(pod("a").cpu("1").nodeName("n1").deleting().build()));
    Set<String> feasible = new HashSet<>(algo.feasibleNodes(pod("p").cpu("1").info(), snap));
    assertThat(feasible).isEmpty();
  }
}
