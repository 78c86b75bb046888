package dev.drover.master.scheduler.plugins;

import dev.drover.master.scheduler.framework.ClusterSnapshot;
import dev.drover.master.scheduler.framework.CycleState;
import dev.drover.master.scheduler.framework.FilterPlugin;
import dev.drover.master.scheduler.framework.NodeInfo;
import dev.drover.master.scheduler.framework.PodInfo;
import dev.drover.master.scheduler.framework.PodInfo.AffinityTerm;
import dev.drover.master.scheduler.framework.StateKey;
import dev.drover.master.scheduler.framework.Status;

/**
 * Required pod affinity: the pod goes only to a node whose domain, for every term, holds a pod the
 * term matches. The first pod of a group whose terms match itself may go anywhere, or it could
 * never start.
 */
public final class PodAffinityFilter implements FilterPlugin {

  public static final String REASON = "node(s) didn't match pod affinity rules";

  private static final StateKey<Counted> STATE = StateKey.create("PodAffinityFilter");

  @Override
  public String name() {
    return "PodAffinity";
  }

  @Override
  public boolean preFilter(CycleState state) {
    PodInfo pod = state.pod();
    if (pod.requiredAffinity.length == 0) {
      return false;
    }
    ClusterSnapshot snap = state.snapshot();
    TermDomains[] terms = new TermDomains[pod.requiredAffinity.length];
    boolean anyMatch = false;
    for (int t = 0; t < terms.length; t++) {
      terms[t] = TermDomains.matching(snap, pod.requiredAffinity[t]);
      anyMatch |= terms[t].anyMatch();
    }
    boolean bootstrap = terms.length > 0 && !anyMatch && matchesAllOwnTerms(pod);
    state.write(STATE, new Counted(terms, bootstrap));
    return true;
  }

  @Override
  public Status filter(PodInfo pod, NodeInfo node, CycleState state) {
    Counted c = state.read(STATE);
    if (c.terms.length == 0) {
      return Status.SUCCESS;
    }
    boolean podsExist = true;
    for (TermDomains a : c.terms) {
      int near = a.near(node);
      if (near < 0) {
        return state.fail(Status.UNSCHEDULABLE_AND_UNRESOLVABLE, REASON);
      }
      if (near == 0) {
        podsExist = false;
      }
    }
    if (!podsExist && !c.bootstrap) {
      return state.fail(Status.UNSCHEDULABLE_AND_UNRESOLVABLE, REASON);
    }
    return Status.SUCCESS;
  }

  private static boolean matchesAllOwnTerms(PodInfo pod) {
    for (AffinityTerm t : pod.requiredAffinity) {
      if (!t.matches(pod)) {
        return false;
      }
    }
    return true;
  }

  /** The pod's terms, and whether it is the first of its group (so it may go anywhere). */
  private record Counted(TermDomains[] terms, boolean bootstrap) {}
}
