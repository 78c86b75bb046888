package dev.drover.master.scheduler.plugins;

import dev.drover.master.scheduler.framework.ClusterSnapshot;
import dev.drover.master.scheduler.framework.ClusterSnapshot.Domains;
import dev.drover.master.scheduler.framework.CycleState;
import dev.drover.master.scheduler.framework.NodeInfo;
import dev.drover.master.scheduler.framework.PodInfo;
import dev.drover.master.scheduler.framework.PodInfo.SpreadConstraint;

/**
 * ScheduleAnyway topology spread constraints: the fewer matching pods a node's domains hold
 * (weighted by how many domains each key has), the better; nodes missing a topology label score 0.
 */
public final class TopologySpreadScore extends WeightedScore {

  public TopologySpreadScore(int weight) {
    super("PodTopologySpread", weight);
  }

  @Override
  public boolean score(CycleState state, int[] feasible, int count, long[] scores) {
    PodInfo pod = state.pod();
    if (pod.softSpread.length == 0) {
      return false;
    }
    ClusterSnapshot snap = state.snapshot();
    int m = pod.softSpread.length;
    Domains[] domains = new Domains[m];
    long[][] counts = new long[m][];
    double[] weights = new double[m];
    boolean[] eligible = SpreadEligibility.eligibleNodes(pod, snap, pod.softSpread);
    for (int j = 0; j < m; j++) {
      domains[j] = snap.domains(pod.softSpread[j].topologyKey);
      counts[j] = new long[domains[j].count()];
      weights[j] = Math.log(domains[j].count() + 2);
    }
    for (int j = 0; j < m; j++) {
      SpreadConstraint sc = pod.softSpread[j];
      int[] perNode = snap.matchingPerNode(sc.namespaces, sc.selector);
      for (int i = 0; i < perNode.length; i++) {
        if (eligible[i]) {
          counts[j][domains[j].ofIndex(i)] += perNode[i];
        }
      }
    }
    double[] sums = new double[count];
    boolean[] ignored = new boolean[count];
    double max = 0;
    double min = Double.MAX_VALUE;
    for (int k = 0; k < count; k++) {
      NodeInfo n = snap.node(feasible[k]);
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
