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
import dev.drover.master.scheduler.framework.Status;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeAffinityFilterTest {

  private final NodeAffinityFilter plugin = new NodeAffinityFilter();
  private final ClusterSnapshot snap =
      snapshot(
          List.of(
              node("a").zone("a").label("disk", "ssd").build(),
              node("b").zone("b").label("disk", "ssd").build()),
          List.of());

  @Test
  void nodeSelectorAndRequiredTermsBothApply() {
    PodInfo pod =
        pod("p")
            .nodeSelector("disk", "ssd")
            .requiredNodeAffinity(term(req(ZONE, NODE_SELECTOR_OPERATOR_IN, "b")))
            .info();
    assertThat(Plugins.filter(plugin, pod, snap, "b")).isEqualTo(Status.SUCCESS);
    assertThat(Plugins.filter(plugin, pod, snap, "a"))
        .isEqualTo(Status.UNSCHEDULABLE_AND_UNRESOLVABLE);
    assertThat(Plugins.reasons(plugin, pod, snap, "a"))
        .isEqualTo(Map.of(NodeAffinityFilter.REASON, 1));
    PodInfo hdd = pod("q").nodeSelector("disk", "hdd").info();
    assertThat(Plugins.filter(plugin, hdd, snap, "b"))
        .isEqualTo(Status.UNSCHEDULABLE_AND_UNRESOLVABLE);
  }

  @Test
  void podsWithTheSameSelectionSeeNodeLabelChanges() {
    PodInfo first = pod("p1").nodeSelector("disk", "hdd").info();
    assertThat(Plugins.filter(plugin, first, snap, "a"))
        .isEqualTo(Status.UNSCHEDULABLE_AND_UNRESOLVABLE);
    // The verdict on "a" is remembered for this selection until the node's labels change.
    snap.upsertNode(node("a").zone("a").label("disk", "hdd").build());
    PodInfo second = pod("p2").nodeSelector("disk", "hdd").info();
    assertThat(Plugins.filter(plugin, second, snap, "a")).isEqualTo(Status.SUCCESS);
    assertThat(Plugins.filter(plugin, second, snap, "b"))
        .isEqualTo(Status.UNSCHEDULABLE_AND_UNRESOLVABLE);
    // Removing a node renumbers the others; their verdicts must follow the nodes.
    snap.removeNode("a");
    assertThat(Plugins.filter(plugin, pod("p3").nodeSelector("disk", "ssd").info(), snap, "b"))
        .isEqualTo(Status.SUCCESS);
  }
}
