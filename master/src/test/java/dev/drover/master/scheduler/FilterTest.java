package dev.drover.master.scheduler;

import static dev.drover.api.v1.NodeSelectorOperator.NODE_SELECTOR_OPERATOR_DOES_NOT_EXIST;
import static dev.drover.api.v1.NodeSelectorOperator.NODE_SELECTOR_OPERATOR_EXISTS;
import static dev.drover.api.v1.NodeSelectorOperator.NODE_SELECTOR_OPERATOR_GT;
import static dev.drover.api.v1.NodeSelectorOperator.NODE_SELECTOR_OPERATOR_IN;
import static dev.drover.api.v1.NodeSelectorOperator.NODE_SELECTOR_OPERATOR_LT;
import static dev.drover.api.v1.NodeSelectorOperator.NODE_SELECTOR_OPERATOR_NOT_IN;
import static dev.drover.api.v1.TaintEffect.TAINT_EFFECT_NO_EXECUTE;
import static dev.drover.api.v1.TaintEffect.TAINT_EFFECT_NO_SCHEDULE;
import static dev.drover.api.v1.TaintEffect.TAINT_EFFECT_PREFER_NO_SCHEDULE;
import static dev.drover.master.scheduler.Fixtures.HOSTNAME;
import static dev.drover.master.scheduler.Fixtures.ZONE;
import static dev.drover.master.scheduler.Fixtures.fieldTerm;
import static dev.drover.master.scheduler.Fixtures.node;
import static dev.drover.master.scheduler.Fixtures.pod;
import static dev.drover.master.scheduler.Fixtures.podTerm;
import static dev.drover.master.scheduler.Fixtures.req;
import static dev.drover.master.scheduler.Fixtures.term;
import static dev.drover.master.scheduler.Fixtures.tolerateEqual;
import static dev.drover.master.scheduler.Fixtures.tolerateExists;
import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.api.v1.Node;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.Protocol;
import dev.drover.master.scheduler.framework.ClusterSnapshot;
import dev.drover.master.scheduler.framework.PodInfo;
import dev.drover.master.scheduler.plugins.NodeAffinityFilter;
import dev.drover.master.scheduler.plugins.NodePortsFilter;
import dev.drover.master.scheduler.plugins.NodeReadyFilter;
import dev.drover.master.scheduler.plugins.NodeResourcesFitFilter;
import dev.drover.master.scheduler.plugins.NodeUnschedulableFilter;
import dev.drover.master.scheduler.plugins.PodAffinityFilter;
import dev.drover.master.scheduler.plugins.PodAntiAffinityFilter;
import dev.drover.master.scheduler.plugins.TopologySpreadFilter;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Table-driven filter tests: for each case, exactly the expected nodes are feasible and, when none
 * is, the FitError names the expected reason.
 */
class FilterTest {

  /** One row: a cluster, a pod, the nodes it may go to, and the reason the others fail. */
  record Case(
      String name,
      List<Node> nodes,
      List<Pod> existing,
      Pod pod,
      List<String> feasible,
      String reason) {
    @Override
    public String toString() {
      return name;
    }
  }

  private static Case c(
      String name,
      List<Node> nodes,
      List<Pod> existing,
      Pod pod,
      List<String> feasible,
      String reason) {
    return new Case(name, nodes, existing, pod, feasible, reason);
  }

  static Stream<Case> cases() {
    Node plain = node("n1").build();
    return Stream.of(
        c(
            "ready node fits",
            List.of(plain),
            List.of(),
            pod("p").cpu("1").build(),
            List.of("n1"),
            null),
        c(
            "not ready node is skipped",
            List.of(node("n1").notReady().build(), node("n2").build()),
            List.of(),
            pod("p").build(),
            List.of("n2"),
            NodeReadyFilter.REASON),
        c(
            "not-ready toleration lets a pod onto a not ready node",
            List.of(node("n1").notReady().build()),
            List.of(),
            pod("p").toleration(tolerateExists(NodeReadyFilter.TAINT_KEY)).build(),
            List.of("n1"),
            null),
        c(
            "cordoned node is skipped",
            List.of(node("n1").unschedulable().build(), node("n2").build()),
            List.of(),
            pod("p").build(),
            List.of("n2"),
            NodeUnschedulableFilter.REASON),
        c(
            "unschedulable toleration lets a pod onto a cordoned node",
            List.of(node("n1").unschedulable().build()),
            List.of(),
            pod("p").toleration(tolerateExists(NodeUnschedulableFilter.TAINT_KEY)).build(),
            List.of("n1"),
            null),
        c(
            "cpu counts requests of pods already there",
            List.of(node("n1").cpu("2").build(), node("n2").cpu("2").build()),
            List.of(pod("a").cpu("1500m").nodeName("n1").build()),
            pod("p").cpu("1").build(),
            List.of("n2"),
            "Insufficient cpu"),
        c(
            "cpu request equal to what is left fits",
            List.of(node("n1").cpu("2").build()),
            List.of(pod("a").cpu("1").nodeName("n1").build()),
            pod("p").cpu("1000m").build(),
            List.of("n1"),
            null),
        c(
            "memory",
            List.of(node("n1").memory("1Gi").build()),
            List.of(pod("a").memory("512Mi").nodeName("n1").build()),
            pod("p").memory("513Mi").build(),
            List.of(),
            "Insufficient memory"),
        c(
            "limits stand in for missing requests",
            List.of(node("n1").cpu("1").build()),
            List.of(),
            pod("p").limit("cpu", "2").build(),
            List.of(),
            "Insufficient cpu"),
        c(
            "requests win over limits",
            List.of(node("n1").cpu("1").build()),
            List.of(),
            pod("p").cpu("500m").limit("cpu", "2").build(),
            List.of("n1"),
            null),
        c(
            "the largest init container counts when it exceeds the containers",
            List.of(node("n1").cpu("1").build()),
            List.of(),
            pod("p").cpu("100m").initContainerCpu("1500m").build(),
            List.of(),
            "Insufficient cpu"),
        c(
            "pod count",
            List.of(node("n1").pods(1).build()),
            List.of(pod("a").nodeName("n1").build()),
            pod("p").build(),
            List.of(),
            NodeResourcesFitFilter.TOO_MANY_PODS),
        c(
            "other resources must be offered",
            List.of(node("n1").build(), node("n2").resource("example.com/gpu", "2").build()),
            List.of(),
            pod("p").request("example.com/gpu", "1").build(),
            List.of("n2"),
            "Insufficient example.com/gpu"),
        c(
            "host port in use on a node",
            List.of(node("n1").build(), node("n2").build()),
            List.of(pod("a").hostPort(8080, Protocol.PROTOCOL_TCP).nodeName("n1").build()),
            pod("p").hostPort(8080, Protocol.PROTOCOL_TCP).build(),
            List.of("n2"),
            NodePortsFilter.REASON),
        c(
            "same host port over another protocol is free",
            List.of(node("n1").build()),
            List.of(pod("a").hostPort(53, Protocol.PROTOCOL_TCP).nodeName("n1").build()),
            pod("p").hostPort(53, Protocol.PROTOCOL_UDP).build(),
            List.of("n1"),
            null),
        c(
            "node selector",
            List.of(node("n1").label("disk", "ssd").build(), node("n2").build()),
            List.of(),
            pod("p").nodeSelector("disk", "ssd").build(),
            List.of("n1"),
            NodeAffinityFilter.REASON),
        c(
            "affinity In",
            List.of(node("n1").zone("a").build(), node("n2").zone("b").build(), node("n3").build()),
            List.of(),
            pod("p").requiredNodeAffinity(term(req(ZONE, NODE_SELECTOR_OPERATOR_IN, "a"))).build(),
            List.of("n1"),
            NodeAffinityFilter.REASON),
        c(
            "affinity NotIn matches nodes without the label",
            List.of(node("n1").zone("a").build(), node("n2").zone("b").build(), node("n3").build()),
            List.of(),
            pod("p")
                .requiredNodeAffinity(term(req(ZONE, NODE_SELECTOR_OPERATOR_NOT_IN, "a")))
                .build(),
            List.of("n2", "n3"),
            NodeAffinityFilter.REASON),
        c(
            "affinity Exists",
            List.of(node("n1").zone("a").build(), node("n2").build()),
            List.of(),
            pod("p").requiredNodeAffinity(term(req(ZONE, NODE_SELECTOR_OPERATOR_EXISTS))).build(),
            List.of("n1"),
            NodeAffinityFilter.REASON),
        c(
            "affinity DoesNotExist",
            List.of(node("n1").zone("a").build(), node("n2").build()),
            List.of(),
            pod("p")
                .requiredNodeAffinity(term(req(ZONE, NODE_SELECTOR_OPERATOR_DOES_NOT_EXIST)))
                .build(),
            List.of("n2"),
            NodeAffinityFilter.REASON),
        c(
            "affinity Gt and Lt compare integers; non-integers never match",
            List.of(
                node("n1").label("gen", "3").build(),
                node("n2").label("gen", "5").build(),
                node("n3").label("gen", "7").build(),
                node("n4").label("gen", "x").build()),
            List.of(),
            pod("p")
                .requiredNodeAffinity(
                    term(
                        req("gen", NODE_SELECTOR_OPERATOR_GT, "3"),
                        req("gen", NODE_SELECTOR_OPERATOR_LT, "7")))
                .build(),
            List.of("n2"),
            NodeAffinityFilter.REASON),
        c(
            "affinity terms are ORed",
            List.of(
                node("n1").zone("a").build(),
                node("n2").zone("b").build(),
                node("n3").zone("c").build()),
            List.of(),
            pod("p")
                .requiredNodeAffinity(
                    term(req(ZONE, NODE_SELECTOR_OPERATOR_IN, "a")),
                    term(req(ZONE, NODE_SELECTOR_OPERATOR_IN, "c")))
                .build(),
            List.of("n1", "n3"),
            NodeAffinityFilter.REASON),
        c(
            "affinity match_fields on metadata.name",
            List.of(node("n1").build(), node("n2").build()),
            List.of(),
            pod("p")
                .requiredNodeAffinity(
                    fieldTerm(req("metadata.name", NODE_SELECTOR_OPERATOR_IN, "n2")))
                .build(),
            List.of("n2"),
            NodeAffinityFilter.REASON),
        c(
            "selector and affinity must both match",
            List.of(
                node("n1").zone("a").label("disk", "ssd").build(),
                node("n2").zone("a").build(),
                node("n3").label("disk", "ssd").build()),
            List.of(),
            pod("p")
                .nodeSelector("disk", "ssd")
                .requiredNodeAffinity(term(req(ZONE, NODE_SELECTOR_OPERATOR_IN, "a")))
                .build(),
            List.of("n1"),
            NodeAffinityFilter.REASON),
        c(
            "NoSchedule taint repels",
            List.of(
                node("n1").taint("dedicated", "db", TAINT_EFFECT_NO_SCHEDULE).build(),
                node("n2").build()),
            List.of(),
            pod("p").build(),
            List.of("n2"),
            "node(s) had untolerated taint {dedicated: db}"),
        c(
            "NoExecute taint repels",
            List.of(node("n1").taint("dedicated", "db", TAINT_EFFECT_NO_EXECUTE).build()),
            List.of(),
            pod("p").build(),
            List.of(),
            "node(s) had untolerated taint {dedicated: db}"),
        c(
            "Equal toleration with the right value and effect",
            List.of(node("n1").taint("dedicated", "db", TAINT_EFFECT_NO_SCHEDULE).build()),
            List.of(),
            pod("p").toleration(tolerateEqual("dedicated", "db", TAINT_EFFECT_NO_SCHEDULE)).build(),
            List.of("n1"),
            null),
        c(
            "Equal toleration with another value does not tolerate",
            List.of(node("n1").taint("dedicated", "db", TAINT_EFFECT_NO_SCHEDULE).build()),
            List.of(),
            pod("p")
                .toleration(tolerateEqual("dedicated", "web", TAINT_EFFECT_NO_SCHEDULE))
                .build(),
            List.of(),
            "node(s) had untolerated taint {dedicated: db}"),
        c(
            "toleration of another effect does not tolerate",
            List.of(node("n1").taint("dedicated", "db", TAINT_EFFECT_NO_EXECUTE).build()),
            List.of(),
            pod("p").toleration(tolerateEqual("dedicated", "db", TAINT_EFFECT_NO_SCHEDULE)).build(),
            List.of(),
            "node(s) had untolerated taint {dedicated: db}"),
        c(
            "Exists with an empty key tolerates everything",
            List.of(
                node("n1")
                    .taint("a", "1", TAINT_EFFECT_NO_SCHEDULE)
                    .taint("b", "2", TAINT_EFFECT_NO_EXECUTE)
                    .build()),
            List.of(),
            pod("p").toleration(tolerateExists("")).build(),
            List.of("n1"),
            null),
        c(
            "PreferNoSchedule does not filter",
            List.of(node("n1").taint("spot", "true", TAINT_EFFECT_PREFER_NO_SCHEDULE).build()),
            List.of(),
            pod("p").build(),
            List.of("n1"),
            null),
        c(
            "anti-affinity by hostname",
            List.of(node("n1").build(), node("n2").build()),
            List.of(pod("a").label("app", "web").nodeName("n1").build()),
            pod("p")
                .label("app", "web")
                .requiredAntiAffinity(podTerm(HOSTNAME, "app", "web"))
                .build(),
            List.of("n2"),
            PodAntiAffinityFilter.REASON),
        c(
            "anti-affinity by zone blocks the whole zone",
            List.of(
                node("n1").zone("a").build(),
                node("n2").zone("a").build(),
                node("n3").zone("b").build()),
            List.of(pod("a").label("app", "web").nodeName("n1").build()),
            pod("p").requiredAntiAffinity(podTerm(ZONE, "app", "web")).build(),
            List.of("n3"),
            PodAntiAffinityFilter.REASON),
        c(
            "anti-affinity only looks in the pod's namespace",
            List.of(node("n1").build()),
            List.of(pod("a").namespace("other").label("app", "web").nodeName("n1").build()),
            pod("p").requiredAntiAffinity(podTerm(HOSTNAME, "app", "web")).build(),
            List.of("n1"),
            null),
        c(
            "existing pods' anti-affinity repels the incoming pod (symmetry)",
            List.of(node("n1").build(), node("n2").build()),
            List.of(
                pod("a")
                    .requiredAntiAffinity(podTerm(HOSTNAME, "app", "web"))
                    .nodeName("n1")
                    .build()),
            pod("p").label("app", "web").build(),
            List.of("n2"),
            PodAntiAffinityFilter.EXISTING_REASON),
        c(
            "terminating pods do not count for anti-affinity",
            List.of(node("n1").build()),
            List.of(pod("a").label("app", "web").nodeName("n1").deleting().build()),
            pod("p").requiredAntiAffinity(podTerm(HOSTNAME, "app", "web")).build(),
            List.of("n1"),
            null),
        c(
            "affinity to a zone with a matching pod",
            List.of(
                node("n1").zone("a").build(),
                node("n2").zone("a").build(),
                node("n3").zone("b").build()),
            List.of(pod("db").label("app", "db").nodeName("n1").build()),
            pod("p").requiredAffinity(podTerm(ZONE, "app", "db")).build(),
            List.of("n1", "n2"),
            PodAffinityFilter.REASON),
        c(
            "affinity without any matching pod fails",
            List.of(node("n1").zone("a").build()),
            List.of(),
            pod("p").requiredAffinity(podTerm(ZONE, "app", "db")).build(),
            List.of(),
            PodAffinityFilter.REASON),
        c(
            "the first pod of a self-affine group goes anywhere with the key",
            List.of(node("n1").zone("a").build(), node("n2").build()),
            List.of(),
            pod("p").label("app", "db").requiredAffinity(podTerm(ZONE, "app", "db")).build(),
            List.of("n1"),
            null),
        c(
            "spread DoNotSchedule keeps skew within maxSkew",
            List.of(node("n1").zone("a").build(), node("n2").zone("b").build()),
            List.of(pod("a").label("app", "web").nodeName("n1").build()),
            pod("p").label("app", "web").spread(1, ZONE, true, "app", "web").build(),
            List.of("n2"),
            null),
        c(
            "spread counts domains whose nodes fail other filters",
            List.of(node("n1").zone("a").build(), node("n2").zone("b").unschedulable().build()),
            List.of(pod("a").label("app", "web").nodeName("n1").build()),
            pod("p").label("app", "web").spread(1, ZONE, true, "app", "web").build(),
            List.of(),
            TopologySpreadFilter.REASON),
        c(
            "spread with maxSkew 2 allows the fuller zone",
            List.of(node("n1").zone("a").build(), node("n2").zone("b").build()),
            List.of(pod("a").label("app", "web").nodeName("n1").build()),
            pod("p").label("app", "web").spread(2, ZONE, true, "app", "web").build(),
            List.of("n1", "n2"),
            null),
        c(
            "spread needs the topology label",
            List.of(node("n1").zone("a").build(), node("n2").build()),
            List.of(),
            pod("p").label("app", "web").spread(1, ZONE, true, "app", "web").build(),
            List.of("n1"),
            TopologySpreadFilter.MISSING_LABEL),
        c(
            "spread ignores zones the pod cannot go to",
            List.of(
                node("n1").zone("a").label("disk", "ssd").build(), node("n2").zone("b").build()),
            List.of(pod("a").label("app", "web").nodeName("n1").build()),
            pod("p")
                .label("app", "web")
                .nodeSelector("disk", "ssd")
                .spread(1, ZONE, true, "app", "web")
                .build(),
            List.of("n1"),
            NodeAffinityFilter.REASON),
        c(
            "ScheduleAnyway spread does not filter",
            List.of(node("n1").zone("a").build(), node("n2").zone("b").build()),
            List.of(
                pod("a").label("app", "web").nodeName("n1").build(),
                pod("b").label("app", "web").nodeName("n1").build()),
            pod("p").label("app", "web").spread(1, ZONE, false, "app", "web").build(),
            List.of("n1", "n2"),
            null),
        c(
            "combination: only the tolerated, labelled node with room and a free port",
            List.of(
                node("n1")
                    .label("disk", "ssd")
                    .taint("t", "x", TAINT_EFFECT_NO_SCHEDULE)
                    .cpu("8")
                    .build(),
                node("n2").label("disk", "ssd").cpu("1").build(),
                node("n3").cpu("8").build(),
                node("n4").label("disk", "ssd").cpu("8").build(),
                node("n5").label("disk", "ssd").cpu("8").build()),
            List.of(pod("a").hostPort(80, Protocol.PROTOCOL_TCP).nodeName("n4").build()),
            pod("p")
                .cpu("2")
                .nodeSelector("disk", "ssd")
                .hostPort(80, Protocol.PROTOCOL_TCP)
                .build(),
            List.of("n5"),
            null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void exactlyTheExpectedNodesAreFeasible(Case tc) {
    ClusterSnapshot snap = Fixtures.snapshot(tc.nodes(), tc.existing());
    PlacementAlgorithm algo = new PlacementAlgorithm(SchedulerConfig.defaults(1));
    PodInfo pod = PodInfo.of(tc.pod());

    assertThat(algo.feasibleNodes(pod, snap)).containsExactlyInAnyOrderElementsOf(tc.feasible());

    ScheduleResult r = algo.schedule(pod, snap);
    if (tc.feasible().isEmpty()) {
      assertThat(r.scheduled()).isFalse();
      assertThat(r.fitError().reasons()).containsKey(tc.reason());
    } else {
      assertThat(tc.feasible()).contains(r.nodeName());
    }
    if (tc.reason() != null && !tc.feasible().isEmpty()) {
      // The reason the other nodes fail shows when only those are left.
      ClusterSnapshot rest =
          Fixtures.snapshot(
              tc.nodes().stream()
                  .filter(n -> !tc.feasible().contains(n.getMetadata().getName()))
                  .toList(),
              tc.existing());
      ScheduleResult failed = algo.schedule(pod, rest);
      assertThat(failed.scheduled()).isFalse();
      assertThat(failed.fitError().reasons()).containsKey(tc.reason());
    }
  }
}
