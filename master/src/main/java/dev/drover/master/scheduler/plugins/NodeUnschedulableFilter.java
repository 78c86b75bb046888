package dev.drover.master.scheduler.plugins;

import dev.drover.api.Tolerations;
import dev.drover.api.v1.Taint;
import dev.drover.api.v1.TaintEffect;
import dev.drover.master.scheduler.framework.CycleState;
import dev.drover.master.scheduler.framework.FilterPlugin;
import dev.drover.master.scheduler.framework.NodeInfo;
import dev.drover.master.scheduler.framework.PodInfo;
import dev.drover.master.scheduler.framework.Status;

/**
 * Keeps pods off cordoned nodes (spec.unschedulable), unless they tolerate the unschedulable taint.
 */
public final class NodeUnschedulableFilter implements FilterPlugin {

  public static final String REASON = "node(s) were unschedulable";
  public static final String TAINT_KEY = "node.kubernetes.io/unschedulable";

  private static final Taint TAINT =
      Taint.newBuilder().setKey(TAINT_KEY).setEffect(TaintEffect.TAINT_EFFECT_NO_SCHEDULE).build();

  @Override
  public String name() {
    return "NodeUnschedulable";
  }

  @Override
  public Status filter(PodInfo pod, NodeInfo node, CycleState state) {
    if (node.unschedulable() && !Tolerations.anyTolerates(pod.tolerations, TAINT)) {
      return state.fail(Status.UNSCHEDULABLE_AND_UNRESOLVABLE, REASON);
    }
    return Status.SUCCESS;
  }
}
