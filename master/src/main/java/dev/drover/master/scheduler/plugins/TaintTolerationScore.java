package dev.drover.master.scheduler.plugins;

import dev.drover.api.Tolerations;
import dev.drover.api.v1.Taint;
import dev.drover.master.scheduler.framework.CycleState;
import dev.drover.master.scheduler.framework.NodeInfo;
import java.util.Arrays;

/**
 * PreferNoSchedule taints: the fewer of them a node has that the pod does not tolerate, the better,
 * relative to the worst feasible node.
 */
public final class TaintTolerationScore extends WeightedScore {

  public TaintTolerationScore(int weight) {
    super("TaintToleration", weight);
  }

  @Override
  public boolean score(CycleState state, NodeInfo[] nodes, int count, long[] scores) {
    if (state.snapshot().preferNoScheduleNodeCount() == 0) {
      // No node has such a taint: every node is as good as the best.
      Arrays.fill(scores, 0, count, 100);
      return true;
    }
    long max = 0;
    for (int k = 0; k < count; k++) {
      long untolerated = 0;
      for (Taint t : nodes[k].preferNoScheduleTaints()) {
        if (!Tolerations.anyTolerates(state.pod().tolerations, t)) {
          untolerated++;
        }
      }
      scores[k] = untolerated;
      max = Math.max(max, untolerated);
    }
    for (int k = 0; k < count; k++) {
      scores[k] = max == 0 ? 100 : 100 - scores[k] * 100 / max;
    }
    return true;
  }
}
