package dev.drover.master.scheduler.plugins;

import dev.drover.master.scheduler.framework.ClusterSnapshot;
import dev.drover.master.scheduler.framework.ClusterSnapshot.Domains;
import dev.drover.master.scheduler.framework.CycleState;
import dev.drover.master.scheduler.framework.FilterPlugin;
import dev.drover.master.scheduler.framework.NodeInfo;
import dev.drover.master.scheduler.framework.PodInfo;
import dev.drover.master.scheduler.framework.PodInfo.SpreadConstraint;
import dev.drover.master.scheduler.framework.StateKey;
import dev.drover.master.scheduler.framework.Status;

/**
 * Enforces the pod's DoNotSchedule topology spread constraints: placing it in a node's domain must
 * not make that domain hold more than max_skew matching pods above the least-loaded eligible
 * domain; a node without the topology label is refused.
 */
public final class TopologySpreadFilter implements FilterPlugin {

  public static final String REASON = "node(s) didn't match pod topology spread constraints";
  public static final String MISSING_LABEL =
      "node(s) didn't match pod topology spread constraints (missing required label)";

  private static final StateKey<SpreadState[]> STATE = StateKey.create("TopologySpreadFilter");

  @Override
  public String name() {
    return "PodTopologySpread";
  }

  @Override
  public boolean preFilter(CycleState state) {
    if (state.pod().hardSpread.length == 0) {
      return false;
    }
    state.write(STATE, spreadState(state.pod(), state.snapshot()));
    return true;
  }

  @Override
  public Status filter(PodInfo pod, NodeInfo node, CycleState state) {
    SpreadState[] spread = state.read(STATE);
    for (int k = 0; k < spread.length; k++) {
      SpreadState s = spread[k];
      int dom = s.domains.of(node);
      if (dom < 0) {
        return state.fail(Status.UNSCHEDULABLE_AND_UNRESOLVABLE, MISSING_LABEL);
      }
      int self = s.constraint.selfMatch ? 1 : 0;
      if (s.counts[dom] + self - s.min > s.constraint.maxSkew) {
        return state.fail(Status.UNSCHEDULABLE_AND_UNRESOLVABLE, REASON);
      }
    }
    return Status.SUCCESS;
  }

  private static SpreadState[] spreadState(PodInfo pod, ClusterSnapshot snap) {
    SpreadEligibility.Counts c = SpreadEligibility.count(pod, snap, pod.hardSpread);
    SpreadState[] out = new SpreadState[pod.hardSpread.length];
    for (int j = 0; j < out.length; j++) {
      int[] counts = c.counts()[j];
      boolean[] present = c.present() == null ? null : c.present()[j];
      int min = Integer.MAX_VALUE;
      for (int dom = 0; dom < counts.length; dom++) {
        if (present == null || present[dom]) {
          min = Math.min(min, counts[dom]);
        }
      }
      out[j] = new SpreadState(pod.hardSpread[j], c.domains()[j], counts);
      out[j].min = min == Integer.MAX_VALUE ? 0 : min;
    }
    return out;
  }

  /** Counts of matching pods per domain for one DoNotSchedule constraint. */
  private static final class SpreadState {
    final SpreadConstraint constraint;
    final Domains domains;
    final int[] counts;
    int min;

    SpreadState(SpreadConstraint constraint, Domains domains, int[] counts) {
      this.constraint = constraint;
      this.domains = domains;
      this.counts = counts;
    }
  }
}
