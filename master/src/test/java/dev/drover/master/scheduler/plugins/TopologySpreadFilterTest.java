package dev.drover.master.scheduler.plugins;

import static dev.drover.master.scheduler.Fixtures.ZONE;
import static dev.drover.master.scheduler.Fixtures.node;
import static dev.drover.master.scheduler.Fixtures.pod;
import static dev.drover.master.scheduler.Fixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.master.scheduler.framework.ClusterSnapshot;
import dev.drover.master.scheduler.framework.PodInfo;
import dev.drover.master.scheduler.framework.Status;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TopologySpreadFilterTest {

  private final TopologySpreadFilter plugin = new TopologySpreadFilter();
  private final ClusterSnapshot snap =
      snapshot(
          List.of(node("a1").zone("a").build(), node("b1").zone("b").build(), node("bare").build()),
          List.of(pod("w1").label("app", "web").nodeName("a1").build()));

  @Test
  void refusesADomainThatWouldExceedMaxSkew() {
    PodInfo web = pod("w2").label("app", "web").spread(1, ZONE, true, "app", "web").info();
    assertThat(Plugins.filter(plugin, web, snap, "b1")).isEqualTo(Status.SUCCESS);
    assertThat(Plugins.filter(plugin, web, snap, "a1"))
        .isEqualTo(Status.UNSCHEDULABLE_AND_UNRESOLVABLE);
    assertThat(Plugins.reasons(plugin, web, snap, "a1"))
        .isEqualTo(Map.of(TopologySpreadFilter.REASON, 1));
    assertThat(Plugins.reasons(plugin, web, snap, "bare"))
        .isEqualTo(Map.of(TopologySpreadFilter.MISSING_LABEL, 1));
  }

  @Test
  void aPodWithoutConstraintsPassesEverywhere() {
    assertThat(Plugins.filter(plugin, pod("p").info(), snap, "bare")).isEqualTo(Status.SUCCESS);
  }
}
