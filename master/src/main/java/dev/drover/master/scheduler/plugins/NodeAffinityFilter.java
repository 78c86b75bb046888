package dev.drover.master.scheduler.plugins;

import dev.drover.master.scheduler.framework.CycleState;
import dev.drover.master.scheduler.framework.FilterPlugin;
import dev.drover.master.scheduler.framework.NodeInfo;
import dev.drover.master.scheduler.framework.PodInfo;
import dev.drover.master.scheduler.framework.Status;

/** Keeps pods on nodes that match their node selector and required node affinity. */
public final class NodeAffinityFilter implements FilterPlugin {

  public static final String REASON = "node(s) didn't match Pod's node affinity/selector";

  @Override
  public String name() {
    return "NodeAffinity";
  }

  @Override
  public boolean preFilter(CycleState state) {
    return !state.pod().nodeAffinity.selectsAll();
  }

  @Override
  public Status filter(PodInfo pod, NodeInfo node, CycleState state) {
    if (!pod.nodeAffinity.matches(node.name(), node.labels())) {
      return state.fail(Status.UNSCHEDULABLE_AND_UNRESOLVABLE, REASON);
    }
    return Status.SUCCESS;
  }
}
