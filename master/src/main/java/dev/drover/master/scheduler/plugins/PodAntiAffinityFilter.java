package dev.drover.master.scheduler.plugins;

import dev.drover.master.scheduler.framework.ClusterSnapshot;
import dev.drover.master.scheduler.framework.ClusterSnapshot.Domains;
import dev.drover.master.scheduler.framework.ClusterSnapshot.TermKey;
import dev.drover.master.scheduler.framework.CycleState;
import dev.drover.master.scheduler.framework.FilterPlugin;
import dev.drover.master.scheduler.framework.NodeInfo;
import dev.drover.master.scheduler.framework.PodInfo;
import dev.drover.master.scheduler.framework.PodInfo.AffinityTerm;
import dev.drover.master.scheduler.framework.StateKey;
import dev.drover.master.scheduler.framework.Status;
import java.util.HashMap;
import java.util.Map;

/**
 * Required pod anti-affinity, both ways: the pod stays out of topology domains where placed pods
 * carry a required anti-affinity term matching it, and out of domains holding pods that its own
 * required anti-affinity terms match.
 */
public final class PodAntiAffinityFilter implements FilterPlugin {

  public static final String REASON = "node(s) didn't match pod anti-affinity rules";
  public static final String EXISTING_REASON =
      "node(s) didn't satisfy existing pods anti-affinity rules";

  private static final StateKey<Blocked> STATE = StateKey.create("PodAntiAffinityFilter");

  @Override
  public String name() {
    return "PodAntiAffinity";
  }

  @Override
  public void preFilter(CycleState state) {
    PodInfo pod = state.pod();
    ClusterSnapshot snap = state.snapshot();
    BlockedDomains[] own = new BlockedDomains[pod.requiredAntiAffinity.length];
    for (int t = 0; t < own.length; t++) {
      AffinityTerm term = pod.requiredAntiAffinity[t];
      Domains d = snap.domains(term.topologyKey);
      boolean[] blocked = new boolean[d.count()];
      int[] perNode = snap.matchingPerNode(term.namespaces, term.selector);
      for (int i = 0; i < perNode.length; i++) {
        if (perNode[i] > 0 && d.ofIndex(i) >= 0) {
          blocked[d.ofIndex(i)] = true;
        }
      }
      own[t] = new BlockedDomains(d, blocked);
    }
    Map<String, BlockedDomains> existing = new HashMap<>();
    for (Map.Entry<TermKey, int[]> e : snap.requiredAntiAffinityTerms().entrySet()) {
      TermKey k = e.getKey();
      if (!k.matches(pod)) {
        continue;
      }
      Domains d = snap.domains(k.topologyKey());
      BlockedDomains b =
          existing.computeIfAbsent(
              k.topologyKey(), x -> new BlockedDomains(d, new boolean[d.count()]));
      int[] perNode = e.getValue();
      for (int i = 0; i < perNode.length; i++) {
        if (perNode[i] > 0 && d.ofIndex(i) >= 0) {
          b.blocked[d.ofIndex(i)] = true;
        }
      }
    }
    state.write(STATE, new Blocked(existing.values().toArray(new BlockedDomains[0]), own));
  }

  @Override
  public Status filter(PodInfo pod, NodeInfo node, CycleState state) {
    Blocked b = state.read(STATE);
    for (BlockedDomains d : b.byExisting) {
      if (d.blocks(node)) {
        return state.fail(Status.UNSCHEDULABLE_AND_UNRESOLVABLE, EXISTING_REASON);
      }
    }
    for (BlockedDomains d : b.byOwn) {
      if (d.blocks(node)) {
        return state.fail(Status.UNSCHEDULABLE_AND_UNRESOLVABLE, REASON);
      }
    }
    return Status.SUCCESS;
  }

  /** Domains a pod must not go to. */
  private record BlockedDomains(Domains domains, boolean[] blocked) {
    boolean blocks(NodeInfo n) {
      int dom = domains.of(n);
      return dom >= 0 && blocked[dom];
    }
  }

  /** Domains refused by placed pods' terms and by the pod's own terms. */
  private record Blocked(BlockedDomains[] byExisting, BlockedDomains[] byOwn) {}
}
