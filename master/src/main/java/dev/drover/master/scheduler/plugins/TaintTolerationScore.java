package dev.drover.master.scheduler.plugins;

import dev.drover.api.Tolerations;
import dev.drover.api.v1.Taint;
import dev.drover.master.scheduler.framework.CycleState;

/**
 * PreferNoSchedule taints: the fewer of them a node has that the pod does not tolerate, the better,
 * relative to the worst feasible node.
 */
public final class TaintTolerationScore extends WeightedScore {

  public TaintTolerationScore(int weight) {
    super("TaintToleration", weight);
  }

  @Override
  public boolean score(CycleState state, int[] feasible, int count, long[] scores) {
    long max = 0;
    for (int k = 0; k < count; k++) {
      long untolerated = 0;
      for (Taint t : state.snapshot().node(feasible[k]).preferNoScheduleTaints()) {
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
