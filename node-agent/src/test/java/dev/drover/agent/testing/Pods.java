package dev.drover.agent.testing;

import dev.drover.api.v1.ContainerStatus;
import dev.drover.api.v1.PodStatus;

/** Lookups in pod statuses for tests (the builders are in {@code dev.drover.testing}). */
public final class Pods {
  private Pods() {}

  /** The status of one container. */
  public static ContainerStatus container(PodStatus status, String name) {
    return status.getContainerStatusesList().stream()
        .filter(c -> c.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no status for container " + name + " in " + status));
  }

  /** True if the pod's Ready condition is TRUE. */
  public static boolean ready(PodStatus status) {
    return status.getConditionsList().stream()
        .anyMatch(
            c ->
                c.getType().equals("Ready")
                    && c.getStatus() == dev.drover.api.v1.ConditionStatus.CONDITION_STATUS_TRUE);
  }
}
