package dev.drover.master.scheduler.plugins;

import static dev.drover.master.scheduler.Fixtures.ZONE;
import static dev.drover.master.scheduler.Fixtures.node;
import static dev.drover.master.scheduler.Fixtures.pod;
import static dev.drover.master.scheduler.Fixtures.podTerm;
import static dev.drover.master.scheduler.Fixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.master.scheduler.framework.ClusterSnapshot;
import dev.drover.master.scheduler.framework.PodInfo;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InterPodAffinityScoreTest {

  private final ClusterSnapshot snap =
      snapshot(
          List.of(node("a1").zone("a").build(), node("b1").zone("b").build()),
          List.of(
              pod("cache").label("app", "cache").nodeName("a1").build(),
              pod("batch")
                  .label("app", "batch")
                  .preferredAntiAffinity(50, podTerm(ZONE, "app", "web"))
                  .nodeName("b1")
                  .build()));

  @Test
  void preferredAffinityPullsTowardsMatchingPods() {
    PodInfo pod = pod("p").preferredAffinity(10, podTerm(ZONE, "app", "cache")).info();
    assertThat(Plugins.scores(new InterPodAffinityScore(2), pod, snap))
        .isEqualTo(Map.of("a1", 100L, "b1", 0L));
  }

  @Test
  void placedPodsPreferencesCountForTheIncomingPod() {
    PodInfo web = pod("web").label("app", "web").info();
    assertThat(Plugins.scores(new InterPodAffinityScore(2), web, snap))
        .isEqualTo(Map.of("a1", 100L, "b1", 0L));
  }

  @Test
  void saysNothingWhenNoTermApplies() {
    assertThat(Plugins.scores(new InterPodAffinityScore(2), pod("p").info(), snap)).isEmpty();
  }
}
