package dev.drover.master.controller.deployment;

import dev.drover.api.v1.DeploymentSpec;
import dev.drover.api.v1.DeploymentStrategyType;
import dev.drover.api.v1.RollingUpdateDeployment;
import dev.drover.master.controller.Pods;

/**
 * How far a rollout may stray from the desired replicas: at most {@code replicas + maxSurge} pods
 * and at least {@code replicas - maxUnavailable} available ones. Recreate allows neither.
 *
 * @param maxSurge pods allowed above the desired replicas
 * @param maxUnavailable desired pods allowed to be unavailable
 */
record RolloutBounds(int maxSurge, int maxUnavailable) {

  /** The bounds of the spec's strategy for the given desired replicas. */
  static RolloutBounds of(DeploymentSpec spec, int replicas) {
    if (isRecreate(spec)) {
      return new RolloutBounds(0, 0);
    }
    RollingUpdateDeployment ru = spec.getStrategy().getRollingUpdate();
    int surge =
        ru.hasMaxSurge()
            ? Pods.scaledValue(ru.getMaxSurge(), replicas, true, 0)
            : (int) Math.ceil(replicas * 0.25);
    int unavailable =
        ru.hasMaxUnavailable()
            ? Pods.scaledValue(ru.getMaxUnavailable(), replicas, false, 0)
            : (int) Math.floor(replicas * 0.25);
    // Both zero would let nothing move: Kubernetes then allows one unavailable pod.
    if (surge == 0 && unavailable == 0) {
      unavailable = 1;
    }
    return new RolloutBounds(surge, Math.min(unavailable, replicas));
  }

  /** True when the spec asks for the Recreate strategy. */
  static boolean isRecreate(DeploymentSpec spec) {
    return spec.getStrategy().getType() == DeploymentStrategyType.DEPLOYMENT_STRATEGY_TYPE_RECREATE;
  }
}
