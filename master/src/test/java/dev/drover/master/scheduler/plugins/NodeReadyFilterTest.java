package dev.drover.master.scheduler.plugins;

import static dev.drover.master.scheduler.Fixtures.node;
import static dev.drover.master.scheduler.Fixtures.pod;
import static dev.drover.master.scheduler.Fixtures.snapshot;
import static dev.drover.master.scheduler.Fixtures.tolerateExists;
import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.master.scheduler.framework.ClusterSnapshot;
import dev.drover.master.scheduler.framework.Status;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeReadyFilterTest {

  private final NodeReadyFilter plugin = new NodeReadyFilter();
  private final ClusterSnapshot snap =
      snapshot(List.of(node("ready").build(), node("down").notReady().build()), List.of());

  @Test
  void refusesNodesThatAreNotReadyUnlessTolerated() {
    assertThat(Plugins.filter(plugin, pod("p").info(), snap, "ready")).isEqualTo(Status.SUCCESS);
    assertThat(Plugins.filter(plugin, pod("p").info(), snap, "down"))
        .isEqualTo(Status.UNSCHEDULABLE_AND_UNRESOLVABLE);
    assertThat(Plugins.reasons(plugin, pod("p").info(), snap, "down"))
        .isEqualTo(Map.of(NodeReadyFilter.REASON, 1));
    var tolerant = pod("t").toleration(tolerateExists(NodeReadyFilter.TAINT_KEY)).info();
    assertThat(Plugins.filter(plugin, tolerant, snap, "down")).isEqualTo(Status.SUCCESS);
  }
}
