package dev.drover.master.scheduler;

import dev.drover.api.v1.PersistentVolume;
import dev.drover.api.v1.PersistentVolumeClaim;
import dev.drover.master.scheduler.framework.FilterPlugin;
import dev.drover.master.scheduler.framework.ScorePlugin;
import dev.drover.master.scheduler.plugins.BalancedAllocationScore;
import dev.drover.master.scheduler.plugins.InterPodAffinityScore;
import dev.drover.master.scheduler.plugins.LeastAllocatedScore;
import dev.drover.master.scheduler.plugins.MostAllocatedScore;
import dev.drover.master.scheduler.plugins.NodeAffinityFilter;
import dev.drover.master.scheduler.plugins.NodeAffinityScore;
import dev.drover.master.scheduler.plugins.NodePortsFilter;
import dev.drover.master.scheduler.plugins.NodeReadyFilter;
import dev.drover.master.scheduler.plugins.NodeResourcesFitFilter;
import dev.drover.master.scheduler.plugins.NodeUnschedulableFilter;
import dev.drover.master.scheduler.plugins.PodAffinityFilter;
import dev.drover.master.scheduler.plugins.PodAntiAffinityFilter;
import dev.drover.master.scheduler.plugins.TaintTolerationFilter;
import dev.drover.master.scheduler.plugins.TaintTolerationScore;
import dev.drover.master.scheduler.plugins.TopologySpreadFilter;
import dev.drover.master.scheduler.plugins.TopologySpreadScore;
import dev.drover.master.scheduler.plugins.VolumeBindingFilter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The plugins a {@link PlacementAlgorithm} runs: filters in order (a node's first failure is the
 * reason it is reported under, so cheap node-local checks come first and checks preemption can fix
 * come before those it cannot), and weighted scores.
 *
 * @param filters run in this order for every node until one fails
 * @param scores each adds its weighted score to every feasible node's total
 */
public record SchedulingProfile(List<FilterPlugin> filters, List<ScorePlugin> scores) {

  public SchedulingProfile {
    filters = List.copyOf(filters);
    scores = List.copyOf(scores);
  }

  /**
   * kube-scheduler's default plugins, with the strategy and weights of {@code config}, for a
   * cluster without PersistentVolumeClaims (a pod using one fits no node).
   */
  public static SchedulingProfile defaults(SchedulerConfig config) {
    return defaults(config, NO_VOLUMES);
  }

  private static final VolumeBindingFilter.Volumes NO_VOLUMES =
      new VolumeBindingFilter.Volumes() {
        @Override
        public Optional<PersistentVolumeClaim> claim(String namespace, String name) {
          return Optional.empty();
        }

        @Override
        public Optional<PersistentVolume> volume(String name) {
          return Optional.empty();
        }

        @Override
        public List<PersistentVolume> volumes() {
          return List.of();
        }
      };

  /** The default plugins, reading claims and volumes from {@code volumes}. */
  public static SchedulingProfile defaults(
      SchedulerConfig config, VolumeBindingFilter.Volumes volumes) {
    List<FilterPlugin> filters =
        List.of(
            new NodeReadyFilter(),
            new NodeUnschedulableFilter(),
            new TaintTolerationFilter(),
            new NodeAffinityFilter(),
            new VolumeBindingFilter(volumes),
            new NodePortsFilter(),
            new NodeResourcesFitFilter(),
            new TopologySpreadFilter(),
            new PodAntiAffinityFilter(),
            new PodAffinityFilter());
    List<ScorePlugin> scores = new ArrayList<>();
    scores.add(
        config.strategy() == SchedulerConfig.Strategy.SPREAD
            ? new LeastAllocatedScore(config.resourceWeight())
            : new MostAllocatedScore(config.resourceWeight()));
    if (config.balancedAllocation()) {
      scores.add(new BalancedAllocationScore(config.balancedWeight()));
    }
    scores.add(new NodeAffinityScore(config.nodeAffinityWeight()));
    scores.add(new TaintTolerationScore(config.taintWeight()));
    scores.add(new InterPodAffinityScore(config.podAffinityWeight()));
    scores.add(new TopologySpreadScore(config.spreadWeight()));
    return new SchedulingProfile(filters, scores);
  }
}
