package dev.drover.master.scheduler.plugins;

/** Bin-pack: favours the nodes that are fullest once the pod is added. */
public final class MostAllocatedScore extends ResourceAllocationScore {

  public MostAllocatedScore(int weight) {
    super("MostAllocated", weight);
  }

  @Override
  long resourceScore(long requested, long allocatable) {
    if (allocatable <= 0) {
      return 0;
    }
    return Math.min(requested, allocatable) * 100 / allocatable;
  }
}
