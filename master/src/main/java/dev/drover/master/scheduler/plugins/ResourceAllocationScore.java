package dev.drover.master.scheduler.plugins;

import dev.drover.master.scheduler.framework.CycleState;
import dev.drover.master.scheduler.framework.NodeInfo;
import dev.drover.master.scheduler.framework.PodInfo;

/**
 * The mean over CPU and memory of a per-resource score of the node's requests with the pod added;
 * pods that request nothing count at kube-scheduler's non-zero defaults.
 */
abstract class ResourceAllocationScore extends WeightedScore {

  ResourceAllocationScore(String name, int weight) {
    super(name, weight);
  }

  /** The score of one resource, 0..100. */
  abstract long resourceScore(long requested, long allocatable);

  @Override
  public boolean score(CycleState state, NodeInfo[] nodes, int count, long[] scores) {
    PodInfo pod = state.pod();
    for (int k = 0; k < count; k++) {
      NodeInfo n = nodes[k];
      long cpu = n.nonZeroRequestedMilliCpu() + pod.nonZeroMilliCpu;
      long mem = n.nonZeroRequestedMemory() + pod.nonZeroMemory;
      scores[k] =
          (resourceScore(cpu, n.allocatableMilliCpu()) + resourceScore(mem, n.allocatableMemory()))
              / 2;
    }
    return true;
  }
}
