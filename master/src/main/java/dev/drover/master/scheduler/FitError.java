package dev.drover.master.scheduler;

import java.util.Map;
import java.util.TreeMap;

/**
 * Why a pod fits on no node: the number of nodes considered and, per reason, how many nodes failed
 * for it. A node failing several resource checks counts once under each.
 *
 * <p>The message follows kube-scheduler's: {@code "0/5 nodes are available: 3 Insufficient cpu, 2
 * node(s) had untolerated taint {key: value}."}, with reasons in alphabetical order of their text
 * so that the message is stable.
 */
public final class FitError {

  private final int nodeCount;
  private final Map<String, Integer> reasons;

  FitError(int nodeCount, Map<String, Integer> reasons) {
    this.nodeCount = nodeCount;
    this.reasons = new TreeMap<>(reasons);
  }

  /** Number of nodes considered. */
  public int nodeCount() {
    return nodeCount;
  }

  /** Reason text to number of nodes that failed for it, sorted by reason. */
  public Map<String, Integer> reasons() {
    return reasons;
  }

  /** The human-readable summary written to the pod's PodScheduled condition. */
  public String message() {
    StringBuilder sb = new StringBuilder();
    sb.append("0/").append(nodeCount).append(" nodes are available");
    if (reasons.isEmpty()) {
      return sb.append('.').toString();
    }
    sb.append(": ");
    boolean first = true;
    for (Map.Entry<String, Integer> e : reasons.entrySet()) {
      if (!first) {
        sb.append(", ");
      }
      first = false;
      sb.append(e.getValue()).append(' ').append(e.getKey());
    }
    return sb.append('.').toString();
  }

  @Override
  public String toString() {
    return message();
  }
}
