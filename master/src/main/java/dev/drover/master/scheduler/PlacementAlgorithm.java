package dev.drover.master.scheduler;

import dev.drover.master.scheduler.framework.ClusterSnapshot;
import dev.drover.master.scheduler.framework.CycleState;
import dev.drover.master.scheduler.framework.EvictionAwareFilter;
import dev.drover.master.scheduler.framework.FilterPlugin;
import dev.drover.master.scheduler.framework.NodeInfo;
import dev.drover.master.scheduler.framework.NodeInfo.PlacedPod;
import dev.drover.master.scheduler.framework.PodInfo;
import dev.drover.master.scheduler.framework.PodInfo.AffinityTerm;
import dev.drover.master.scheduler.framework.ScorePlugin;
import dev.drover.master.scheduler.framework.Status;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Chooses a node for a pod from a {@link ClusterSnapshot} by running the plugins of a {@link
 * SchedulingProfile}: a pure computation without I/O or threads, in the shape of kube-scheduler's
 * cycle.
 *
 * <ol>
 *   <li>Pre-filter: each filter computes what it needs about the whole cluster once per pod.
 *   <li>Filter: the filters run in order for each node until one fails. Like kube-scheduler it
 *       stops after finding enough feasible nodes (an adaptive percentage of the cluster), starting
 *       each pod where the previous one stopped so that all nodes get their turn.
 *   <li>Score: each score plugin rates the feasible nodes 0..100, times its weight; ties between
 *       the best totals are broken by a seeded random source.
 * </ol>
 *
 * <p>When no node fits, the nodes are checked again recording why each one failed, which makes the
 * {@link FitError}. {@link #preempt} finds the node where evicting the fewest, least important
 * lower-priority pods lets the pod fit.
 *
 * <p>Not thread-safe (it reuses buffers between pods); one instance per scheduling thread.
 */
public final class PlacementAlgorithm {

  private static final int MIN_FEASIBLE_NODES = 100;
  private static final int MIN_ADAPTIVE_PERCENTAGE = 5;

  private final SchedulerConfig config;
  private final FilterPlugin[] filters;
  private final ScorePlugin[] scorers;
  private final Random random;
  private int nextStartIndex;
  private NodeInfo[] feasible = new NodeInfo[0];
  private long[] totals = new long[0];
  private long[] scores = new long[0];

  /** The algorithm with the default plugins of {@code config}. */
  public PlacementAlgorithm(SchedulerConfig config) {
    this(config, SchedulingProfile.defaults(config));
  }

  /** The algorithm running exactly the plugins of {@code profile}. */
  public PlacementAlgorithm(SchedulerConfig config, SchedulingProfile profile) {
    this.config = config;
    this.filters = profile.filters().toArray(new FilterPlugin[0]);
    this.scorers = profile.scores().toArray(new ScorePlugin[0]);
    this.random = new Random(config.seed());
  }

  public SchedulerConfig config() {
    return config;
  }

  /** Picks a node for {@code pod}, or explains why none fits. */
  public ScheduleResult schedule(PodInfo pod, ClusterSnapshot snap) {
    int n = snap.nodeCount();
    if (n == 0) {
      return new ScheduleResult(null, new FitError(0, Map.of()), 0);
    }
    Cycle c = preFilter(pod, snap);
    // A pod that preempted others goes where it made room, if it fits there now (as in
    // Kubernetes): elsewhere the room it was given would be wasted.
    String nominated = snap.nominatedNode(pod.key);
    if (nominated != null) {
      NodeInfo target = snap.node(nominated);
      if (target != null && filter(c, target) == Status.SUCCESS) {
        return new ScheduleResult(target.name(), null, 1);
      }
    }
    ensureBuffers(n);
    int want = numFeasibleNodesToFind(n);
    int start = nextStartIndex % n;
    int found = 0;
    int processed = 0;
    for (int k = 0; k < n && found < want; k++) {
      int i = (start + k) % n;
      processed++;
      NodeInfo node = snap.node(i);
      if (filter(c, node) == Status.SUCCESS) {
        feasible[found++] = node;
      }
    }
    nextStartIndex = (start + processed) % n;
    if (found == 0) {
      c.state.startDiagnosis();
      for (int i = 0; i < n; i++) {
        filter(c, snap.node(i));
      }
      return new ScheduleResult(null, new FitError(n, c.state.reasons()), 0);
    }
    if (found == 1) {
      return new ScheduleResult(feasible[0].name(), null, 1);
    }
    score(c.state, found);
    long best = Long.MIN_VALUE;
    NodeInfo bestNode = null;
    int ties = 0;
    for (int k = 0; k < found; k++) {
      long s = totals[k];
      if (s > best) {
        best = s;
        bestNode = feasible[k];
        ties = 1;
      } else if (s == best) {
        // Reservoir sampling: each of the equally best nodes wins with the same probability.
        ties++;
        if (random.nextInt(ties) == 0) {
          bestNode = feasible[k];
        }
      }
    }
    return new ScheduleResult(bestNode.name(), null, found);
  }

  /**
   * Finds a node where evicting lower-priority pods lets {@code pod} fit: among such nodes the one
   * whose most important victim is least important, then the fewest victims, then the lowest sum of
   * victim priorities. Returns null when no eviction helps. Victims are only bound, not-terminating
   * pods of lower priority; only nodes whose first failing filter evictions can fix (resources,
   * host ports) are considered: evictions cannot fix a taint or a selector.
   */
  public Preemption preempt(PodInfo pod, ClusterSnapshot snap) {
    int n = snap.nodeCount();
    Cycle c = preFilter(pod, snap);
    Preemption best = null;
    long[] bestKey = null;
    for (int i = 0; i < n; i++) {
      NodeInfo node = snap.node(i);
      if (filter(c, node) != Status.UNSCHEDULABLE) {
        continue;
      }
      List<PodInfo> lower = new ArrayList<>();
      for (PlacedPod p : node.pods()) {
        if (p.info.priority < pod.priority
            && !p.assumed()
            && !p.info.terminating
            && !matchesAnyTerm(pod.requiredAffinity, p.info)) {
          lower.add(p.info);
        }
      }
      if (lower.isEmpty() || !fitsAfterEvicting(c, node, lower) || !fitsOtherwise(c, node)) {
        continue;
      }
      // Reprieve the most important pods first: keep each one if the pod still fits.
      lower.sort(
          Comparator.comparingInt((PodInfo p) -> -p.priority)
              .thenComparingLong(p -> p.creationNanos));
      List<PodInfo> removed = new ArrayList<>(lower);
      List<PodInfo> victims = new ArrayList<>();
      for (PodInfo p : lower) {
        removed.remove(p);
        if (!fitsAfterEvicting(c, node, removed)) {
          removed.add(p);
          victims.add(p);
        }
      }
      long maxPriority = Long.MIN_VALUE;
      long sum = 0;
      for (PodInfo v : victims) {
        maxPriority = Math.max(maxPriority, v.priority);
        sum += v.priority;
      }
      long[] key = {maxPriority, victims.size(), sum};
      if (bestKey == null || Arrays.compare(key, bestKey) < 0) {
        bestKey = key;
        best = new Preemption(node.name(), victims);
      }
    }
    return best;
  }

  /** Every feasible node by name, in node order, without sampling (tests, diagnosis). */
  List<String> feasibleNodes(PodInfo pod, ClusterSnapshot snap) {
    Cycle c = preFilter(pod, snap);
    List<String> out = new ArrayList<>();
    for (int i = 0; i < snap.nodeCount(); i++) {
      if (filter(c, snap.node(i)) == Status.SUCCESS) {
        out.add(snap.node(i).name());
      }
    }
    return out;
  }

  /** The weighted total score of every feasible node, without sampling (tests). */
  Map<String, Long> scores(PodInfo pod, ClusterSnapshot snap) {
    Cycle c = preFilter(pod, snap);
    int n = snap.nodeCount();
    ensureBuffers(n);
    int found = 0;
    for (int i = 0; i < n; i++) {
      if (filter(c, snap.node(i)) == Status.SUCCESS) {
        feasible[found++] = snap.node(i);
      }
    }
    score(c.state, found);
    Map<String, Long> out = new LinkedHashMap<>();
    for (int k = 0; k < found; k++) {
      out.put(feasible[k].name(), totals[k]);
    }
    return out;
  }

  int numFeasibleNodesToFind(int nodes) {
    if (nodes < MIN_FEASIBLE_NODES) {
      return nodes;
    }
    int percent = config.percentageOfNodesToScore();
    if (percent == 0) {
      percent = Math.max(MIN_ADAPTIVE_PERCENTAGE, 50 - nodes / 125);
    }
    if (percent >= 100) {
      return nodes;
    }
    return Math.max(MIN_FEASIBLE_NODES, (int) ((long) nodes * percent / 100));
  }

  /** Runs every filter's pre-filter step; the cycle keeps only the filters with work to do. */
  private Cycle preFilter(PodInfo pod, ClusterSnapshot snap) {
    CycleState state = new CycleState(pod, snap);
    FilterPlugin[] active = new FilterPlugin[filters.length];
    int count = 0;
    for (FilterPlugin f : filters) {
      if (f.preFilter(state)) {
        active[count++] = f;
      }
    }
    return new Cycle(state, count == active.length ? active : Arrays.copyOf(active, count));
  }

  /** The first failing filter's status, or SUCCESS. */
  private static Status filter(Cycle c, NodeInfo node) {
    PodInfo pod = c.state.pod();
    FilterPlugin[] active = c.filters;
    for (int i = 0; i < active.length; i++) {
      Status s = active[i].filter(pod, node, c.state);
      if (s != Status.SUCCESS) {
        return s;
      }
    }
    return Status.SUCCESS;
  }

  /** Whether every filter that looks at the node's pods passes once {@code evicted} are gone. */
  private static boolean fitsAfterEvicting(Cycle c, NodeInfo node, List<PodInfo> evicted) {
    for (FilterPlugin f : c.filters) {
      if (f instanceof EvictionAwareFilter e
          && !e.fitsAfterEvicting(c.state.pod(), node, evicted, c.state)) {
        return false;
      }
    }
    return true;
  }

  /** Whether every filter that evictions do not affect passes. */
  private static boolean fitsOtherwise(Cycle c, NodeInfo node) {
    for (FilterPlugin f : c.filters) {
      if (!(f instanceof EvictionAwareFilter)
          && f.filter(c.state.pod(), node, c.state) != Status.SUCCESS) {
        return false;
      }
    }
    return true;
  }

  /** One pod's cycle: its state and the filters that have something to check for it. */
  private record Cycle(CycleState state, FilterPlugin[] filters) {}

  private void score(CycleState state, int found) {
    Arrays.fill(totals, 0, found, 0);
    for (ScorePlugin s : scorers) {
      if (s.score(state, feasible, found, scores)) {
        long weight = s.weight();
        for (int k = 0; k < found; k++) {
          totals[k] += scores[k] * weight;
        }
      }
    }
  }

  private void ensureBuffers(int n) {
    if (feasible.length < n) {
      feasible = new NodeInfo[n];
      totals = new long[n];
      scores = new long[n];
    }
  }

  private static boolean matchesAnyTerm(AffinityTerm[] terms, PodInfo other) {
    for (AffinityTerm t : terms) {
      if (t.matches(other)) {
        return true;
      }
    }
    return false;
  }
}
