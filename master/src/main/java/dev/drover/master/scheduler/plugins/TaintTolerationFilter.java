package dev.drover.master.scheduler.plugins;

import dev.drover.api.Tolerations;
import dev.drover.api.v1.Taint;
import dev.drover.master.scheduler.framework.CycleState;
import dev.drover.master.scheduler.framework.FilterPlugin;
import dev.drover.master.scheduler.framework.NodeInfo;
import dev.drover.master.scheduler.framework.PodInfo;
import dev.drover.master.scheduler.framework.Status;

/** Keeps pods off nodes with a NoSchedule or NoExecute taint they do not tolerate. */
public final class TaintTolerationFilter implements FilterPlugin {

  @Override
  public String name() {
    return "TaintToleration";
  }

  @Override
  public boolean preFilter(CycleState state) {
    return state.snapshot().taintedNodeCount() > 0;
  }

  @Override
  public Status filter(PodInfo pod, NodeInfo node, CycleState state) {
    Taint untolerated = Tolerations.firstUntolerated(pod.tolerations, node.hardTaints());
    if (untolerated == null) {
      return Status.SUCCESS;
    }
    if (state.diagnosing()) {
      state.addReason(reason(untolerated));
    }
    return Status.UNSCHEDULABLE_AND_UNRESOLVABLE;
  }

  /** The failure reason naming the taint, as kube-scheduler words it. */
  public static String reason(Taint taint) {
    return "node(s) had untolerated taint {" + taint.getKey() + ": " + taint.getValue() + "}";
  }
}
