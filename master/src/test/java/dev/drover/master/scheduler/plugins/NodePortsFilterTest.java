package dev.drover.master.scheduler.plugins;

import static dev.drover.master.scheduler.Fixtures.node;
import static dev.drover.master.scheduler.Fixtures.pod;
import static dev.drover.master.scheduler.Fixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.api.v1.Protocol;
import dev.drover.master.scheduler.framework.ClusterSnapshot;
import dev.drover.master.scheduler.framework.CycleState;
import dev.drover.master.scheduler.framework.PodInfo;
import dev.drover.master.scheduler.framework.Status;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodePortsFilterTest {

  private final NodePortsFilter plugin = new NodePortsFilter();
  private final PodInfo web =
      pod("web").hostPort(80, Protocol.PROTOCOL_TCP).nodeName("n1").priority(1).info();
  private final ClusterSnapshot snap =
      snapshot(List.of(node("n1").build(), node("n2").build()), List.of(web.pod()));

  @Test
  void aTakenHostPortIsResolvableByEviction() {
    PodInfo pod = pod("p").hostPort(80, Protocol.PROTOCOL_TCP).priority(5).info();
    assertThat(Plugins.filter(plugin, pod, snap, "n2")).isEqualTo(Status.SUCCESS);
    assertThat(Plugins.filter(plugin, pod, snap, "n1")).isEqualTo(Status.UNSCHEDULABLE);
    assertThat(Plugins.reasons(plugin, pod, snap, "n1"))
        .isEqualTo(Map.of(NodePortsFilter.REASON, 1));
    CycleState state = new CycleState(pod, snap);
    assertThat(plugin.fitsAfterEvicting(pod, snap.node("n1"), List.of(web), state)).isTrue();
    assertThat(plugin.fitsAfterEvicting(pod, snap.node("n1"), List.of(), state)).isFalse();
  }

  @Test
  void theSamePortWithAnotherProtocolIsFree() {
    PodInfo udp = pod("dns").hostPort(80, Protocol.PROTOCOL_UDP).info();
    assertThat(Plugins.filter(plugin, udp, snap, "n1")).isEqualTo(Status.SUCCESS);
  }

  @Test
  void aNominatedPodKeepsItsPortAgainstLessImportantPods() {
    PodInfo nominated = pod("nom").hostPort(8080, Protocol.PROTOCOL_TCP).priority(10).info();
    snap.nominate(nominated, "n2");
    PodInfo low = pod("low").hostPort(8080, Protocol.PROTOCOL_TCP).priority(5).info();
    PodInfo high = pod("high").hostPort(8080, Protocol.PROTOCOL_TCP).priority(20).info();
    assertThat(Plugins.filter(plugin, low, snap, "n2")).isEqualTo(Status.UNSCHEDULABLE);
    assertThat(Plugins.filter(plugin, high, snap, "n2")).isEqualTo(Status.SUCCESS);
  }
}
