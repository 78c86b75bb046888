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
 * @param initialBackoffMillis how long a pod that failed waits before its next attempt (it doubles
 *     with every failure); a cluster change that may let it fit retries it at once
 * @param maxBackoffMillis the longest such wait
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
    long seed,
    long initialBackoffMillis,
    long maxBackoffMillis) {

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
      resourceWeight,
      balancedWeight,
      nodeAffinityWeight,
      podAffinityWeight,
      spreadWeight,
      taintWeight
    };
    if (initialBackoffMillis <= 0 || maxBackoffMillis < initialBackoffMillis) {
      throw new IllegalArgumentException(
          "backoff: need 0 < initial ("
              + initialBackoffMillis
              + " ms) <= max ("
              + maxBackoffMillis
              + " ms)");
    }
    for (int w : weights) {
      if (w < 0) {
        throw new IllegalArgumentException("weights must not be negative, got " + w);
      }
    }
  }

  /** Backoff of kube-scheduler's queue: 1 s, doubling up to 10 s. */
  public static final long DEFAULT_INITIAL_BACKOFF_MILLIS = 1000;

  public static final long DEFAULT_MAX_BACKOFF_MILLIS = 10_000;

  /** Spread with balanced allocation, default weights, adaptive sampling, default backoff. */
  public static SchedulerConfig defaults(long seed) {
    return new SchedulerConfig(
        Strategy.SPREAD,
        true,
        1,
        1,
        2,
        2,
        2,
        3,
        0,
        seed,
        DEFAULT_INITIAL_BACKOFF_MILLIS,
        DEFAULT_MAX_BACKOFF_MILLIS);
  }

  /** This configuration with another backoff. */
  public SchedulerConfig withBackoff(long initialMillis, long maxMillis) {
    return new SchedulerConfig(
        strategy,
        balancedAllocation,
        resourceWeight,
        balancedWeight,
        nodeAffinityWeight,
        podAffinityWeight,
        spreadWeight,
        taintWeight,
        percentageOfNodesToScore,
        seed,
        initialMillis,
        maxMillis);
  }

  /** This configuration with another strategy. */
  public SchedulerConfig withStrategy(Strategy s) {
    return new SchedulerConfig(
        s,
        balancedAllocation,
        resourceWeight,
        balancedWeight,
        nodeAffinityWeight,
        podAffinityWeight,
        spreadWeight,
        taintWeight,
        percentageOfNodesToScore,
        seed,
        initialBackoffMillis,
        maxBackoffMillis);
  }

  /** This configuration scoring {@code percent} of the nodes (0 = adaptive). */
  public SchedulerConfig withPercentageOfNodesToScore(int percent) {
    return new SchedulerConfig(
        strategy,
        balancedAllocation,
        resourceWeight,
        balancedWeight,
        nodeAffinityWeight,
        podAffinityWeight,
        spreadWeight,
        taintWeight,
        percent,
        seed,
        initialBackoffMillis,
        maxBackoffMillis);
  }
}
