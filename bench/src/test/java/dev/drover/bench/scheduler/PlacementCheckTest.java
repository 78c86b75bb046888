package dev.drover.bench.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.api.v1.Container;
import dev.drover.api.v1.Node;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.ResourceRequirements;
import dev.drover.api.v1.Taint;
import dev.drover.api.v1.TaintEffect;
import dev.drover.api.v1.Toleration;
import dev.drover.api.v1.TolerationOperator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The scheduler benchmark's placement check finds each kind of wrong placement, and only those. */
class PlacementCheckTest {
  private static final String ZONE = SchedulerBench.ZONE;
  private static final String HOST = SchedulerBench.HOSTNAME;

  /** n0 (zone1, tainted), n1 (zone1), n2 (zone3): 1 CPU, 1Gi and 2 pods each. */
  private static final List<Node> NODES =
      List.of(node(0, "zone1", true), node(1, "zone1", false), node(2, "zone3", false));

  private static Node node(int i, String zone, boolean tainted) {
    Node.Builder b = Node.newBuilder();
    b.setMetadata(
        ObjectMeta.newBuilder().setName("n" + i).putLabels(HOST, "n" + i).putLabels(ZONE, zone));
    b.getStatusBuilder()
        .putAllocatable("cpu", "1")
        .putAllocatable("memory", "1Gi")
        .putAllocatable("pods", "2");
    if (tainted) {
      b.getSpecBuilder()
          .addTaints(
              Taint.newBuilder()
                  .setKey("reserved")
                  .setEffect(TaintEffect.TAINT_EFFECT_NO_SCHEDULE));
    }
    return b.build();
  }

  private static Pod.Builder pod(String name, String node, String cpu) {
    Pod.Builder b = Pod.newBuilder();
    b.setMetadata(ObjectMeta.newBuilder().setName(name).setNamespace("bench"));
    b.getSpecBuilder()
        .setNodeName(node)
        .addContainers(
            Container.newBuilder()
                .setName("c")
                .setResources(ResourceRequirements.newBuilder().putRequests("cpu", cpu)));
    return b;
  }

  private static Map<String, Integer> check(Pod.Builder... pods) {
    return PlacementCheck.of(NODES, List.of(pods).stream().map(Pod.Builder::build).toList())
        .byRule();
  }

  @Test
  void aValidPlacementHasNoViolations() {
    assertThat(check(pod("p1", "n1", "500m"), pod("p2", "n1", "500m"), pod("p3", "n2", "1")))
        .isEmpty();
  }

  @Test
  void requestsOverAllocatableAreCounted() {
    // 1.5 CPU and 3 pods on a node with 1 CPU and room for 2.
    assertThat(check(pod("p1", "n1", "500m"), pod("p2", "n1", "500m"), pod("p3", "n1", "500m")))
        .containsEntry("resources", 2);
  }

  @Test
  void aTaintIsCountedUnlessThePodToleratesIt() {
    assertThat(check(pod("p1", "n0", "100m"))).containsEntry("taints", 1);
    Pod.Builder tolerating = pod("p2", "n0", "100m");
    tolerating
        .getSpecBuilder()
        .addTolerations(
            Toleration.newBuilder()
                .setKey("reserved")
                .setOperator(TolerationOperator.TOLERATION_OPERATOR_EXISTS));
    assertThat(check(tolerating)).isEmpty();
  }

  /** One of the bench's workload pods (built by {@link SchedulerBench}) bound to {@code node}. */
  private static Pod.Builder on(Pod p, String node) {
    Pod.Builder b = p.toBuilder();
    b.getSpecBuilder().setNodeName(node);
    return b;
  }

  @Test
  void requiredNodeAffinityIsChecked() {
    // The affinity workload's pods require zone1 or zone2.
    assertThat(check(on(SchedulerBench.affinityPod(1), "n1"))).isEmpty();
    assertThat(check(on(SchedulerBench.affinityPod(2), "n2"))).containsEntry("node affinity", 1);
  }

  @Test
  void twoPodsOfAnAntiAffinityTermInOneDomainAreCounted() {
    Pod g1 = SchedulerBench.antiAffinityPod(1);
    Pod g2 = SchedulerBench.antiAffinityPod(2);
    assertThat(check(on(g1, "n1"), on(g2, "n2"))).isEmpty();
    // Each pod of the pair breaks its own term.
    assertThat(check(on(g1, "n1"), on(g2, "n1"))).containsEntry("anti-affinity", 2);
  }

  @Test
  void aSpreadSkewOverMaxSkewIsCounted() {
    Pod s1 = SchedulerBench.spreadPod(1);
    Pod s2 = SchedulerBench.spreadPod(2);
    assertThat(check(on(s1, "n1"), on(s2, "n2"))).isEmpty();
    // zone1 holds 2, zone3 none: skew 2 > maxSkew 1.
    assertThat(check(on(s1, "n1"), on(s2, "n1"))).containsEntry("spread skew", 1);
  }
}
