package dev.drover.master.scheduler.plugins;

import static dev.drover.api.v1.NodeSelectorOperator.NODE_SELECTOR_OPERATOR_IN;
import static dev.drover.master.scheduler.Fixtures.ZONE;
import static dev.drover.master.scheduler.Fixtures.node;
import static dev.drover.master.scheduler.Fixtures.pod;
import static dev.drover.master.scheduler.Fixtures.req;
import static dev.drover.master.scheduler.Fixtures.snapshot;
import static dev.drover.master.scheduler.Fixtures.term;
import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.master.scheduler.framework.ClusterSnapshot;
import dev.drover.master.scheduler.framework.PodInfo;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeAffinityScoreTest {

  private final ClusterSnapshot snap =
      snapshot(
          List.of(
              node("a").zone("a").label("disk", "ssd").build(),
              node("b").zone("b").label("disk", "ssd").build(),
              node("c").zone("c").build()),
          List.of());

  @Test
  void sumsTheWeightsOfMatchedTermsScaledToTheBest() {
    PodInfo pod =
        pod("p")
            .preferredNodeAffinity(30, term(req(ZONE, NODE_SELECTOR_OPERATOR_IN, "a")))
            .preferredNodeAffinity(10, term(req("disk", NODE_SELECTOR_OPERATOR_IN, "ssd")))
            .info();
    assertThat(Plugins.scores(new NodeAffinityScore(2), pod, snap))
        .isEqualTo(Map.of("a", 100L, "b", 25L, "c", 0L));
  }

  @Test
  void saysNothingWithoutPreferredTermsOrMatches() {
    assertThat(Plugins.scores(new NodeAffinityScore(2), pod("p").info(), snap)).isEmpty();
    PodInfo nowhere =
        pod("q").preferredNodeAffinity(5, term(req(ZONE, NODE_SELECTOR_OPERATOR_IN, "z"))).info();
    assertThat(Plugins.scores(new NodeAffinityScore(2), nowhere, snap)).isEmpty();
  }
}
