package dev.drover.master.scheduler.plugins;

import static dev.drover.master.scheduler.Fixtures.ZONE;
import static dev.drover.master.scheduler.Fixtures.node;
import static dev.drover.master.scheduler.Fixtures.pod;
import static dev.drover.master.scheduler.Fixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.master.scheduler.framework.ClusterSnapshot;
import dev.drover.master.scheduler.framework.PodInfo;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TopologySpreadScoreTest {

  private final ClusterSnapshot snap =
      snapshot(
          List.of(node("a1").zone("a").build(), node("b1").zone("b").build(), node("x").build()),
          List.of(
              pod("w1").label("app", "web").nodeName("a1").build(),
              pod("w2").label("app", "web").nodeName("a1").build()));

  @Test
  void emptierDomainsScoreHigherAndUnlabelledNodesZero() {
    PodInfo web = pod("w3").label("app", "web").spread(1, ZONE, false, "app", "web").info();
    Map<String, Long> s = Plugins.scores(new TopologySpreadScore(2), web, snap);
    assertThat(s).containsEntry("b1", 100L).containsEntry("x", 0L);
    assertThat(s.get("a1")).isLessThan(s.get("b1"));
  }

  @Test
  void saysNothingWithoutScheduleAnywayConstraints() {
    PodInfo hard = pod("h").label("app", "web").spread(1, ZONE, true, "app", "web").info();
    assertThat(Plugins.scores(new TopologySpreadScore(2), hard, snap)).isEmpty();
  }
}
