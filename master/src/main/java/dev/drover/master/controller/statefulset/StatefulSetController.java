package dev.drover.master.controller.statefulset;

import dev.drover.api.ApiObjects;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.StatefulSet;
import dev.drover.api.v1.StatefulSetStatus;
import dev.drover.master.controller.Controller;
import dev.drover.master.controller.ControllerContext;
import dev.drover.master.controller.Expectations;
import dev.drover.master.controller.Pods;
import dev.drover.master.controller.TemplateHashing;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Runs StatefulSets: pods with stable names, hostnames and claims. Each sync reads the set and the
 * pods it controls, asks {@link StatefulSetPlan} what to do next, creates the claims of new pods
 * through {@link StatefulPodControl} before the pods themselves, deletes what the plan condemns,
 * and writes the status. The revision of a pod is the hash of the template it was made from (its
 * {@value StatefulIdentity#REVISION_LABEL} label), as Deployments and DaemonSets hash theirs.
 */
public final class StatefulSetController extends Controller {
  private final Expectations expectations;
  private final StatefulPodControl podControl;

  /** Creates the controller and registers its handlers. */
  public StatefulSetController(ControllerContext context, int workers, Duration resync) {
    super("statefulset-controller", context, workers, resync);
    this.expectations = new Expectations(clock);
    this.podControl = new StatefulPodControl(cache, writer, events);
    cache.addHandler(
        Kind.KIND_STATEFUL_SET, primaryHandler(s -> expectations.forget(ApiObjects.key(s))));
    cache.addHandler(Kind.KIND_POD, ownedPodHandler(Kind.KIND_STATEFUL_SET, expectations, p -> {}));
  }

  /** Creates the controller with two workers and a 30 s resync. */
  public StatefulSetController(ControllerContext context) {
    this(context, 2, Duration.ofSeconds(30));
  }

  @Override
  protected List<String> allKeys() {
    return cache.<StatefulSet>list(Kind.KIND_STATEFUL_SET, "", null).stream()
        .map(ApiObjects::key)
        .toList();
  }

  /** The revision of the set's current template. */
  static String updateRevision(StatefulSet set) {
    int collisions = set.getStatus().hasCollisionCount() ? set.getStatus().getCollisionCount() : 0;
    return set.getMetadata().getName()
        + "-"
        + TemplateHashing.templateHash(set.getSpec().getTemplate(), collisions);
  }

  @Override
  protected void sync(String key) {
    Optional<StatefulSet> found =
        cache.get(Kind.KIND_STATEFUL_SET, ApiObjects.namespaceOf(key), ApiObjects.nameOf(key));
    if (found.isEmpty()) {
      expectations.forget(key);
      return;
    }
    StatefulSet set = found.get();
    // Read the expectations before listing the pods: a creation observed between the two would
    // count as seen while the list still lacks the pod, and the pod would be created twice.
    boolean satisfied = expectations.satisfied(key);
    String revision = updateRevision(set);
    List<Pod> pods = new ArrayList<>();
    for (Pod pod : cache.<Pod>list(Kind.KIND_POD, set.getMetadata().getNamespace(), null)) {
      if (ApiObjects.isControlledBy(pod.getMetadata(), set.getMetadata().getUid())) {
        pods.add(pod);
      }
    }
    if (satisfied && !set.getMetadata().hasDeletionTime()) {
      StatefulSetPlan plan = StatefulSetPlan.of(set, revision, pods);
      List<Pod> created = new ArrayList<>();
      for (int ordinal : plan.create()) {
        podControl.createMissingClaims(set, ordinal);
        created.add(StatefulIdentity.newPod(set, ordinal, revision));
      }
      createPods(key, set, expectations, created);
      deletePods(key, set, expectations, plan.delete());
    }
    writeStatus(key, set, revision, pods);
  }

  private void writeStatus(String key, StatefulSet set, String revision, List<Pod> pods) {
    StatefulSetStatus status = status(set, revision, pods, clock.instant());
    for (Pod pod : pods) {
      Pods.untilAvailable(pod, set.getSpec().getMinReadySeconds(), clock.instant())
          .ifPresent(d -> queue.addAfter(key, d));
    }
    if (!status.equals(set.getStatus())) {
      writer.updateStatus(set.toBuilder().setStatus(status).build());
    }
  }

  /**
   * The observed state of {@code set} over its {@code pods}: the current revision becomes the
   * update revision once every wanted pod runs it.
   */
  static StatefulSetStatus status(StatefulSet set, String revision, List<Pod> pods, Instant now) {
    int replicas = 0;
    int ready = 0;
    int available = 0;
    int updated = 0;
    String current =
        set.getStatus().getCurrentRevision().isEmpty()
            ? revision
            : set.getStatus().getCurrentRevision();
    int atCurrent = 0;
    for (Pod pod : pods) {
      if (pod.getMetadata().hasDeletionTime()) {
        continue;
      }
      replicas++;
      if (Pods.isReady(pod)) {
        ready++;
      }
      if (Pods.isAvailable(pod, set.getSpec().getMinReadySeconds(), now)) {
        available++;
      }
      String podRevision = StatefulIdentity.revisionOf(pod);
      if (podRevision.equals(revision)) {
        updated++;
      }
      if (podRevision.equals(current)) {
        atCurrent++;
      }
    }
    int wanted = set.getSpec().hasReplicas() ? set.getSpec().getReplicas() : 1;
    if (updated >= wanted && replicas == wanted) {
      current = revision;
      atCurrent = updated;
    }
    return set.getStatus().toBuilder()
        .setObservedGeneration(set.getMetadata().getGeneration())
        .setReplicas(replicas)
        .setReadyReplicas(ready)
        .setAvailableReplicas(available)
        .setUpdatedReplicas(updated)
        .setCurrentReplicas(atCurrent)
        .setCurrentRevision(current)
        .setUpdateRevision(revision)
        .build();
  }
}
