package dev.drover.master.controller;

import static dev.drover.master.controller.Fixtures.makeReady;
import static dev.drover.testing.TestObjects.meta;
import static dev.drover.testing.TestObjects.node;
import static dev.drover.testing.TestObjects.selector;
import static dev.drover.testing.TestObjects.template;
import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.api.ApiObjects;
import dev.drover.api.v1.Deployment;
import dev.drover.api.v1.DeploymentSpec;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Lease;
import dev.drover.api.v1.LeaseSpec;
import dev.drover.api.v1.Node;
import dev.drover.api.v1.NodeStatus;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.ReplicaSet;
import dev.drover.api.v1.ReplicaSetSpec;
import dev.drover.api.v1.TaintEffect;
import dev.drover.master.controller.deployment.DeploymentController;
import dev.drover.master.controller.gc.GarbageCollector;
import dev.drover.master.controller.node.NodeLifecycleController;
import dev.drover.master.controller.replicaset.ReplicaSetController;
import dev.drover.testing.TestObjects;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Several controllers over one fake cluster, with the test playing the scheduler (bind pending pods
 * to an untainted node) and the agents (ready pods, lease renewals, confirming that pods stopped).
 */
class ControllersTogetherTest {
  private static final Map<String, String> LABELS = Map.of("app", "web");

  private final Harness h = new Harness();

  ControllersTogetherTest() {
    h.cluster.boundPodsWaitForAgent(true);
    h.add(new ReplicaSetController(h.context()));
    h.add(new DeploymentController(h.context()));
    h.add(new NodeLifecycleController(h.context()));
    h.add(new GarbageCollector(h.context()));
    for (String name : List.of("n1", "n2")) {
      h.cluster.create(
          node(name, Map.of()).toBuilder()
              .setStatus(NodeStatus.newBuilder().addConditions(TestObjects.ready(true)))
              .build());
      h.cluster.create(
          Lease.newBuilder()
              .setMetadata(
                  ObjectMeta.newBuilder()
                      .setName(name)
                      .setNamespace(NodeLifecycleController.LEASE_NAMESPACE))
              .setSpec(LeaseSpec.newBuilder().setRenewTime(ApiObjects.timestamp(h.clock.instant())))
              .build());
    }
    h.settle();
  }

  private void heartbeat(String node) {
    Lease lease = h.cluster.stored(Kind.KIND_LEASE, NodeLifecycleController.LEASE_NAMESPACE, node);
    h.cluster.update(
        lease.toBuilder()
            .setSpec(
                lease.getSpec().toBuilder().setRenewTime(ApiObjects.timestamp(h.clock.instant())))
            .build());
  }

  private List<Pod> pods() {
    return h.cluster.stored(Kind.KIND_POD);
  }

  /** Binds every pending pod to an untainted node, alternating, and makes it ready. */
  private void scheduleAndRun() {
    List<String> usable =
        h.cluster.<Node>stored(Kind.KIND_NODE).stream()
            .filter(
                n ->
                    n.getSpec().getTaintsList().stream()
                        .noneMatch(t -> t.getEffect() == TaintEffect.TAINT_EFFECT_NO_EXECUTE))
            .map(n -> n.getMetadata().getName())
            .toList();
    int i = 0;
    for (Pod pod : pods()) {
      if (pod.getSpec().getNodeName().isEmpty() && !pod.getMetadata().hasDeletionTime()) {
        makeReady(h.cluster, h.clock, pod, usable.get(i++ % usable.size()));
      }
    }
    h.settle();
  }

  /**
   * A Deployment {@code name} of {@code replicas} pods labelled {@code labels}, running {@code
   * image}.
   */
  private static Deployment deployment(
      String name, int replicas, Map<String, String> labels, String image) {
    return Deployment.newBuilder()
        .setMetadata(meta(name))
        .setSpec(
            DeploymentSpec.newBuilder()
                .setReplicas(replicas)
                .setSelector(selector(labels))
                .setTemplate(template(labels, image)))
        .build();
  }

  private long runningOn(String node) {
    return pods().stream()
        .filter(p -> node.equals(p.getSpec().getNodeName()) && Pods.isActive(p) && Pods.isReady(p))
        .count();
  }

  @Test
  void podsOfADeadNodeRunElsewhereWithinTheDefaultTimingsAndTheNodeComesBackClean() {
    h.cluster.create(deployment("web", 4, LABELS, "web:1"));
    h.settle();
    scheduleAndRun();
    assertThat(runningOn("n1")).isEqualTo(2);
    assertThat(runningOn("n2")).isEqualTo(2);

    Instant death = h.clock.instant();
    // n1's agent dies; n2 keeps heartbeating every second; the test schedules what is pending.
    while (runningOn("n2") < 4 && h.clock.instant().isBefore(death.plusSeconds(30))) {
      h.clock.advance(Duration.ofSeconds(1));
      heartbeat("n2");
      h.settle();
      scheduleAndRun();
    }
    Duration elapsed = Duration.between(death, h.clock.instant());
    assertThat(runningOn("n2")).isEqualTo(4);
    assertThat(elapsed)
        .as("6 s grace + 4 s toleration")
        .isLessThanOrEqualTo(Duration.ofSeconds(10));
    assertThat(h.cluster.eventReasons("n1")).contains("NodeNotReady");
    List<Pod> terminating = pods().stream().filter(p -> p.getMetadata().hasDeletionTime()).toList();
    assertThat(terminating).hasSize(2).allMatch(p -> p.getSpec().getNodeName().equals("n1"));

    // n1 comes back: its taint goes and its agent stops the replaced pods.
    heartbeat("n1");
    h.settle();
    assertThat(h.cluster.<Node>stored(Kind.KIND_NODE, "", "n1").getSpec().getTaintsList())
        .isEmpty();
    terminating.forEach(p -> h.cluster.confirmTermination("default", p.getMetadata().getName()));
    h.settle();
    assertThat(pods()).hasSize(4).allMatch(Pods::isActive);
  }

  @Test
  void deletingADeploymentRemovesItsReplicaSetsAndPods() {
    h.cluster.create(deployment("web", 2, LABELS, "web:1"));
    h.settle();
    scheduleAndRun();
    h.cluster.delete(Kind.KIND_DEPLOYMENT, "default", "web", DeleteOptions.background());
    h.settle();
    assertThat(h.cluster.<ReplicaSet>stored(Kind.KIND_REPLICA_SET)).isEmpty();
    assertThat(pods()).hasSize(2).allMatch(p -> p.getMetadata().hasDeletionTime());
    pods().forEach(p -> h.cluster.confirmTermination("default", p.getMetadata().getName()));
    h.settle();
    assertThat(pods()).isEmpty();
  }

  private List<String> podDeletes() {
    return h.cluster.writes().stream().filter(w -> w.startsWith("delete KIND_POD")).toList();
  }

  /**
   * A Deployment and a ReplicaSet with the same selector applied together, as issue 21 found them:
   * the Deployment may adopt the orphan set (its labels match), but no Running pod is killed and
   * nothing churns once both have settled.
   */
  @Test
  void aDeploymentAndAReplicaSetWithTheSameSelectorAppliedTogetherKillNoRunningPod() {
    h.cluster.create(deployment("web", 1, LABELS, "web:1"));
    h.cluster.create(
        ReplicaSet.newBuilder()
            .setMetadata(meta("web-rs", LABELS))
            .setSpec(
                ReplicaSetSpec.newBuilder()
                    .setReplicas(1)
                    .setSelector(selector(LABELS))
                    .setTemplate(template(LABELS, "web:1")))
            .build());
    h.settle();
    // Nothing ran yet: from here on, any pod deleted would be a running one.
    h.cluster.clearWrites();
    for (int i = 0; i < 10; i++) {
      scheduleAndRun();
      heartbeat("n1");
      heartbeat("n2");
      h.advance(Duration.ofSeconds(10));
    }
    assertThat(podDeletes()).as("running pods deleted").isEmpty();
    List<Pod> running = pods().stream().filter(p -> Pods.isActive(p) && Pods.isReady(p)).toList();
    assertThat(running).hasSize(1);
    ReplicaSet standalone = h.cluster.stored(Kind.KIND_REPLICA_SET, "default", "web-rs");
    assertThat(standalone).isNotNull();
  }

  /** A ReplicaSet another controller owns is never adopted, scaled or emptied by a Deployment. */
  @Test
  void aDeploymentNeverTouchesAReplicaSetOwnedBySomeoneElse() {
    h.cluster.create(deployment("other", 2, Map.of("app", "other"), "other:1"));
    h.settle();
    scheduleAndRun();
    ReplicaSet owned = h.cluster.<ReplicaSet>stored(Kind.KIND_REPLICA_SET).get(0);
    // A second Deployment whose selector also matches that set's labels.
    Map<String, String> tier = Map.of("tier", "web");
    h.cluster.update(
        owned.toBuilder().setMetadata(owned.getMetadata().toBuilder().putAllLabels(tier)).build());
    h.cluster.create(deployment("web", 1, tier, "web:1"));
    h.settle();
    scheduleAndRun();
    ReplicaSet after =
        h.cluster.stored(Kind.KIND_REPLICA_SET, "default", owned.getMetadata().getName());
    assertThat(ApiObjects.controllerOf(after.getMetadata()).orElseThrow().getName())
        .isEqualTo("other");
    assertThat(after.getSpec().getReplicas()).isEqualTo(2);
  }
}
