package dev.drover.master.disruption;

import dev.drover.api.ApiObjects;
import dev.drover.api.Conditions;
import dev.drover.api.v1.Condition;
import dev.drover.api.v1.IntOrString;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodPhase;
import java.time.Instant;
import java.util.Optional;

/**
 * When a pod counts as active and as available, and how a max-unavailable or max-surge value
 * resolves against a replica count: the terms both disruption planning (a drain) and the workload
 * controllers count availability in.
 */
public final class PodAvailability {
  private PodAvailability() {}

  /** True unless the pod is being deleted or has finished (Succeeded or Failed). */
  public static boolean isActive(Pod pod) {
    PodPhase phase = pod.getStatus().getPhase();
    return !pod.getMetadata().hasDeletionTime()
        && phase != PodPhase.POD_PHASE_SUCCEEDED
        && phase != PodPhase.POD_PHASE_FAILED;
  }

  /**
   * True when the pod has been ready for at least {@code minReadySeconds} at {@code now}. A ready
   * condition without a transition time counts as ready since forever.
   */
  public static boolean isAvailable(Pod pod, int minReadySeconds, Instant now) {
    if (!Conditions.isReady(pod)) {
      return false;
    }
    if (minReadySeconds <= 0) {
      return true;
    }
    Optional<Condition> ready =
        Conditions.find(pod.getStatus().getConditionsList(), Conditions.READY);
    if (ready.isEmpty() || !ready.get().hasLastTransitionTime()) {
      return true;
    }
    Instant since = ApiObjects.instant(ready.get().getLastTransitionTime());
    return !since.plusSeconds(minReadySeconds).isAfter(now);
  }

  /**
   * Resolves a count-or-percentage against a total: a number as is, "25%" as a share of the total
   * rounded up or down.
   */
  public static int scaledValue(IntOrString value, int total, boolean roundUp, int fallback) {
    if (value == null || value.getValueCase() == IntOrString.ValueCase.VALUE_NOT_SET) {
      return fallback;
    }
    if (value.getValueCase() == IntOrString.ValueCase.INT_VALUE) {
      return Math.max(0, value.getIntValue());
    }
    String s = value.getStringValue().trim();
    if (!s.endsWith("%")) {
      try {
        return Math.max(0, Integer.parseInt(s));
      } catch (NumberFormatException e) {
        return fallback;
      }
    }
    int percent;
    try {
      percent = Integer.parseInt(s.substring(0, s.length() - 1));
    } catch (NumberFormatException e) {
      return fallback;
    }
    double exact = total * percent / 100.0;
    return Math.max(0, (int) (roundUp ? Math.ceil(exact) : Math.floor(exact)));
  }
}
