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

class NodeUnschedulableFilterTest {

  private final NodeUnschedulableFilter plugin = new NodeUnschedulableFilter();
  private final ClusterSnapshot snap =
      snapshot(List.of(node("open").build(), node("cordoned").unschedulable().build()), List.of());

  @Test
  void refusesCordonedNodesUnlessTolerated() {
    assertThat(Plugins.filter(plugin, pod("p").info(), snap, "open")).isEqualTo(Status.SUCCESS);
    assertThat(Plugins.reasons(plugin, pod("p").info(), snap, "cordoned"))
        .isEqualTo(Map.of(NodeUnschedulableFilter.REASON, 1));
    var tolerant = pod("t").toleration(tolerateExists(NodeUnschedulableFilter.TAINT_KEY)).info();
    assertThat(Plugins.filter(plugin, tolerant, snap, "cordoned")).isEqualTo(Status.SUCCESS);
  }
}
