package dev.drover.master.scheduler.plugins;

import dev.drover.master.scheduler.framework.CycleState;
import dev.drover.master.scheduler.framework.EvictionAwareFilter;
import dev.drover.master.scheduler.framework.NodeInfo;
import dev.drover.master.scheduler.framework.PodInfo;
import dev.drover.master.scheduler.framework.Status;
import java.util.List;

/**
 * Keeps pods off nodes where one of their host ports (with its protocol) is taken, by a placed pod
 * or by a pod nominated there that the pod may not displace.
 */
public final class NodePortsFilter implements EvictionAwareFilter {

  public static final String REASON = "node(s) didn't have free ports for the requested pod ports";

  @Override
  public String name() {
    return "NodePorts";
  }

  @Override
  public boolean preFilter(CycleState state) {
    return state.pod().hostPorts.length > 0;
  }

  @Override
  public Status filter(PodInfo pod, NodeInfo node, CycleState state) {
    for (int port : pod.hostPorts) {
      if (node.portUsers(port) > 0) {
        return state.fail(Status.UNSCHEDULABLE, REASON);
      }
    }
    if (pod.hostPorts.length > 0
        && node.hasNominated()
        && Reservation.on(node, pod).takesPortOf(pod)) {
      return state.fail(Status.UNSCHEDULABLE, REASON);
    }
    return Status.SUCCESS;
  }

  @Override
  public boolean fitsAfterEvicting(
      PodInfo pod, NodeInfo node, List<PodInfo> evicted, CycleState state) {
    if (node.hasNominated() && Reservation.on(node, pod).takesPortOf(pod)) {
      return false;
    }
    for (int port : pod.hostPorts) {
      int users = node.portUsers(port);
      for (PodInfo p : evicted) {
        for (int q : p.hostPorts) {
          if (q == port) {
            users--;
          }
        }
      }
      if (users > 0) {
        return false;
      }
    }
    return true;
  }
}
