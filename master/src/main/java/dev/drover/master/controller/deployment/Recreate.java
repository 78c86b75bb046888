package dev.drover.master.controller.deployment;

import static dev.drover.master.controller.deployment.RolloutSnapshot.specReplicas;

import dev.drover.api.v1.ReplicaSet;

/**
 * The Recreate strategy: every old ReplicaSet goes to zero first, and only once none of their pods
 * is left does the new ReplicaSet get the deployment's replicas.
 */
final class Recreate {
  private final ReplicaSetScaler scaler;

  Recreate(ReplicaSetScaler scaler) {
    this.scaler = scaler;
  }

  /** One step of the rollout; returns the snapshot after its writes. */
  RolloutSnapshot rollout(RolloutSnapshot s) {
    boolean oldActive = false;
    RolloutSnapshot next = s;
    for (ReplicaSet rs : s.oldSets()) {
      if (specReplicas(rs) > 0) {
        next = scaler.scale(next, rs, 0);
        oldActive = true;
      } else if (!s.pods(rs).isEmpty()) {
        oldActive = true;
      }
    }
    return oldActive ? next : scaler.scale(next, next.newRs(), next.replicas());
  }
}
