package dev.drover.master.scheduler.plugins;

import dev.drover.master.scheduler.framework.CycleState;
import dev.drover.master.scheduler.framework.NodeInfo;
import dev.drover.master.scheduler.framework.PodInfo;

/**
 * Favours nodes whose CPU and memory use stay in step once the pod is added, so that neither runs
 * out while the other sits idle.
 */
public final class BalancedAllocationScore extends WeightedScore {

  public BalancedAllocationScore(int weight) {
    super("BalancedAllocation", weight);
  }

  @Override
  public boolean score(CycleState state, NodeInfo[] nodes, int count, long[] scores) {
    PodInfo pod = state.pod();
    for (int k = 0; k < count; k++) {
      NodeInfo n = nodes[k];
      double fc =
          fraction(n.nonZeroRequestedMilliCpu() + pod.nonZeroMilliCpu, n.allocatableMilliCpu());
      double fm = fraction(n.nonZeroRequestedMemory() + pod.nonZeroMemory, n.allocatableMemory());
      scores[k] = (long) ((1 - Math.abs(fc - fm) / 2) * 100);
    }
    return true;
  }

  private static double fraction(long requested, long allocatable) {
    return allocatable <= 0 ? 1 : Math.min(1.0, (double) requested / allocatable);
  }
}
