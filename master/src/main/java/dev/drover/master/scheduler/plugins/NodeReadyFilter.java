package dev.drover.master.scheduler.plugins;

import dev.drover.api.WellKnown;
import dev.drover.master.scheduler.framework.ClusterSnapshot;
import dev.drover.master.scheduler.framework.NodeInfo;

/** Keeps pods off nodes that are not Ready, unless they tolerate the not-ready taint. */
public final class NodeReadyFilter extends NodeConditionFilter {

  public static final String REASON = "node(s) were not ready";
  public static final String TAINT_KEY = WellKnown.NOT_READY_TAINT;

  public NodeReadyFilter() {
    super("NodeReady", REASON, TAINT_KEY);
  }

  @Override
  boolean refuses(NodeInfo node) {
    return !node.ready();
  }

  @Override
  int nodesInCondition(ClusterSnapshot snapshot) {
    return snapshot.notReadyNodeCount();
  }
}
