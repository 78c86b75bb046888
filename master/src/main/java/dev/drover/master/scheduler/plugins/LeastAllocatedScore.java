package dev.drover.master.scheduler.plugins;

/** Spread: favours nodes with the most room left once the pod is added. */
public final class LeastAllocatedScore extends ResourceAllocationScore {

  public LeastAllocatedScore(int weight) {
    super("LeastAllocated", weight);
  }

  @Override
  long resourceScore(long requested, long allocatable) {
    if (allocatable <= 0 || requested > allocatable) {
      return 0;
    }
    return (allocatable - requested) * 100 / allocatable;
  }
}
