package dev.drover.master.controller.replicaset;

import dev.drover.api.v1.Kind;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.ReplicaSet;
import dev.drover.api.v1.ReplicaSetStatus;
import dev.drover.master.controller.ApiObjects;
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
 * ready, unscheduled, newest), adopts matching orphan pods, and reports replicas, ready and
 * available counts with the observed generation. Creates and deletes are recorded as
 * {@link Expectations} so that a cache that has not caught up cannot cause duplicates.
 */
public final class ReplicaSetController extends Controller {
  /** Largest number of pods created or deleted by one sync (Kubernetes' burst). */
  static final int BURST = 500;

  private final Expectations expectations;

  /** Creates the controller and registers its handlers on the cache. */
  public ReplicaSetController(ControllerContext context, int workers, Duration resync) {
    super("replicaset-controller", context, workers, resync);
    this.expectations = new Expectations(clock);
    cache.addHandler(
        Kind.KIND_REPLICA_SET,
        primaryHandler(rs -> expectations.forget(ApiObjects.key(rs))));
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
    List<Pod> owned = claimPods(rs);
    List<Pod> active = owned.stream().filter(Pods::isActive).collect(Collectors.toList());
    if (expectations.satisfied(key) && !rs.getMetadata().hasDeletionTime()) {
      manageReplicas(key, rs, active);
    }
    updateStatus(key, rs, active);
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
        owned.add(pod);
      } else if (canAdopt
          && ApiObjects.controllerOf(meta).isEmpty()
          && !meta.hasDeletionTime()
          && Selectors.matches(rs.getSpec().getSelector(), meta.getLabelsMap())) {
        try {
          Pod adopted =
              writer.update(
                  pod.toBuilder()
                      .setMetadata(meta.toBuilder().addOwnerReferences(ApiObjects.controllerRef(rs)))
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

  private void manageReplicas(String key, ReplicaSet rs, List<Pod> active) {
    int desired = rs.getSpec().hasReplicas() ? rs.getSpec().getReplicas() : 1;
    int diff = active.size() - desired;
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

  private void updateStatus(String key, ReplicaSet rs, List<Pod> active) {
    Instant now = clock.now();
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
    ReplicaSetStatus status =
        rs.getStatus().toBuilder()
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

}
