package dev.drover.master.controller.deployment;

import dev.drover.api.v1.Deployment;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodTemplateSpec;
import dev.drover.api.v1.ReplicaSet;
import dev.drover.master.controller.Pods;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What one sync of one deployment knows, frozen: the deployment, its ReplicaSets and their active
 * pods, the effective template and its hash, and the ReplicaSet of that template (the new one, if
 * it exists yet). Every write of the sync returns the snapshot with the written object in place;
 * nothing is changed in place.
 *
 * @param key the deployment's queue key, for logs
 * @param deployment the deployment as last read or written
 * @param now the time the sync started
 * @param bounds max surge and max unavailable
 * @param effective the template the new ReplicaSet runs (config hash included)
 * @param hash the pod-template hash of {@code effective}
 * @param sets every ReplicaSet the deployment controls
 * @param podsBySet active pods per ReplicaSet uid
 * @param newRs the ReplicaSet of {@code effective}, or null while there is none
 */
record RolloutSnapshot(
    String key,
    Deployment deployment,
    Instant now,
    RolloutBounds bounds,
    PodTemplateSpec effective,
    String hash,
    List<ReplicaSet> sets,
    Map<String, List<Pod>> podsBySet,
    ReplicaSet newRs) {

  RolloutSnapshot {
    sets = List.copyOf(sets);
    podsBySet = Map.copyOf(podsBySet);
  }

  /** The desired replicas of the deployment. */
  int replicas() {
    return DeploymentController.desiredReplicas(deployment.getSpec());
  }

  /** The spec replicas of a ReplicaSet (1 when unset). */
  static int specReplicas(ReplicaSet rs) {
    return rs.getSpec().hasReplicas() ? rs.getSpec().getReplicas() : 1;
  }

  /** The active pods of a ReplicaSet. */
  List<Pod> pods(ReplicaSet rs) {
    return podsBySet.getOrDefault(rs.getMetadata().getUid(), List.of());
  }

  /** The ReplicaSet's pods that are available (ready for min ready seconds) now. */
  int available(ReplicaSet rs) {
    int minReady = deployment.getSpec().getMinReadySeconds();
    return (int) pods(rs).stream().filter(p -> Pods.isAvailable(p, minReady, now)).count();
  }

  /**
   * Available pods the set will keep: pods above spec are about to be deleted, and the ReplicaSet
   * deletes unavailable pods first, so at most spec of them stay.
   */
  int keptAvailable(ReplicaSet rs) {
    return Math.min(available(rs), specReplicas(rs));
  }

  /** How long until the first pod that is not available yet becomes available, if any will. */
  Optional<Duration> untilNextAvailable() {
    int minReady = deployment.getSpec().getMinReadySeconds();
    return sets.stream()
        .flatMap(rs -> pods(rs).stream())
        .filter(p -> !Pods.isAvailable(p, minReady, now))
        .flatMap(p -> Pods.untilAvailable(p, minReady, now).stream())
        .min(Comparator.naturalOrder());
  }

  /** True for the new ReplicaSet. */
  boolean isNew(ReplicaSet rs) {
    return newRs != null && rs.getMetadata().getUid().equals(newRs.getMetadata().getUid());
  }

  /** Every ReplicaSet but the new one, oldest revision first. */
  List<ReplicaSet> oldSets() {
    return sets.stream()
        .filter(rs -> !isNew(rs))
        .sorted(Comparator.comparingLong(DeploymentController::revisionOf))
        .toList();
  }

  /** The highest revision of any ReplicaSet, 0 without any. */
  long maxRevision() {
    return sets.stream().mapToLong(DeploymentController::revisionOf).max().orElse(0);
  }

  /** Pods that exist or are about to: per set the larger of spec and active pods. */
  int totalPods() {
    return sets.stream().mapToInt(rs -> Math.max(specReplicas(rs), pods(rs).size())).sum();
  }

  /** True while an old ReplicaSet still wants or has pods. */
  boolean oldPodsRemain() {
    return oldSets().stream().anyMatch(rs -> specReplicas(rs) > 0 || !pods(rs).isEmpty());
  }

  /** This snapshot with the ReplicaSet of the same uid replaced by the written one. */
  RolloutSnapshot withSet(ReplicaSet written) {
    String uid = written.getMetadata().getUid();
    List<ReplicaSet> next = new ArrayList<>(sets);
    next.replaceAll(rs -> rs.getMetadata().getUid().equals(uid) ? written : rs);
    return new RolloutSnapshot(
        key,
        deployment,
        now,
        bounds,
        effective,
        hash,
        next,
        podsBySet,
        isNew(written) ? written : newRs);
  }

  /** This snapshot with a just created ReplicaSet (no pods yet) as the new one. */
  RolloutSnapshot withNewSet(ReplicaSet created) {
    List<ReplicaSet> next = new ArrayList<>(sets);
    next.add(created);
    return new RolloutSnapshot(
        key, deployment, now, bounds, effective, hash, next, podsBySet, created);
  }

  /** This snapshot with the deployment as last written. */
  RolloutSnapshot withDeployment(Deployment written) {
    return new RolloutSnapshot(key, written, now, bounds, effective, hash, sets, podsBySet, newRs);
  }

  /**
   * True when this snapshot's ReplicaSets differ from the earlier one's in a way that counts as
   * rollout progress: a set was created, scaled, or given a new revision.
   */
  boolean progressedSince(RolloutSnapshot earlier) {
    Map<String, ReplicaSet> before = new HashMap<>();
    earlier.sets.forEach(rs -> before.put(rs.getMetadata().getUid(), rs));
    for (ReplicaSet rs : sets) {
      ReplicaSet was = before.get(rs.getMetadata().getUid());
      if (was == null
          || specReplicas(was) != specReplicas(rs)
          || DeploymentController.revisionOf(was) != DeploymentController.revisionOf(rs)) {
        return true;
      }
    }
    return false;
  }

  /** Per set what this sync saw: spec replicas, active pods, ready pods, available pods. */
  String describeSets() {
    return sets.stream()
        .map(
            rs ->
                String.format(
                    "%s(rev %d: spec %d, pods %d, ready %d, available %d)",
                    rs.getMetadata().getName(),
                    DeploymentController.revisionOf(rs),
                    specReplicas(rs),
                    pods(rs).size(),
                    pods(rs).stream().filter(Pods::isReady).count(),
                    available(rs)))
        .collect(Collectors.joining(", "));
  }
}
