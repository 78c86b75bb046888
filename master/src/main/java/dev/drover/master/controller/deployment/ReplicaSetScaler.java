package dev.drover.master.controller.deployment;

import static dev.drover.master.controller.deployment.RolloutSnapshot.specReplicas;

import dev.drover.api.v1.ReplicaSet;
import dev.drover.master.controller.ObjectWriter;
import dev.drover.master.events.EventRecorder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sets the replicas of a deployment's ReplicaSets: the one scale write every strategy uses (it also
 * records the deployment's replicas on the set, so a later change of them is recognized as a
 * scaling event), and the proportional spread of such a change over several active sets.
 */
final class ReplicaSetScaler {
  // The deployment controller's logger, so that its scaling decisions log where they always did.
  private static final Logger LOG = LoggerFactory.getLogger(DeploymentController.class);

  private final ObjectWriter writer;
  private final EventRecorder events;

  ReplicaSetScaler(ObjectWriter writer, EventRecorder events) {
    this.writer = writer;
    this.events = events;
  }

  /** Scales the set to the count; returns the snapshot holding the written set. */
  RolloutSnapshot scale(RolloutSnapshot s, ReplicaSet rs, int count) {
    int from = specReplicas(rs);
    String desired = Integer.toString(s.replicas());
    if (from == count
        && desired.equals(
            rs.getMetadata().getAnnotationsOrDefault(DeploymentController.DESIRED_REPLICAS, ""))) {
      return s;
    }
    if (LOG.isDebugEnabled() && from != count) {
      LOG.debug(
          "{}: scaling {} from {} to {}; replicas {}, max surge {}, max unavailable {}, sets {}",
          s.key(),
          rs.getMetadata().getName(),
          from,
          count,
          s.replicas(),
          s.bounds().maxSurge(),
          s.bounds().maxUnavailable(),
          s.describeSets());
    }
    ReplicaSet updated =
        writer.update(
            rs.toBuilder()
                .setMetadata(
                    rs.getMetadata().toBuilder()
                        .putAnnotations(DeploymentController.DESIRED_REPLICAS, desired))
                .setSpec(rs.getSpec().toBuilder().setReplicas(count))
                .build());
    if (from != count) {
      events.normal(
          s.deployment(),
          "ScalingReplicaSet",
          String.format(
              "Scaled %s replica set %s from %d to %d",
              count > from ? "up" : "down", rs.getMetadata().getName(), from, count));
    }
    return s.withSet(updated);
  }

  /**
   * True when the deployment's replicas changed since its active sets were last scaled: then the
   * change is spread over them instead of rolling anything. A set the deployment never scaled (one
   * it adopted has no desired-replicas annotation) says nothing about that, as upstream: counting
   * it as a change would spread the adopted set's size over the deployment's own sets and scale a
   * healthy one down, only for the rollout to scale it back up.
   */
  static boolean isScalingEvent(RolloutSnapshot s) {
    String desired = Integer.toString(s.replicas());
    List<ReplicaSet> active = s.sets().stream().filter(rs -> specReplicas(rs) > 0).toList();
    return active.stream()
        .map(rs -> rs.getMetadata().getAnnotationsMap().get(DeploymentController.DESIRED_REPLICAS))
        .anyMatch(annotated -> annotated != null && !desired.equals(annotated));
  }

  /**
   * Spreads a change of the deployment's replicas over its active sets in proportion to their size
   * (Kubernetes' proportional scaling), keeping the total within {@code replicas + maxSurge}.
   */
  RolloutSnapshot scaleProportionally(RolloutSnapshot s) {
    List<ReplicaSet> active =
        new ArrayList<>(s.sets().stream().filter(rs -> specReplicas(rs) > 0).toList());
    if (active.size() == 1) {
      return scale(s, active.get(0), s.replicas());
    }
    int allowed = s.replicas() + s.bounds().maxSurge();
    int current = active.stream().mapToInt(RolloutSnapshot::specReplicas).sum();
    int toAdd = allowed - current;
    // Larger sets first, newer first among equals; the rounding leftover goes to the first.
    active.sort(
        Comparator.comparingInt(RolloutSnapshot::specReplicas)
            .reversed()
            .thenComparing(Comparator.comparingLong(DeploymentController::revisionOf).reversed()));
    Map<String, Integer> target = new HashMap<>();
    int assigned = 0;
    for (ReplicaSet rs : active) {
      int share = (int) Math.round((double) specReplicas(rs) * toAdd / current);
      if (toAdd > 0) {
        share = Math.min(share, toAdd - assigned);
      } else {
        share = Math.max(share, toAdd - assigned);
      }
      target.put(rs.getMetadata().getUid(), Math.max(0, specReplicas(rs) + share));
      assigned += share;
    }
    String first = active.get(0).getMetadata().getUid();
    target.put(first, Math.max(0, target.get(first) + (toAdd - assigned)));
    RolloutSnapshot next = s;
    for (ReplicaSet rs : active) {
      next = scale(next, rs, target.get(rs.getMetadata().getUid()));
    }
    return next;
  }
}
