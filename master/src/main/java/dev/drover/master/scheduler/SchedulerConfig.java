package dev.drover.master.scheduler;

/**
 * Cluster-wide scheduling policy: how nodes are scored (spread or bin-pack), the weight of each
 * score, how many feasible nodes to look for before scoring, and the seed of the tie-breaking
 * random source.
 *
 * <p>Default weights are kube-scheduler's: resources 1, balanced allocation 1, node affinity 2,
 * inter-pod affinity 2, topology spread 2, taint toleration 3.
 *
 * @param strategy least allocated (spread) or most allocated (bin-pack)
 * @param balancedAllocation whether to also favour nodes whose CPU and memory use stay in step
 * @param resourceWeight weight of the spread/bin-pack score
 * @param balancedWeight weight of the balanced allocation score
 * @param nodeAffinityWeight weight of preferred node affinity
 * @param podAffinityWeight weight of preferred pod affinity and anti-affinity
 * @param spreadWeight weight of ScheduleAnyway topology spread constraints
 * @param taintWeight weight of PreferNoSchedule taints
 * @param percentageOfNodesToScore 1..100, or 0 for kube-scheduler's adaptive percentage
 * @param seed seed of the random source that breaks ties between equally scored nodes
 */
public record SchedulerConfig(
    Strategy strategy,
    boolean balancedAllocation,
    int resourceWeight,
    int balancedWeight,
    int nodeAffinityWeight,
    int podAffinityWeight,
    int spreadWeight,
    int taintWeight,
    int percentageOfNodesToScore,
    long seed) {

  /** How the resource score ranks nodes. */
  public enum Strategy {
    /** Least allocated first: spreads load over nodes. */
    SPREAD,
    /** Most allocated first: packs pods onto few nodes. */
    BIN_PACK
  }

  public SchedulerConfig {
    if (strategy == null) {
      throw new IllegalArgumentException("strategy: must be set");
    }
    if (percentageOfNodesToScore < 0 || percentageOfNodesToScore > 100) {
      throw new IllegalArgumentException(
          "percentageOfNodesToScore: " + percentageOfNodesToScore + " is not in 0..100");
    }
    int[] weights = {
      resourceWeight, balancedWeight, nodeAffinityWeight, podAffinityWeight, spreadWeight,
      taintWeight
    };
    for (int w : weights) {
      if (w < 0) {
        throw new IllegalArgumentException("weights must not be negative, got " + w);
      }
    }
  }

  /** Spread with balanced allocation, default weights, adaptive sampling. */
  public static SchedulerConfig defaults(long seed) {
    return new SchedulerConfig(Strategy.SPREAD, true, 1, 1, 2, 2, 2, 3, 0, seed);
  }

  /** This configuration with another strategy. */
  public SchedulerConfig withStrategy(Strategy s) {
    return new SchedulerConfig(
        s, balancedAllocation, resourceWeight, balancedWeight, nodeAffinityWeight,
        podAffinityWeight, spreadWeight, taintWeight, percentageOfNodesToScore, seed);
  }

  /** This configuration scoring {@code percent} of the nodes (0 = adaptive). */
  public SchedulerConfig withPercentageOfNodesToScore(int percent) {
    return new SchedulerConfig(
        strategy, balancedAllocation, resourceWeight, balancedWeight, nodeAffinityWeight,
        podAffinityWeight, spreadWeight, taintWeight, percent, seed);
  }
}
