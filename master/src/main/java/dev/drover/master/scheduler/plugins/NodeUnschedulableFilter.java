package dev.drover.master.scheduler.plugins;

import dev.drover.master.scheduler.framework.ClusterSnapshot;
import dev.drover.master.scheduler.framework.NodeInfo;

/**
 * Keeps pods off cordoned nodes (spec.unschedulable), unless they tolerate the unschedulable taint.
 */
public final class NodeUnschedulableFilter extends NodeConditionFilter {

  public static final String REASON = "node(s) were unschedulable";
  public static final String TAINT_KEY = "node.kubernetes.io/unschedulable";

  public NodeUnschedulableFilter() {
    super("NodeUnschedulable", REASON, TAINT_KEY);
  }

  @Override
  boolean refuses(NodeInfo node) {
    return node.unschedulable();
  }

  @Override
  int nodesInCondition(ClusterSnapshot snapshot) {
    return snapshot.unschedulableNodeCount();
  }
}
