package dev.drover.master.scheduler.framework;

import static dev.drover.api.v1.TaintEffect.TAINT_EFFECT_NO_EXECUTE;
import static dev.drover.api.v1.TaintEffect.TAINT_EFFECT_PREFER_NO_SCHEDULE;
import static dev.drover.master.scheduler.Fixtures.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The snapshot's counts of live nodes per condition, which let filters be skipped. */
class ClusterSnapshotConditionsTest {

  private final ClusterSnapshot snap = new ClusterSnapshot();

  @Test
  void countsFollowUpdatesAndRemovals() {
    snap.upsertNode(node("a").notReady().build());
    snap.upsertNode(node("b").unschedulable().build());
    snap.upsertNode(node("c").taint("k", "v", TAINT_EFFECT_NO_EXECUTE).build());
    snap.upsertNode(node("d").taint("k", "v", TAINT_EFFECT_PREFER_NO_SCHEDULE).build());
    assertThat(counts()).containsExactly(1, 1, 1);

    snap.upsertNode(node("a").build());
    snap.upsertNode(node("b").unschedulable().build());
    assertThat(counts()).containsExactly(0, 1, 1);

    snap.removeNode("b");
    snap.removeNode("c");
    snap.removeNode("c");
    assertThat(counts()).containsExactly(0, 0, 0);

    snap.upsertNode(node("c").notReady().taint("k", "v", TAINT_EFFECT_NO_EXECUTE).build());
    assertThat(counts()).containsExactly(1, 0, 1);
  }

  @Test
  void aRejectedUpdateLeavesTheCountsAlone() {
    snap.upsertNode(node("a").notReady().build());
    assertThatThrownBy(() -> snap.upsertNode(node("a").cpu("lots").build()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(counts()).containsExactly(1, 0, 0);
  }

  private int[] counts() {
    return new int[] {
      snap.notReadyNodeCount(), snap.unschedulableNodeCount(), snap.taintedNodeCount()
    };
  }
}
