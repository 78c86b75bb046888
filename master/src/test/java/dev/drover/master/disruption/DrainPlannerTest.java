package dev.drover.master.disruption;

import static dev.drover.master.controller.Fixtures.makeReady;
import static dev.drover.testing.TestObjects.meta;
import static dev.drover.testing.TestObjects.selector;
import static dev.drover.testing.TestObjects.template;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import dev.drover.api.ApiObjects;
import dev.drover.api.v1.DaemonSet;
import dev.drover.api.v1.Deployment;
import dev.drover.api.v1.DeploymentSpec;
import dev.drover.api.v1.DeploymentStrategy;
import dev.drover.api.v1.IntOrString;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.RollingUpdateDeployment;
import dev.drover.master.controller.DeleteOptions;
import dev.drover.master.controller.Harness;
import dev.drover.master.controller.Pods;
import dev.drover.master.controller.deployment.DeploymentController;
import dev.drover.master.controller.replicaset.ReplicaSetController;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DrainPlannerTest {
  private static final Map<String, String> LABELS = Map.of("app", "web");

  private final Harness h = new Harness();

  DrainPlannerTest() {
    h.add(new ReplicaSetController(h.context()));
    h.add(new DeploymentController(h.context()));
  }

  /** The controllers' fake cluster as the reads a drain plans from. */
  private ClusterReads reads() {
    return new ClusterReads() {
      @Override
      public <T extends Message> Optional<T> get(Kind kind, String namespace, String name) {
        return h.cluster.get(kind, namespace, name);
      }

      @Override
      public <T extends Message> List<T> list(Kind kind, String namespace) {
        return h.cluster.list(kind, namespace, null);
      }
    };
  }

  private void bindPending(String node) {
    for (Pod pod : h.cluster.<Pod>stored(Kind.KIND_POD)) {
      if (pod.getSpec().getNodeName().isEmpty()) {
        makeReady(h.cluster, h.clock, pod, node);
      }
    }
    h.settle();
  }

  @Test
  void evictsOnlyWhatKeepsDeploymentsAvailableAndLeavesDaemonPods() {
    h.cluster.create(
        Deployment.newBuilder()
            .setMetadata(meta("web"))
            .setSpec(
                DeploymentSpec.newBuilder()
                    .setReplicas(4)
                    .setSelector(selector(LABELS))
                    .setTemplate(template(LABELS, "web:1"))
                    .setStrategy(
                        DeploymentStrategy.newBuilder()
                            .setRollingUpdate(
                                RollingUpdateDeployment.newBuilder()
                                    .setMaxUnavailable(IntOrString.newBuilder().setIntValue(1)))))
            .build());
    h.settle();
    bindPending("n1");
    h.cluster.create(
        Pod.newBuilder()
            .setMetadata(meta("bare"))
            .setSpec(template(Map.of(), "x").getSpec().toBuilder().setNodeName("n1"))
            .build());
    DaemonSet ds = h.cluster.create(DaemonSet.newBuilder().setMetadata(meta("agent")).build());
    h.cluster.create(
        Pod.newBuilder()
            .setMetadata(
                meta("agent-1").toBuilder().addOwnerReferences(ApiObjects.controllerRef(ds)))
            .setSpec(template(Map.of(), "x").getSpec().toBuilder().setNodeName("n1"))
            .build());

    DrainPlanner.Plan plan = DrainPlanner.plan(reads(), "n1", h.clock.instant());
    assertThat(plan.daemonSetPods())
        .extracting(p -> p.getMetadata().getName())
        .containsExactly("agent-1");
    assertThat(plan.evictNow()).extracting(p -> p.getMetadata().getName()).contains("bare");
    assertThat(plan.evictNow()).hasSize(2);
    assertThat(plan.waiting()).hasSize(3);

    // Evict what the plan allows; the replacement starts elsewhere; then one more may go.
    Pod evicted =
        plan.evictNow().stream()
            .filter(p -> !p.getMetadata().getName().equals("bare"))
            .findFirst()
            .orElseThrow();
    h.cluster.delete(
        Kind.KIND_POD, "default", evicted.getMetadata().getName(), DeleteOptions.background());
    h.cluster.delete(Kind.KIND_POD, "default", "bare", DeleteOptions.background());
    h.settle();
    assertThat(DrainPlanner.plan(reads(), "n1", h.clock.instant()).evictNow()).isEmpty();
    bindPending("n2");
    List<Pod> next = DrainPlanner.plan(reads(), "n1", h.clock.instant()).evictNow();
    assertThat(next).hasSize(1).allMatch(Pods::isReady);
  }
}
