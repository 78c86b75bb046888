package dev.drover.master.scheduler;

import static dev.drover.api.v1.NodeSelectorOperator.NODE_SELECTOR_OPERATOR_IN;
import static dev.drover.api.v1.TaintEffect.TAINT_EFFECT_PREFER_NO_SCHEDULE;
import static dev.drover.master.scheduler.Fixtures.HOSTNAME;
import static dev.drover.master.scheduler.Fixtures.ZONE;
import static dev.drover.master.scheduler.Fixtures.node;
import static dev.drover.master.scheduler.Fixtures.pod;
import static dev.drover.master.scheduler.Fixtures.podTerm;
import static dev.drover.master.scheduler.Fixtures.req;
import static dev.drover.master.scheduler.Fixtures.term;
import static dev.drover.master.scheduler.Fixtures.tolerateEqual;
import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.api.v1.Node;
import dev.drover.api.v1.Pod;
import dev.drover.master.scheduler.SchedulerConfig.Strategy;
import dev.drover.master.scheduler.framework.ClusterSnapshot;
import dev.drover.master.scheduler.framework.PodInfo;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Table-driven score tests: each rule makes the expected node the single best one. */
class ScoreTest {

  /** One row: cluster, pod, configuration, and the node that must score highest. */
  record Case(
      String name,
      SchedulerConfig config,
      List<Node> nodes,
      List<Pod> existing,
      Pod pod,
      String best) {
    @Override
    public String toString() {
      return name;
    }
  }

  private static final SchedulerConfig SPREAD = SchedulerConfig.defaults(7);
  private static final SchedulerConfig BIN_PACK = SPREAD.withStrategy(Strategy.BIN_PACK);

  /** Only the resource score counts. */
  private static final SchedulerConfig RESOURCES_ONLY =
      new SchedulerConfig(Strategy.SPREAD, false, 1, 0, 0, 0, 0, 0, 0, 7, 1000, 10_000);

  private static Case c(
      String name,
      SchedulerConfig config,
      List<Node> nodes,
      List<Pod> existing,
      Pod pod,
      String best) {
    return new Case(name, config, nodes, existing, pod, best);
  }

  static Stream<Case> cases() {
    List<Node> twoNodes = List.of(node("n1").build(), node("n2").build());
    List<Pod> n1Busy = List.of(pod("a").cpu("2").memory("4Gi").nodeName("n1").build());
    return Stream.of(
        c(
            "spread prefers the least allocated node",
            SPREAD,
            twoNodes,
            n1Busy,
            pod("p").cpu("1").memory("1Gi").build(),
            "n2"),
        c(
            "bin-pack prefers the most allocated node",
            BIN_PACK,
            twoNodes,
            n1Busy,
            pod("p").cpu("1").memory("1Gi").build(),
            "n1"),
        c(
            "spread counts pods without requests as small requests",
            RESOURCES_ONLY,
            twoNodes,
            List.of(pod("a").nodeName("n1").build(), pod("b").nodeName("n1").build()),
            pod("p").build(),
            "n2"),
        c(
            "balanced allocation prefers a node where CPU and memory stay in step",
            new SchedulerConfig(Strategy.SPREAD, true, 0, 1, 0, 0, 0, 0, 0, 7, 1000, 10_000),
            twoNodes,
            List.of(
                pod("a").cpu("2").nodeName("n1").build(),
                pod("b").cpu("1").memory("2Gi").nodeName("n2").build()),
            pod("p").cpu("1").memory("2Gi").build(),
            "n2"),
        c(
            "preferred node affinity wins over a slightly emptier node",
            SPREAD,
            List.of(node("n1").zone("a").build(), node("n2").zone("b").build()),
            List.of(pod("a").cpu("100m").nodeName("n1").build()),
            pod("p")
                .preferredNodeAffinity(50, term(req(ZONE, NODE_SELECTOR_OPERATOR_IN, "a")))
                .build(),
            "n1"),
        c(
            "heavier preferred term wins",
            SPREAD,
            List.of(node("n1").zone("a").build(), node("n2").zone("b").build()),
            List.of(),
            pod("p")
                .preferredNodeAffinity(10, term(req(ZONE, NODE_SELECTOR_OPERATOR_IN, "a")))
                .preferredNodeAffinity(90, term(req(ZONE, NODE_SELECTOR_OPERATOR_IN, "b")))
                .build(),
            "n2"),
        c(
            "PreferNoSchedule taint is avoided",
            SPREAD,
            List.of(
                node("n1").taint("spot", "true", TAINT_EFFECT_PREFER_NO_SCHEDULE).build(),
                node("n2").build()),
            List.of(pod("a").cpu("100m").nodeName("n2").build()),
            pod("p").build(),
            "n2"),
        c(
            "tolerated PreferNoSchedule taint is not avoided",
            RESOURCES_ONLY,
            List.of(
                node("n1").taint("spot", "true", TAINT_EFFECT_PREFER_NO_SCHEDULE).build(),
                node("n2").build()),
            List.of(pod("a").cpu("100m").nodeName("n2").build()),
            pod("p")
                .toleration(tolerateEqual("spot", "true", TAINT_EFFECT_PREFER_NO_SCHEDULE))
                .build(),
            "n1"),
        c(
            "preferred pod affinity draws to the zone of matching pods",
            SPREAD,
            List.of(
                node("n1").zone("a").build(),
                node("n2").zone("b").build(),
                node("n3").zone("b").build()),
            List.of(pod("db").label("app", "db").cpu("1").nodeName("n2").build()),
            pod("p").preferredAffinity(100, podTerm(ZONE, "app", "db")).build(),
            "n3"),
        c(
            "preferred anti-affinity pushes away from matching pods",
            SPREAD,
            List.of(node("n1").build(), node("n2").build()),
            List.of(
                pod("a").label("app", "web").nodeName("n2").build(),
                pod("big").cpu("1").nodeName("n1").build()),
            pod("p").preferredAntiAffinity(100, podTerm(HOSTNAME, "app", "web")).build(),
            "n1"),
        c(
            "existing pods' preferred anti-affinity repels the incoming pod",
            SPREAD,
            List.of(node("n1").build(), node("n2").build()),
            List.of(
                pod("a")
                    .preferredAntiAffinity(100, podTerm(HOSTNAME, "app", "web"))
                    .nodeName("n2")
                    .build(),
                pod("big").cpu("1").nodeName("n1").build()),
            pod("p").label("app", "web").build(),
            "n1"),
        c(
            "ScheduleAnyway spread prefers the emptier zone",
            SPREAD,
            List.of(node("n1").zone("a").build(), node("n2").zone("b").build()),
            List.of(
                pod("a").label("app", "web").nodeName("n1").build(),
                pod("big").cpu("1").nodeName("n2").build()),
            pod("p").label("app", "web").spread(1, ZONE, false, "app", "web").build(),
            "n2"),
        c(
            "zero weight switches a score off",
            RESOURCES_ONLY,
            List.of(node("n1").zone("a").build(), node("n2").zone("b").build()),
            List.of(pod("a").cpu("1").nodeName("n1").build()),
            pod("p")
                .preferredNodeAffinity(100, term(req(ZONE, NODE_SELECTOR_OPERATOR_IN, "a")))
                .build(),
            "n2"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void theExpectedNodeScoresHighest(Case tc) {
    ClusterSnapshot snap = Fixtures.snapshot(tc.nodes(), tc.existing());
    PlacementAlgorithm algo = new PlacementAlgorithm(tc.config());
    PodInfo pod = PodInfo.of(tc.pod());

    Map<String, Long> scores = algo.scores(pod, snap);
    long best = scores.get(tc.best());
    scores.forEach(
        (node, score) -> {
          if (!node.equals(tc.best())) {
            assertThat(score).as("score of %s vs %s", node, tc.best()).isLessThan(best);
          }
        });
    assertThat(algo.schedule(pod, snap).nodeName()).isEqualTo(tc.best());
  }
}
