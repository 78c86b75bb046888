package dev.drover.api;

import dev.drover.api.v1.Condition;
import dev.drover.api.v1.ConditionStatus;
import dev.drover.api.v1.Node;
import dev.drover.api.v1.Pod;
import java.util.List;
import java.util.Optional;

/**
 * Reading conditions ({@code type, status, reason, message, last_transition_time}) the one way: the
 * well-known condition types, and whether a pod or node is Ready.
 */
public final class Conditions {
  /** Pod: serves traffic. Node: its agent renews its lease and can run pods. */
  public static final String READY = "Ready";

  /** Pod: bound to a node (or why not). */
  public static final String POD_SCHEDULED = "PodScheduled";

  /** ReplicaSet, and the Deployment owning it: pods cannot be created or deleted. */
  public static final String REPLICA_FAILURE = "ReplicaFailure";

  private Conditions() {}

  /** The condition of a type, if present. */
  public static Optional<Condition> find(List<Condition> conditions, String type) {
    for (Condition c : conditions) {
      if (c.getType().equals(type)) {
        return Optional.of(c);
      }
    }
    return Optional.empty();
  }

  /** True when the condition of this type is present with status True. */
  public static boolean isTrue(List<Condition> conditions, String type) {
    return find(conditions, type)
        .map(c -> c.getStatus() == ConditionStatus.CONDITION_STATUS_TRUE)
        .orElse(false);
  }

  /** True when the pod's Ready condition is true. */
  public static boolean isReady(Pod pod) {
    return isTrue(pod.getStatus().getConditionsList(), READY);
  }

  /** True when the node's Ready condition is true. */
  public static boolean isReady(Node node) {
    return isTrue(node.getStatus().getConditionsList(), READY);
  }

  /** The node's Ready status: True, False or Unknown (also when it never reported). */
  public static ConditionStatus readyStatus(Node node) {
    return find(node.getStatus().getConditionsList(), READY)
        .map(Condition::getStatus)
        .filter(s -> s != ConditionStatus.CONDITION_STATUS_UNSPECIFIED)
        .orElse(ConditionStatus.CONDITION_STATUS_UNKNOWN);
  }
}
