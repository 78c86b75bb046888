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
 * Keeps pods off nodes that are not Ready, unless they tolerate the not-ready taint (as a
 * NoSchedule taint, the way kube-scheduler treats the node condition).
 */
public final class NodeReadyFilter implements FilterPlugin {

  public static final String REASON = "node(s) were not ready";
  public static final String TAINT_KEY = "node.kubernetes.io/not-ready";

  private static final Taint TAINT =
      Taint.newBuilder().setKey(TAINT_KEY).setEffect(TaintEffect.TAINT_EFFECT_NO_SCHEDULE).build();

  @Override
  public String name() {
    return "NodeReady";
  }

  @Override
  public Status filter(PodInfo pod, NodeInfo node, CycleState state) {
    if (!node.ready() && !Tolerations.anyTolerates(pod.tolerations, TAINT)) {
      return state.fail(Status.UNSCHEDULABLE_AND_UNRESOLVABLE, REASON);
    }
    return Status.SUCCESS;
  }
}
