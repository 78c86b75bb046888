package dev.drover.master.scheduler.plugins;

import static dev.drover.master.scheduler.Fixtures.node;
import static dev.drover.master.scheduler.Fixtures.pod;
import static dev.drover.master.scheduler.Fixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.master.scheduler.framework.ClusterSnapshot;
import dev.drover.master.scheduler.framework.CycleState;
import dev.drover.master.scheduler.framework.PodInfo;
import dev.drover.master.scheduler.framework.Status;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeResourcesFitFilterTest {

  private final NodeResourcesFitFilter plugin = new NodeResourcesFitFilter();
  private final PodInfo placed =
      pod("placed").cpu("3").memory("6Gi").nodeName("n1").priority(1).info();
  private final ClusterSnapshot snap =
      snapshot(
          List.of(node("n1").pods(2).build(), node("n2").resource("example.com/gpu", "1").build()),
          List.of(placed.pod()));

  @Test
  void countsEveryMissingResourceOnce() {
    PodInfo big = pod("big").cpu("2").memory("4Gi").request("example.com/gpu", "1").info();
    assertThat(Plugins.filter(plugin, big, snap, "n1")).isEqualTo(Status.UNSCHEDULABLE);
    assertThat(Plugins.reasons(plugin, big, snap, "n1"))
        .isEqualTo(
            Map.of(
                "Insufficient cpu",
                1,
                "Insufficient memory",
                1,
                "Insufficient example.com/gpu",
                1));
    assertThat(Plugins.filter(plugin, big, snap, "n2")).isEqualTo(Status.SUCCESS);
  }

  @Test
  void thePodCountIsAResourceToo() {
    ClusterSnapshot full = snapshot(List.of(node("n1").pods(1).build()), List.of(placed.pod()));
    assertThat(Plugins.reasons(plugin, pod("tiny").info(), full, "n1"))
        .isEqualTo(Map.of(NodeResourcesFitFilter.TOO_MANY_PODS, 1));
  }

  @Test
  void fitsOnceVictimsAreEvicted() {
    PodInfo pod = pod("p").cpu("2").priority(5).info();
    CycleState state = new CycleState(pod, snap);
    assertThat(plugin.fitsAfterEvicting(pod, snap.node("n1"), List.of(placed), state)).isTrue();
    assertThat(plugin.fitsAfterEvicting(pod, snap.node("n1"), List.of(), state)).isFalse();
  }

  @Test
  void roomKeptForANominatedPodCountsAsTaken() {
    snap.nominate(pod("nom").cpu("3").priority(10).info(), "n2");
    assertThat(Plugins.filter(plugin, pod("low").cpu("2").priority(1).info(), snap, "n2"))
        .isEqualTo(Status.UNSCHEDULABLE);
    assertThat(Plugins.filter(plugin, pod("high").cpu("2").priority(20).info(), snap, "n2"))
        .isEqualTo(Status.SUCCESS);
  }
}
