package dev.drover.master.scheduler.plugins;

import dev.drover.master.scheduler.framework.ClusterSnapshot;
import dev.drover.master.scheduler.framework.ClusterSnapshot.TermKey;
import dev.drover.master.scheduler.framework.CycleState;
import dev.drover.master.scheduler.framework.FilterPlugin;
import dev.drover.master.scheduler.framework.NodeInfo;
import dev.drover.master.scheduler.framework.PodInfo;
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
  public boolean preFilter(CycleState state) {
    PodInfo pod = state.pod();
    ClusterSnapshot snap = state.snapshot();
    TermDomains[] own = new TermDomains[pod.requiredAntiAffinity.length];
    for (int t = 0; t < own.length; t++) {
      own[t] = TermDomains.matching(snap, pod.requiredAntiAffinity[t]);
    }
    Map<String, TermDomains> existing = new HashMap<>();
    for (Map.Entry<TermKey, int[]> e : snap.requiredAntiAffinityTerms().entrySet()) {
      TermKey k = e.getKey();
      if (k.matches(pod)) {
        existing.merge(
            k.topologyKey(),
            TermDomains.of(snap.domains(k.topologyKey()), e.getValue()),
            TermDomains::plus);
      }
    }
    if (own.length == 0 && existing.isEmpty()) {
      return false;
    }
    state.write(STATE, new Blocked(existing.values().toArray(new TermDomains[0]), own));
    return true;
  }

  @Override
  public Status filter(PodInfo pod, NodeInfo node, CycleState state) {
    Blocked b = state.read(STATE);
    for (TermDomains d : b.byExisting) {
      if (d.near(node) > 0) {
        return state.fail(Status.UNSCHEDULABLE_AND_UNRESOLVABLE, EXISTING_REASON);
      }
    }
    for (TermDomains d : b.byOwn) {
      if (d.near(node) > 0) {
        return state.fail(Status.UNSCHEDULABLE_AND_UNRESOLVABLE, REASON);
      }
    }
    return Status.SUCCESS;
  }

  /** Pods matched per domain by placed pods' terms that match the pod, and by its own terms. */
  private record Blocked(TermDomains[] byExisting, TermDomains[] byOwn) {}
}
