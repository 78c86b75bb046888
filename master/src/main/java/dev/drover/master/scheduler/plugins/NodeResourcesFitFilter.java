package dev.drover.master.scheduler.plugins;

import dev.drover.master.scheduler.framework.CycleState;
import dev.drover.master.scheduler.framework.EvictionAwareFilter;
import dev.drover.master.scheduler.framework.NodeInfo;
import dev.drover.master.scheduler.framework.PodInfo;
import dev.drover.master.scheduler.framework.Status;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Keeps pods on nodes with room for their requests: pod count, CPU, memory and every other
 * resource, counting the room kept for nominated pods the pod may not displace as taken. A node
 * short of several resources counts once under each reason.
 */
public final class NodeResourcesFitFilter implements EvictionAwareFilter {

  public static final String TOO_MANY_PODS = "Too many pods";

  @Override
  public String name() {
    return "NodeResourcesFit";
  }

  @Override
  public Status filter(PodInfo pod, NodeInfo node, CycleState state) {
    boolean fits;
    if (!node.hasNominated()) {
      fits = fits(node, pod, 0, 0, 0, null, state);
    } else {
      // Reserved room counts as taken: "freed" by a negative amount.
      Reservation r = Reservation.on(node, pod);
      Map<String, Long> negated = new HashMap<>();
      r.extra.forEach((k, v) -> negated.put(k, -v));
      fits = fits(node, pod, -r.milliCpu, -r.memory, -r.pods, negated, state);
    }
    return fits ? Status.SUCCESS : Status.UNSCHEDULABLE;
  }

  @Override
  public boolean fitsAfterEvicting(
      PodInfo pod, NodeInfo node, List<PodInfo> evicted, CycleState state) {
    long cpu = 0;
    long mem = 0;
    Map<String, Long> extra = new HashMap<>();
    int freedPods = evicted.size();
    if (node.hasNominated()) {
      Reservation r = Reservation.on(node, pod);
      cpu -= r.milliCpu;
      mem -= r.memory;
      freedPods -= r.pods;
      r.extra.forEach((k, v) -> extra.merge(k, -v, Long::sum));
    }
    for (PodInfo p : evicted) {
      cpu += p.milliCpu;
      mem += p.memory;
      for (int i = 0; i < p.extraNames.length; i++) {
        extra.merge(p.extraNames[i], p.extraAmounts[i], Long::sum);
      }
    }
    return fits(node, pod, cpu, mem, freedPods, extra, null);
  }

  /**
   * Resource fit with {@code freed*} taken off the node's totals; reasons go to {@code state} when
   * it is given and diagnosing.
   */
  private static boolean fits(
      NodeInfo n,
      PodInfo pod,
      long freedCpu,
      long freedMemory,
      int freedPods,
      Map<String, Long> freedExtra,
      CycleState state) {
    boolean ok = true;
    if (n.podCount() - freedPods + 1 > n.allocatablePods()) {
      ok = false;
      reason(state, TOO_MANY_PODS);
    }
    if (pod.milliCpu > 0
        && n.requestedMilliCpu() - freedCpu + pod.milliCpu > n.allocatableMilliCpu()) {
      ok = false;
      reason(state, "Insufficient cpu");
    }
    if (pod.memory > 0 && n.requestedMemory() - freedMemory + pod.memory > n.allocatableMemory()) {
      ok = false;
      reason(state, "Insufficient memory");
    }
    for (int i = 0; i < pod.extraNames.length; i++) {
      String r = pod.extraNames[i];
      long used = n.requestedExtra(r);
      if (freedExtra != null) {
        used -= freedExtra.getOrDefault(r, 0L);
      }
      if (used + pod.extraAmounts[i] > n.allocatableExtra(r)) {
        ok = false;
        if (state != null && state.diagnosing()) {
          state.addReason("Insufficient " + r);
        }
      }
    }
    return ok;
  }

  private static void reason(CycleState state, String reason) {
    if (state != null) {
      state.addReason(reason);
    }
  }
}
