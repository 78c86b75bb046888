package dev.drover.api;

import dev.drover.api.v1.Taint;
import dev.drover.api.v1.TaintEffect;
import dev.drover.api.v1.Toleration;
import dev.drover.api.v1.TolerationOperator;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Whether a pod's tolerations let it stay or be placed on a node with taints, by Kubernetes' rules:
 * a toleration with an effect matches only taints of that effect (no effect matches all); a
 * non-empty key matches only that key; operator Exists matches any value (with an empty key, any
 * taint), Equal (the default) needs the same key and value. The one implementation used by the
 * scheduler, the DaemonSet controller and the node lifecycle controller.
 *
 * <p>Methods take lists and arrays and loop by index: the scheduler calls them for every node it
 * filters, so they allocate nothing.
 */
public final class Tolerations {
  private Tolerations() {}

  /** True when {@code toleration} matches {@code taint}. */
  public static boolean tolerates(Toleration toleration, Taint taint) {
    if (toleration.getEffect() != TaintEffect.TAINT_EFFECT_UNSPECIFIED
        && toleration.getEffect() != taint.getEffect()) {
      return false;
    }
    if (toleration.getOperator() == TolerationOperator.TOLERATION_OPERATOR_EXISTS) {
      return toleration.getKey().isEmpty() || toleration.getKey().equals(taint.getKey());
    }
    return toleration.getKey().equals(taint.getKey())
        && toleration.getValue().equals(taint.getValue());
  }

  /** True when any of {@code tolerations} matches {@code taint}. */
  public static boolean anyTolerates(List<Toleration> tolerations, Taint taint) {
    return indexOfMatching(tolerations, taint) >= 0;
  }

  /** The first of {@code tolerations} that matches {@code taint}, if any. */
  public static Optional<Toleration> firstMatching(List<Toleration> tolerations, Taint taint) {
    int i = indexOfMatching(tolerations, taint);
    return i < 0 ? Optional.empty() : Optional.of(tolerations.get(i));
  }

  /** The first of {@code taints} that none of {@code tolerations} matches, or null. */
  public static Taint firstUntolerated(List<Toleration> tolerations, Taint[] taints) {
    for (Taint t : taints) {
      if (!anyTolerates(tolerations, t)) {
        return t;
      }
    }
    return null;
  }

  /**
   * True when every NoSchedule and NoExecute taint of {@code taints} is tolerated: whether a pod
   * may be placed on a node (PreferNoSchedule taints only lower its score).
   */
  public static boolean toleratesScheduling(List<Toleration> tolerations, List<Taint> taints) {
    for (int i = 0; i < taints.size(); i++) {
      Taint taint = taints.get(i);
      boolean repels =
          taint.getEffect() == TaintEffect.TAINT_EFFECT_NO_SCHEDULE
              || taint.getEffect() == TaintEffect.TAINT_EFFECT_NO_EXECUTE;
      if (repels && !anyTolerates(tolerations, taint)) {
        return false;
      }
    }
    return true;
  }

  /**
   * How long a pod may stay on a node with a NoExecute taint that {@code toleration} matches: empty
   * when it has no toleration_seconds (forever), otherwise that many seconds, a negative number
   * counting as zero (evict at once), as in Kubernetes.
   */
  public static Optional<Duration> tolerationTime(Toleration toleration) {
    if (!toleration.hasTolerationSeconds()) {
      return Optional.empty();
    }
    return Optional.of(Duration.ofSeconds(Math.max(0, toleration.getTolerationSeconds())));
  }

  private static int indexOfMatching(List<Toleration> tolerations, Taint taint) {
    for (int i = 0; i < tolerations.size(); i++) {
      if (tolerates(tolerations.get(i), taint)) {
        return i;
      }
    }
    return -1;
  }
}
