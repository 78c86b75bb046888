package dev.drover.master.controller.deployment;

import static dev.drover.master.controller.deployment.RolloutSnapshot.specReplicas;

import dev.drover.api.v1.ReplicaSet;
import java.util.List;

/**
 * The RollingUpdate strategy: scales the new ReplicaSet up as far as max surge allows (up to the
 * target it may have now, which a canary step can hold below the replicas), then the old ones down
 * as far as max unavailable allows, counting availability from the pods themselves.
 */
final class RollingUpdate {
  private final ReplicaSetScaler scaler;

  RollingUpdate(ReplicaSetScaler scaler) {
    this.scaler = scaler;
  }

  /** One step of the rollout towards {@code newTarget} new pods; returns the snapshot after it. */
  RolloutSnapshot rollout(RolloutSnapshot s, int newTarget) {
    ReplicaSet newRs = s.newRs();
    int newReplicas = specReplicas(newRs);
    RolloutSnapshot next = s;
    if (newReplicas > newTarget) {
      next = scaler.scale(s, newRs, newTarget);
    } else if (newReplicas < newTarget) {
      int room = s.replicas() + s.bounds().maxSurge() - s.totalPods();
      if (room > 0) {
        next = scaler.scale(s, newRs, newReplicas + Math.min(room, newTarget - newReplicas));
      }
    } else {
      next = scaler.scale(s, newRs, newReplicas);
    }
    return scaleDownOld(next, newTarget);
  }

  private RolloutSnapshot scaleDownOld(RolloutSnapshot s, int newTarget) {
    List<ReplicaSet> old = s.oldSets();
    int replicas = s.replicas();
    int minAvailable = replicas - s.bounds().maxUnavailable();
    int newUnavailable = Math.max(0, specReplicas(s.newRs()) - s.keptAvailable(s.newRs()));
    int maxScaledDown = s.totalPods() - minAvailable - newUnavailable;
    // During a canary step the old sets keep what the new one does not run yet.
    int oldFloor = Math.max(0, replicas - newTarget);
    int oldTotal = old.stream().mapToInt(RolloutSnapshot::specReplicas).sum();
    int floorRoom = oldTotal - oldFloor;
    if (maxScaledDown <= 0 || floorRoom <= 0) {
      return s;
    }
    RolloutSnapshot next = s;
    // First old pods that are not available anyway: removing them costs no availability.
    for (ReplicaSet rs : old) {
      int unhealthy = specReplicas(rs) - next.keptAvailable(rs);
      int cut = Math.min(Math.min(maxScaledDown, unhealthy), floorRoom);
      if (cut > 0) {
        next = scaler.scale(next, rs, specReplicas(rs) - cut);
        maxScaledDown -= cut;
        floorRoom -= cut;
      }
    }
    int availableAll = next.sets().stream().mapToInt(next::keptAvailable).sum();
    int budget = Math.min(availableAll - minAvailable, floorRoom);
    for (ReplicaSet rs : next.oldSets()) {
      if (budget <= 0) {
        break;
      }
      int cut = Math.min(specReplicas(rs), budget);
      if (cut > 0) {
        next = scaler.scale(next, rs, specReplicas(rs) - cut);
        budget -= cut;
      }
    }
    return next;
  }
}
