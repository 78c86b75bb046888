package dev.drover.master.scheduler.plugins;

import dev.drover.master.scheduler.framework.ClusterSnapshot;
import dev.drover.master.scheduler.framework.ClusterSnapshot.Domains;
import dev.drover.master.scheduler.framework.CycleState;
import dev.drover.master.scheduler.framework.NodeInfo;
import dev.drover.master.scheduler.framework.NodeInfo.PlacedPod;
import dev.drover.master.scheduler.framework.PodInfo;
import dev.drover.master.scheduler.framework.PodInfo.AffinityTerm;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Preferred pod affinity and anti-affinity, both ways: a node's domain gains the weight of each of
 * the pod's preferred affinity terms per matching pod there (anti-affinity subtracts), and of each
 * placed pod's preferred term that matches the pod; scores are scaled to 0..100 between the worst
 * and the best feasible node.
 */
public final class InterPodAffinityScore extends WeightedScore {

  public InterPodAffinityScore(int weight) {
    super("InterPodAffinity", weight);
  }

  @Override
  public boolean score(CycleState state, NodeInfo[] nodes, int count, long[] scores) {
    PodInfo pod = state.pod();
    ClusterSnapshot snap = state.snapshot();
    if (!pod.hasPreferredPodAffinity() && snap.podsWithPreferredAffinityCount() == 0) {
      return false;
    }
    Map<String, long[]> byKey = new LinkedHashMap<>();
    addPreferred(snap, byKey, pod.preferredAffinity, 1);
    addPreferred(snap, byKey, pod.preferredAntiAffinity, -1);
    // Symmetry: placed pods that prefer (or prefer to avoid) pods like this one.
    for (PlacedPod p : snap.podsWithAffinity()) {
      addSymmetric(snap, byKey, p.info.preferredAffinity, p, pod, 1);
      addSymmetric(snap, byKey, p.info.preferredAntiAffinity, p, pod, -1);
    }
    if (byKey.isEmpty()) {
      return false;
    }
    List<Domains> domains = new ArrayList<>();
    List<long[]> sums = new ArrayList<>();
    for (Map.Entry<String, long[]> e : byKey.entrySet()) {
      domains.add(snap.domains(e.getKey()));
      sums.add(e.getValue());
    }
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    for (int k = 0; k < count; k++) {
      long s = 0;
      for (int j = 0; j < domains.size(); j++) {
        int dom = domains.get(j).of(nodes[k]);
        if (dom >= 0) {
          s += sums.get(j)[dom];
        }
      }
      scores[k] = s;
      min = Math.min(min, s);
      max = Math.max(max, s);
    }
    if (max == min) {
      return false;
    }
    for (int k = 0; k < count; k++) {
      scores[k] = (scores[k] - min) * 100 / (max - min);
    }
    return true;
  }

  private static void addPreferred(
      ClusterSnapshot snap, Map<String, long[]> byKey, AffinityTerm[] terms, int sign) {
    for (AffinityTerm t : terms) {
      Domains d = snap.domains(t.topologyKey);
      int[] perNode = snap.matchingPerNode(t.namespaces, t.selector);
      long[] sums = null;
      for (int i = 0; i < perNode.length; i++) {
        int dom = d.ofIndex(i);
        if (perNode[i] > 0 && dom >= 0) {
          if (sums == null) {
            sums = byKey.computeIfAbsent(t.topologyKey, k -> new long[d.count()]);
          }
          sums[dom] += (long) sign * t.weight * perNode[i];
        }
      }
    }
  }

  private static void addSymmetric(
      ClusterSnapshot snap,
      Map<String, long[]> byKey,
      AffinityTerm[] terms,
      PlacedPod existing,
      PodInfo incoming,
      int sign) {
    for (AffinityTerm t : terms) {
      if (t.matches(incoming)) {
        Domains d = snap.domains(t.topologyKey);
        int dom = d.of(existing.node());
        if (dom >= 0) {
          byKey.computeIfAbsent(t.topologyKey, k -> new long[d.count()])[dom] += sign * t.weight;
        }
      }
    }
  }
}
