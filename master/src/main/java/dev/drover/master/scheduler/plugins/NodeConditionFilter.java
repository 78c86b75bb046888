package dev.drover.master.scheduler.plugins;

import dev.drover.api.Tolerations;
import dev.drover.api.v1.Taint;
import dev.drover.api.v1.TaintEffect;
import dev.drover.master.scheduler.framework.ClusterSnapshot;
import dev.drover.master.scheduler.framework.CycleState;
import dev.drover.master.scheduler.framework.FilterPlugin;
import dev.drover.master.scheduler.framework.NodeInfo;
import dev.drover.master.scheduler.framework.PodInfo;
import dev.drover.master.scheduler.framework.Status;

/**
 * Refuses nodes in a condition (not ready, cordoned) unless the pod tolerates the condition's
 * taint, taken as a NoSchedule taint the way kube-scheduler treats node conditions.
 */
abstract class NodeConditionFilter implements FilterPlugin {

  private final String name;
  private final String reason;
  private final Taint taint;

  NodeConditionFilter(String name, String reason, String taintKey) {
    this.name = name;
    this.reason = reason;
    this.taint =
        Taint.newBuilder().setKey(taintKey).setEffect(TaintEffect.TAINT_EFFECT_NO_SCHEDULE).build();
  }

  /** Whether the node is in the condition that keeps pods off. */
  abstract boolean refuses(NodeInfo node);

  /** How many live nodes are in the condition. */
  abstract int nodesInCondition(ClusterSnapshot snapshot);

  @Override
  public final boolean preFilter(CycleState state) {
    return nodesInCondition(state.snapshot()) > 0;
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final Status filter(PodInfo pod, NodeInfo node, CycleState state) {
    if (refuses(node) && !Tolerations.anyTolerates(pod.tolerations, taint)) {
      return state.fail(Status.UNSCHEDULABLE_AND_UNRESOLVABLE, reason);
    }
    return Status.SUCCESS;
  }
}
