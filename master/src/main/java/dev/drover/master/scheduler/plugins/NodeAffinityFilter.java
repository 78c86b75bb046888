package dev.drover.master.scheduler.plugins;

import dev.drover.master.scheduler.framework.ClusterSnapshot;
import dev.drover.master.scheduler.framework.CycleState;
import dev.drover.master.scheduler.framework.FilterPlugin;
import dev.drover.master.scheduler.framework.NodeInfo;
import dev.drover.master.scheduler.framework.PodInfo;
import dev.drover.master.scheduler.framework.StateKey;
import dev.drover.master.scheduler.framework.Status;

/** Keeps pods on nodes that match their node selector and required node affinity. */
public final class NodeAffinityFilter implements FilterPlugin {

  public static final String REASON = "node(s) didn't match Pod's node affinity/selector";

  @Override
  public String name() {
    return "NodeAffinity";
  }

  private static final StateKey<byte[]> KNOWN = StateKey.create("NodeAffinityFilter");

  @Override
  public boolean preFilter(CycleState state) {
    if (state.pod().nodeAffinity.selectsAll()) {
      return false;
    }
    state.write(KNOWN, state.snapshot().nodeSelection(state.pod()));
    return true;
  }

  @Override
  public Status filter(PodInfo pod, NodeInfo node, CycleState state) {
    byte[] known = state.read(KNOWN);
    int i = node.index();
    byte verdict = i >= 0 ? known[i] : ClusterSnapshot.SELECTION_UNKNOWN;
    if (verdict == ClusterSnapshot.SELECTION_UNKNOWN) {
      verdict =
          pod.nodeAffinity.matches(node.name(), node.labels())
              ? ClusterSnapshot.SELECTED
              : ClusterSnapshot.NOT_SELECTED;
      if (i >= 0) {
        known[i] = verdict;
      }
    }
    if (verdict == ClusterSnapshot.NOT_SELECTED) {
      return state.fail(Status.UNSCHEDULABLE_AND_UNRESOLVABLE, REASON);
    }
    return Status.SUCCESS;
  }
}
