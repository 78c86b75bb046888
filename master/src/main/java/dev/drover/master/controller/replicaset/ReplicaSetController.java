package dev.drover.master.controller.replicaset;

import dev.drover.api.ApiObjects;
import dev.drover.api.Conditions;
import dev.drover.api.v1.Condition;
import dev.drover.api.v1.ConditionStatus;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.ReplicaSet;
import dev.drover.api.v1.ReplicaSetStatus;
import dev.drover.master.controller.Controller;
import dev.drover.master.controller.ControllerContext;
import dev.drover.master.controller.Expectations;
import dev.drover.master.controller.Pods;
import dev.drover.master.controller.Selectors;
import dev.drover.master.controller.WriteException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Keeps {@code spec.replicas} active pods for every ReplicaSet: creates missing pods from the
 * template with a controller owner reference, deletes surplus pods (the least useful first: not
 * ready, unscheduled, newest), adopts matching orphan pods, releases (drops its owner reference
 * from) pods whose labels stopped matching its selector, and reports replicas, ready and available
 * counts with the observed generation. A create or delete the store refuses sets the {@value
 * #REPLICA_FAILURE} condition (reason {@code FailedCreate} or {@code FailedDelete}) until a later
 * sync manages the replicas again. Creates and deletes are recorded as {@link Expectations} so that
 * a cache that has not caught up cannot cause duplicates.
 */
public final class ReplicaSetController extends Controller {
  /** Largest number of pods created or deleted by one sync (Kubernetes' burst). */
  static final int BURST = 500;

  /** Condition type set while pods cannot be created or deleted. */
  public static final String REPLICA_FAILURE = Conditions.REPLICA_FAILURE;

  private final Expectations expectations;

  /** Creates the controller and registers its handlers on the cache. */
  public ReplicaSetController(ControllerContext context, int workers, Duration resync) {
    super("replicaset-controller", context, workers, resync);
    this.expectations = new Expectations(clock);
    cache.addHandler(
        Kind.KIND_REPLICA_SET, primaryHandler(rs -> expectations.forget(ApiObjects.key(rs))));
    cache.addHandler(
        Kind.KIND_POD,
        ownedPodHandler(
            Kind.KIND_REPLICA_SET, expectations, pod -> enqueueMatchingOrphanOwners((Pod) pod)));
  }

  /** Creates the controller with two workers and a 30 s resync. */
  public ReplicaSetController(ControllerContext context) {
    this(context, 2, Duration.ofSeconds(30));
  }

  private void enqueueMatchingOrphanOwners(Pod pod) {
    if (pod.getMetadata().hasDeletionTime()) {
      return;
    }
    List<ReplicaSet> sets =
        cache.list(Kind.KIND_REPLICA_SET, pod.getMetadata().getNamespace(), null);
    for (ReplicaSet rs : sets) {
      if (!Selectors.isEmpty(rs.getSpec().getSelector())
          && Selectors.matches(rs.getSpec().getSelector(), pod.getMetadata().getLabelsMap())) {
        enqueue(rs);
      }
    }
  }

  @Override
  protected List<String> allKeys() {
    List<ReplicaSet> sets = cache.list(Kind.KIND_REPLICA_SET, "", null);
    return sets.stream().map(ApiObjects::key).toList();
  }

  @Override
  protected void sync(String key) {
    String namespace = ApiObjects.namespaceOf(key);
    Optional<ReplicaSet> found =
        cache.get(Kind.KIND_REPLICA_SET, namespace, ApiObjects.nameOf(key));
    if (found.isEmpty()) {
      expectations.forget(key);
      return;
    }
    ReplicaSet rs = found.get();
    // Read the expectations before listing the pods: a creation observed between the two would
    // count as seen while the list still lacks the pod, and the pod would be created twice.
    boolean satisfied = expectations.satisfied(key);
    List<Pod> owned = claimPods(rs);
    List<Pod> active = owned.stream().filter(Pods::isActive).collect(Collectors.toList());
    boolean managed = false;
    WriteException failure = null;
    if (satisfied && !rs.getMetadata().hasDeletionTime()) {
      managed = true;
      try {
        manageReplicas(key, rs, active);
      } catch (WriteException e) {
        // A conflict or an unreachable store is no failure of the set, just a retry.
        if (e.reason() == WriteException.Reason.CONFLICT
            || e.reason() == WriteException.Reason.UNAVAILABLE) {
          throw e;
        }
        failure = e;
      }
    }
    updateStatus(key, rs, active, managed, failure);
    if (failure != null) {
      throw failure;
    }
  }

  private static int desired(ReplicaSet rs) {
    return rs.getSpec().hasReplicas() ? rs.getSpec().getReplicas() : 1;
  }

  // Pods this ReplicaSet controls, after adopting matching pods that have no controller.
  private List<Pod> claimPods(ReplicaSet rs) {
    String uid = rs.getMetadata().getUid();
    List<Pod> all = cache.list(Kind.KIND_POD, rs.getMetadata().getNamespace(), null);
    List<Pod> owned = new ArrayList<>();
    boolean canAdopt =
        !rs.getMetadata().hasDeletionTime() && !Selectors.isEmpty(rs.getSpec().getSelector());
    for (Pod pod : all) {
      ObjectMeta meta = pod.getMetadata();
      if (ApiObjects.isControlledBy(meta, uid)) {
        if (canAdopt
            && !meta.hasDeletionTime()
            && !Selectors.matches(rs.getSpec().getSelector(), meta.getLabelsMap())) {
          release(rs, pod);
        } else {
          owned.add(pod);
        }
      } else if (canAdopt
          && ApiObjects.controllerOf(meta).isEmpty()
          && !meta.hasDeletionTime()
          && Selectors.matches(rs.getSpec().getSelector(), meta.getLabelsMap())) {
        try {
          Pod adopted =
              writer.update(
                  pod.toBuilder()
                      .setMetadata(
                          meta.toBuilder().addOwnerReferences(ApiObjects.controllerRef(rs)))
                      .build());
          owned.add(adopted);
        } catch (WriteException e) {
          if (e.reason() != WriteException.Reason.NOT_FOUND) {
            throw e;
          }
        }
      }
    }
    return owned;
  }

  // A pod relabelled out of the selector is no longer ours: drop our controller reference (the
  // pod keeps running as an orphan) and let the replica count bring a replacement.
  private void release(ReplicaSet rs, Pod pod) {
    ObjectMeta meta = pod.getMetadata();
    ObjectMeta.Builder b = meta.toBuilder().clearOwnerReferences();
    meta.getOwnerReferencesList().stream()
        .filter(ref -> !ref.getUid().equals(rs.getMetadata().getUid()))
        .forEach(b::addOwnerReferences);
    try {
      writer.update(pod.toBuilder().setMetadata(b).build());
      events.normal(
          rs,
          "ReleasedPod",
          "Released pod " + meta.getName() + ": its labels no longer match the selector");
    } catch (WriteException e) {
      if (!isGone(e)) {
        throw e;
      }
    }
  }

  private void manageReplicas(String key, ReplicaSet rs, List<Pod> active) {
    int diff = active.size() - desired(rs);
    if (diff < 0) {
      List<Pod> pods = new ArrayList<>();
      for (int i = 0; i < Math.min(-diff, BURST); i++) {
        pods.add(Pods.fromTemplate(rs.getSpec().getTemplate(), rs));
      }
      createPods(key, rs, expectations, pods);
    } else if (diff > 0) {
      deletePods(
          key,
          rs,
          expectations,
          active.stream().sorted(Pods.deletionOrder()).limit(Math.min(diff, BURST)).toList());
    }
  }

  private void updateStatus(
      String key, ReplicaSet rs, List<Pod> active, boolean managed, WriteException failure) {
    Instant now = clock.instant();
    int minReady = rs.getSpec().getMinReadySeconds();
    var templateLabels = rs.getSpec().getTemplate().getMetadata().getLabelsMap();
    int ready = 0;
    int available = 0;
    int fullyLabeled = 0;
    Duration recheck = null;
    for (Pod pod : active) {
      if (pod.getMetadata().getLabelsMap().entrySet().containsAll(templateLabels.entrySet())) {
        fullyLabeled++;
      }
      if (Pods.isReady(pod)) {
        ready++;
      }
      if (Pods.isAvailable(pod, minReady, now)) {
        available++;
      } else {
        Optional<Duration> wait = Pods.untilAvailable(pod, minReady, now);
        if (wait.isPresent() && (recheck == null || wait.get().compareTo(recheck) < 0)) {
          recheck = wait.get();
        }
      }
    }
    ReplicaSetStatus.Builder builder = rs.getStatus().toBuilder();
    if (managed) {
      setFailure(builder, failure, active.size() < desired(rs));
    }
    ReplicaSetStatus status =
        builder
            .setReplicas(active.size())
            .setFullyLabeledReplicas(fullyLabeled)
            .setReadyReplicas(ready)
            .setAvailableReplicas(available)
            .setObservedGeneration(rs.getMetadata().getGeneration())
            .build();
    if (!status.equals(rs.getStatus())) {
      writer.updateStatus(rs.toBuilder().setStatus(status).build());
    }
    if (recheck != null) {
      queue.addAfter(key, recheck);
    }
  }

  // Sets ReplicaFailure while a create or delete fails, removes it once replicas are managed
  // without error; the transition time stays while the condition does not change.
  private void setFailure(
      ReplicaSetStatus.Builder status, WriteException failure, boolean creating) {
    List<Condition> others = new ArrayList<>();
    Condition previous = null;
    for (Condition c : status.getConditionsList()) {
      if (c.getType().equals(REPLICA_FAILURE)) {
        previous = c;
      } else {
        others.add(c);
      }
    }
    status.clearConditions().addAllConditions(others);
    if (failure == null) {
      return;
    }
    String reason = creating ? "FailedCreate" : "FailedDelete";
    Condition.Builder c =
        Condition.newBuilder()
            .setType(REPLICA_FAILURE)
            .setStatus(ConditionStatus.CONDITION_STATUS_TRUE)
            .setReason(reason)
            .setMessage(failure.getMessage());
    c.setLastTransitionTime(
        previous != null && previous.getReason().equals(reason) && previous.hasLastTransitionTime()
            ? previous.getLastTransitionTime()
            : ApiObjects.timestamp(clock.instant()));
    status.addConditions(c);
  }
}
