package dev.drover.master.scheduler.plugins;

import static dev.drover.master.scheduler.Fixtures.ZONE;
import static dev.drover.master.scheduler.Fixtures.node;
import static dev.drover.master.scheduler.Fixtures.pod;
import static dev.drover.master.scheduler.Fixtures.podTerm;
import static dev.drover.master.scheduler.Fixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.master.scheduler.framework.ClusterSnapshot;
import dev.drover.master.scheduler.framework.PodInfo;
import dev.drover.master.scheduler.framework.Status;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PodAntiAffinityFilterTest {

  private final PodAntiAffinityFilter plugin = new PodAntiAffinityFilter();
  private final ClusterSnapshot snap =
      snapshot(
          List.of(node("a1").zone("a").build(), node("b1").zone("b").build()),
          List.of(
              pod("db")
                  .label("app", "db")
                  .requiredAntiAffinity(podTerm(ZONE, "app", "batch"))
                  .nodeName("a1")
                  .build()));

  @Test
  void thePodsOwnTermKeepsItAwayFromMatchingPods() {
    PodInfo db2 = pod("db2").requiredAntiAffinity(podTerm(ZONE, "app", "db")).info();
    assertThat(Plugins.filter(plugin, db2, snap, "b1")).isEqualTo(Status.SUCCESS);
    assertThat(Plugins.reasons(plugin, db2, snap, "a1"))
        .isEqualTo(Map.of(PodAntiAffinityFilter.REASON, 1));
  }

  @Test
  void placedPodsTermsKeepMatchingPodsAway() {
    PodInfo batch = pod("batch").label("app", "batch").info();
    assertThat(Plugins.filter(plugin, batch, snap, "a1"))
        .isEqualTo(Status.UNSCHEDULABLE_AND_UNRESOLVABLE);
    assertThat(Plugins.reasons(plugin, batch, snap, "a1"))
        .isEqualTo(Map.of(PodAntiAffinityFilter.EXISTING_REASON, 1));
    assertThat(Plugins.filter(plugin, batch, snap, "b1")).isEqualTo(Status.SUCCESS);
  }
}
