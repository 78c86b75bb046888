package dev.drover.bench.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.api.v1.Affinity;
import dev.drover.api.v1.Container;
import dev.drover.api.v1.LabelSelector;
import dev.drover.api.v1.Node;
import dev.drover.api.v1.NodeAffinity;
import dev.drover.api.v1.NodeSelector;
import dev.drover.api.v1.NodeSelectorOperator;
import dev.drover.api.v1.NodeSelectorRequirement;
import dev.drover.api.v1.NodeSelectorTerm;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodAffinityTerm;
import dev.drover.api.v1.PodAntiAffinity;
import dev.drover.api.v1.ResourceRequirements;
import dev.drover.api.v1.Taint;
import dev.drover.api.v1.TaintEffect;
import dev.drover.api.v1.Toleration;
import dev.drover.api.v1.TolerationOperator;
import dev.drover.api.v1.TopologySpreadConstraint;
import dev.drover.api.v1.UnsatisfiableConstraintAction;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The scheduler benchmark's placement check finds each kind of wrong placement, and only those. */
class PlacementCheckTest {
  private static final String ZONE = "zone";
  private static final String HOST = "host";

  /** n0 (zone a, tainted), n1 (zone a), n2 (zone b): 1 CPU, 1Gi and 2 pods each. */
  private static final List<Node> NODES =
      List.of(node(0, "a", true), node(1, "a", false), node(2, "b", false));

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

  @Test
  void requiredNodeAffinityIsChecked() {
    Pod.Builder p = pod("p1", "n1", "100m");
    p.getSpecBuilder()
        .setAffinity(
            Affinity.newBuilder()
                .setNodeAffinity(
                    NodeAffinity.newBuilder()
                        .setRequiredDuringSchedulingIgnoredDuringExecution(
                            NodeSelector.newBuilder()
                                .addNodeSelectorTerms(
                                    NodeSelectorTerm.newBuilder()
                                        .addMatchExpressions(
                                            NodeSelectorRequirement.newBuilder()
                                                .setKey(ZONE)
                                                .setOperator(
                                                    NodeSelectorOperator.NODE_SELECTOR_OPERATOR_IN)
                                                .addValues("b"))))));
    assertThat(check(p)).containsEntry("node affinity", 1);
  }

  private static Pod.Builder green(String name, String node) {
    Pod.Builder p = pod(name, node, "100m");
    p.getMetadataBuilder().putLabels("color", "green");
    p.getSpecBuilder()
        .setAffinity(
            Affinity.newBuilder()
                .setPodAntiAffinity(
                    PodAntiAffinity.newBuilder()
                        .addRequiredDuringSchedulingIgnoredDuringExecution(
                            PodAffinityTerm.newBuilder()
                                .setTopologyKey(HOST)
                                .setLabelSelector(
                                    LabelSelector.newBuilder().putMatchLabels("color", "green")))));
    return p;
  }

  @Test
  void twoPodsOfAnAntiAffinityTermInOneDomainAreCounted() {
    assertThat(check(green("g1", "n1"), green("g2", "n2"))).isEmpty();
    // Each pod of the pair breaks its own term.
    assertThat(check(green("g1", "n1"), green("g2", "n1"))).containsEntry("anti-affinity", 2);
  }

  private static Pod.Builder spread(String name, String node) {
    Pod.Builder p = pod(name, node, "100m");
    p.getMetadataBuilder().putLabels("app", "spread");
    p.getSpecBuilder()
        .addTopologySpreadConstraints(
            TopologySpreadConstraint.newBuilder()
                .setMaxSkew(1)
                .setTopologyKey(ZONE)
                .setWhenUnsatisfiable(
                    UnsatisfiableConstraintAction.UNSATISFIABLE_CONSTRAINT_ACTION_DO_NOT_SCHEDULE)
                .setLabelSelector(LabelSelector.newBuilder().putMatchLabels("app", "spread")));
    return p;
  }

  @Test
  void aSpreadSkewOverMaxSkewIsCounted() {
    assertThat(check(spread("s1", "n1"), spread("s2", "n2"))).isEmpty();
    // Zone a holds 2, zone b none: skew 2 > maxSkew 1.
    assertThat(check(spread("s1", "n1"), spread("s2", "n1"))).containsEntry("spread skew", 1);
  }
}
