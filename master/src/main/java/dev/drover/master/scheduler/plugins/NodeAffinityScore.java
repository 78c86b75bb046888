package dev.drover.master.scheduler.plugins;

import dev.drover.master.scheduler.framework.CycleState;
import dev.drover.master.scheduler.framework.NodeInfo;
import dev.drover.master.scheduler.framework.PodInfo;

/**
 * Preferred node affinity: a node scores the sum of the weights of the preferred terms it matches,
 * scaled so that the best feasible node gets 100.
 */
public final class NodeAffinityScore extends WeightedScore {

  public NodeAffinityScore(int weight) {
    super("NodeAffinity", weight);
  }

  @Override
  public boolean score(CycleState state, NodeInfo[] nodes, int count, long[] scores) {
    PodInfo pod = state.pod();
    if (pod.preferredNodeTerms.length == 0) {
      return false;
    }
    long max = 0;
    for (int k = 0; k < count; k++) {
      NodeInfo n = nodes[k];
      long s = 0;
      for (int t = 0; t < pod.preferredNodeTerms.length; t++) {
        if (pod.preferredNodeTerms[t].matches(n.name(), n.labels())) {
          s += pod.preferredNodeWeights[t];
        }
      }
      scores[k] = s;
      max = Math.max(max, s);
    }
    if (max == 0) {
      return false;
    }
    for (int k = 0; k < count; k++) {
      scores[k] = scores[k] * 100 / max;
    }
    return true;
  }
}
