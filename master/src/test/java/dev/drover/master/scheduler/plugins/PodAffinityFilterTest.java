package dev.drover.master.scheduler.plugins;

import static dev.drover.master.scheduler.Fixtures.ZONE;
import static dev.drover.master.scheduler.Fixtures.node;
import static dev.drover.master.scheduler.Fixtures.pod;
import static dev.drover.master.scheduler.Fixtures.podTerm;
import static dev.drover.master.scheduler.Fixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.api.v1.Node;
import dev.drover.master.scheduler.framework.ClusterSnapshot;
import dev.drover.master.scheduler.framework.PodInfo;
import dev.drover.master.scheduler.framework.Status;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PodAffinityFilterTest {

  private final PodAffinityFilter plugin = new PodAffinityFilter();
  private final List<Node> nodes =
      List.of(node("a1").zone("a").build(), node("b1").zone("b").build());

  @Test
  void goesOnlyWhereAMatchingPodRuns() {
    ClusterSnapshot snap =
        snapshot(nodes, List.of(pod("cache").label("app", "cache").nodeName("a1").build()));
    PodInfo web = pod("web").requiredAffinity(podTerm(ZONE, "app", "cache")).info();
    assertThat(Plugins.filter(plugin, web, snap, "a1")).isEqualTo(Status.SUCCESS);
    assertThat(Plugins.filter(plugin, web, snap, "b1"))
        .isEqualTo(Status.UNSCHEDULABLE_AND_UNRESOLVABLE);
    assertThat(Plugins.reasons(plugin, web, snap, "b1"))
        .isEqualTo(Map.of(PodAffinityFilter.REASON, 1));
  }

  @Test
  void theFirstPodOfAGroupThatWantsItsOwnKindMayGoAnywhere() {
    ClusterSnapshot empty = snapshot(nodes, List.of());
    PodInfo first =
        pod("first").label("app", "cache").requiredAffinity(podTerm(ZONE, "app", "cache")).info();
    assertThat(Plugins.filter(plugin, first, empty, "b1")).isEqualTo(Status.SUCCESS);
    PodInfo stranger = pod("s").requiredAffinity(podTerm(ZONE, "app", "cache")).info();
    assertThat(Plugins.filter(plugin, stranger, empty, "b1"))
        .isEqualTo(Status.UNSCHEDULABLE_AND_UNRESOLVABLE);
  }
}
