package dev.drover.master.scheduler.plugins;

import dev.drover.master.scheduler.framework.ClusterSnapshot.Domains;
import dev.drover.master.scheduler.framework.CycleState;
import dev.drover.master.scheduler.framework.NodeInfo;
import dev.drover.master.scheduler.framework.PodInfo;

/**
 * ScheduleAnyway topology spread constraints: the fewer matching pods a node's domains hold
 * (weighted by how many domains each key has), the better; nodes missing a topology label score 0.
 */
public final class TopologySpreadScore extends WeightedScore {

  public TopologySpreadScore(int weight) {
    super("PodTopologySpread", weight);
  }

  @Override
  public boolean score(CycleState state, NodeInfo[] nodes, int count, long[] scores) {
    PodInfo pod = state.pod();
    if (pod.softSpread.length == 0) {
      return false;
    }
    int m = pod.softSpread.length;
    SpreadEligibility.Counts c = SpreadEligibility.count(pod, state.snapshot(), pod.softSpread);
    Domains[] domains = c.domains();
    int[][] counts = c.counts();
    double[] weights = new double[m];
    for (int j = 0; j < m; j++) {
      weights[j] = Math.log(domains[j].count() + 2);
    }
    double[] sums = new double[count];
    boolean[] ignored = new boolean[count];
    double max = 0;
    double min = Double.MAX_VALUE;
    for (int k = 0; k < count; k++) {
      NodeInfo n = nodes[k];
      double s = 0;
      for (int j = 0; j < m; j++) {
        int dom = domains[j].of(n);
        if (dom < 0) {
          ignored[k] = true;
          break;
        }
        s += counts[j][dom] * weights[j];
      }
      sums[k] = s;
      if (!ignored[k]) {
        max = Math.max(max, s);
        min = Math.min(min, s);
      }
    }
    for (int k = 0; k < count; k++) {
      if (ignored[k]) {
        scores[k] = 0;
      } else if (max == 0) {
        scores[k] = 100;
      } else {
        scores[k] = (long) (100 * (max + min - sums[k]) / max);
      }
    }
    return true;
  }
}
