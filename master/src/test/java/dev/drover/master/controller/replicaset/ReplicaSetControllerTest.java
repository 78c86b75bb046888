package dev.drover.master.controller.replicaset;

import static dev.drover.master.controller.Fixtures.makeReady;
import static dev.drover.master.controller.Fixtures.pods;
import static dev.drover.testing.TestObjects.meta;
import static dev.drover.testing.TestObjects.selector;
import static dev.drover.testing.TestObjects.template;
import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.api.ApiObjects;
import dev.drover.api.v1.Condition;
import dev.drover.api.v1.ConditionStatus;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.ReplicaSet;
import dev.drover.api.v1.ReplicaSetSpec;
import dev.drover.master.controller.DeleteOptions;
import dev.drover.master.controller.Harness;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReplicaSetControllerTest {
  private static final Map<String, String> LABELS = Map.of("app", "web");

  private final Harness h = new Harness();
  private final ReplicaSetController controller = h.add(new ReplicaSetController(h.context()));

  private ReplicaSet createRs(int replicas, int minReadySeconds) {
    return h.cluster.create(
        ReplicaSet.newBuilder()
            .setMetadata(meta("web"))
            .setSpec(
                ReplicaSetSpec.newBuilder()
                    .setReplicas(replicas)
                    .setMinReadySeconds(minReadySeconds)
                    .setSelector(selector(LABELS))
                    .setTemplate(template(LABELS, "busybox:1")))
            .build());
  }

  private ReplicaSet rs() {
    return h.cluster.stored(Kind.KIND_REPLICA_SET, "default", "web");
  }

  private void scale(int replicas) {
    ReplicaSet current = rs();
    h.cluster.update(
        current.toBuilder().setSpec(current.getSpec().toBuilder().setReplicas(replicas)).build());
    h.settle();
  }

  @Test
  void createsReplicasOwnedPodsAndReportsStatus() {
    ReplicaSet created = createRs(3, 0);
    h.settle();

    List<Pod> pods = pods(h.cluster);
    assertThat(pods).hasSize(3);
    for (Pod pod : pods) {
      assertThat(ApiObjects.isControlledBy(pod.getMetadata(), created.getMetadata().getUid()))
          .isTrue();
      assertThat(pod.getMetadata().getLabelsMap()).containsAllEntriesOf(LABELS);
      assertThat(pod.getMetadata().getName()).startsWith("web-");
    }
    assertThat(rs().getStatus().getReplicas()).isEqualTo(3);
    assertThat(rs().getStatus().getReadyReplicas()).isZero();
    assertThat(rs().getStatus().getObservedGeneration()).isEqualTo(1);
    assertThat(h.cluster.eventReasons("web")).containsOnly("SuccessfulCreate").hasSize(3);

    makeReady(h.cluster, h.clock, pods.get(0), "n1");
    h.settle();
    assertThat(rs().getStatus().getReadyReplicas()).isEqualTo(1);
    assertThat(rs().getStatus().getAvailableReplicas()).isEqualTo(1);
  }

  @Test
  void expectationsPreventDuplicateCreatesWhileTheCacheLags() {
    createRs(3, 0);
    h.settle();
    assertThat(pods(h.cluster)).hasSize(3);
    h.cluster.holdEvents();
    scale(5);
    // The cache has not seen the scale-up yet; release only the RS update, then sync again and
    // again before the pod creations are visible.
    h.cluster.releaseEvents();
    h.cluster.holdEvents();
    h.settle();
    assertThat(pods(h.cluster)).hasSize(5);
    controller.queue().add("default/web");
    h.settle();
    controller.resyncAll();
    h.settle();
    assertThat(pods(h.cluster)).as("no duplicate creates before the cache catches up").hasSize(5);
    h.cluster.releaseEvents();
    h.settle();
    assertThat(pods(h.cluster)).hasSize(5);
    assertThat(rs().getStatus().getReplicas()).isEqualTo(5);
  }

  @Test
  void creationsObservedWhileASyncListsDoNotCreateThePodsAgain() {
    createRs(3, 0);
    h.cluster.holdEvents();
    h.settle();
    assertThat(pods(h.cluster)).hasSize(3);
    // The next sync lists an empty cache; the three creations arrive just after its list.
    h.cluster.releaseEventsAfterNextList(Kind.KIND_POD);
    controller.queue().add("default/web");
    h.settle();
    assertThat(pods(h.cluster))
        .as("the stale list must not count once expectations clear")
        .hasSize(3);
    assertThat(h.cluster.eventReasons("web")).doesNotContain("SuccessfulDelete");
  }

  @Test
  void scaleDownDeletesUnscheduledAndNotReadyPodsFirst() {
    createRs(4, 0);
    h.settle();
    List<Pod> pods = pods(h.cluster);
    makeReady(h.cluster, h.clock, pods.get(0), "n1");
    makeReady(h.cluster, h.clock, pods.get(1), "n2");
    Pod scheduledNotReady = pods.get(2);
    h.cluster.update(
        h
            .cluster
            .<Pod>stored(Kind.KIND_POD, "default", scheduledNotReady.getMetadata().getName())
            .toBuilder()
            .setSpec(scheduledNotReady.getSpec().toBuilder().setNodeName("n3"))
            .build());
    h.settle();

    scale(2);
    assertThat(pods(h.cluster))
        .extracting(p -> p.getMetadata().getName())
        .containsExactlyInAnyOrder(
            pods.get(0).getMetadata().getName(), pods.get(1).getMetadata().getName());
    assertThat(h.cluster.eventReasons("web")).contains("SuccessfulDelete");

    scale(1);
    assertThat(pods(h.cluster)).hasSize(1);
  }

  @Test
  void replacesDeletedAndFailedPods() {
    createRs(2, 0);
    h.settle();
    Pod victim = pods(h.cluster).get(0);
    h.cluster.delete(
        Kind.KIND_POD, "default", victim.getMetadata().getName(), DeleteOptions.background());
    h.settle();
    assertThat(pods(h.cluster)).hasSize(2);
    assertThat(pods(h.cluster))
        .noneMatch(p -> p.getMetadata().getUid().equals(victim.getMetadata().getUid()));
  }

  @Test
  void availabilityWaitsForMinReadySeconds() {
    createRs(1, 10);
    h.settle();
    makeReady(h.cluster, h.clock, pods(h.cluster).get(0), "n1");
    h.settle();
    assertThat(rs().getStatus().getReadyReplicas()).isEqualTo(1);
    assertThat(rs().getStatus().getAvailableReplicas()).isZero();
    h.advance(Duration.ofSeconds(9));
    assertThat(rs().getStatus().getAvailableReplicas()).isZero();
    h.advance(Duration.ofSeconds(1));
    assertThat(rs().getStatus().getAvailableReplicas()).isEqualTo(1);
  }

  @Test
  void adoptsMatchingOrphanPods() {
    h.cluster.create(
        Pod.newBuilder()
            .setMetadata(meta("orphan", LABELS))
            .setSpec(template(LABELS, "busybox:1").getSpec())
            .build());
    ReplicaSet created = createRs(2, 0);
    h.settle();
    assertThat(pods(h.cluster)).hasSize(2);
    Pod orphan = h.cluster.stored(Kind.KIND_POD, "default", "orphan");
    assertThat(ApiObjects.isControlledBy(orphan.getMetadata(), created.getMetadata().getUid()))
        .isTrue();
  }

  @Test
  void releasesPodsWhoseLabelsStopMatchingAndReplacesThem() {
    ReplicaSet created = createRs(2, 0);
    h.settle();
    Pod relabelled = pods(h.cluster).get(0);
    h.cluster.update(
        relabelled.toBuilder()
            .setMetadata(relabelled.getMetadata().toBuilder().putLabels("app", "debug"))
            .build());
    h.settle();

    Pod released = h.cluster.stored(Kind.KIND_POD, "default", relabelled.getMetadata().getName());
    assertThat(released.getMetadata().hasDeletionTime()).as("released, not deleted").isFalse();
    assertThat(ApiObjects.controllerOf(released.getMetadata())).isEmpty();
    List<Pod> owned =
        pods(h.cluster).stream()
            .filter(p -> ApiObjects.isControlledBy(p.getMetadata(), created.getMetadata().getUid()))
            .toList();
    assertThat(owned)
        .hasSize(2)
        .noneMatch(p -> p.getMetadata().getName().equals(relabelled.getMetadata().getName()));
    assertThat(h.cluster.eventReasons("web")).contains("ReleasedPod");
  }

  @Test
  void refusedCreatesSetReplicaFailureUntilCreatesSucceed() {
    h.cluster.rejectPodCreates("spec.containers[0].image: forbidden by policy");
    createRs(2, 0);
    h.settle();

    Condition failure = replicaFailure().orElseThrow();
    assertThat(failure.getStatus()).isEqualTo(ConditionStatus.CONDITION_STATUS_TRUE);
    assertThat(failure.getReason()).isEqualTo("FailedCreate");
    assertThat(failure.getMessage()).contains("forbidden by policy");
    assertThat(pods(h.cluster)).isEmpty();

    h.cluster.rejectPodCreates(null);
    h.advance(Duration.ofMinutes(5));
    assertThat(pods(h.cluster)).hasSize(2);
    assertThat(replicaFailure()).isEmpty();
  }

  private java.util.Optional<Condition> replicaFailure() {
    return rs().getStatus().getConditionsList().stream()
        .filter(c -> c.getType().equals(ReplicaSetController.REPLICA_FAILURE))
        .findFirst();
  }
}
