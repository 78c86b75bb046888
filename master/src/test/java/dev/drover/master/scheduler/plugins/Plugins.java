package dev.drover.master.scheduler.plugins;

import dev.drover.master.scheduler.framework.ClusterSnapshot;
import dev.drover.master.scheduler.framework.CycleState;
import dev.drover.master.scheduler.framework.FilterPlugin;
import dev.drover.master.scheduler.framework.NodeInfo;
import dev.drover.master.scheduler.framework.PodInfo;
import dev.drover.master.scheduler.framework.ScorePlugin;
import dev.drover.master.scheduler.framework.Status;
import java.util.LinkedHashMap;
import java.util.Map;

/** Runs one plugin alone, the way the placement algorithm does, for the plugin tests. */
final class Plugins {
  private Plugins() {}

  /** The plugin's verdict on the node named {@code node}; a skipped plugin lets every node pass. */
  static Status filter(FilterPlugin plugin, PodInfo pod, ClusterSnapshot snap, String node) {
    CycleState state = new CycleState(pod, snap);
    if (!plugin.preFilter(state)) {
      return Status.SUCCESS;
    }
    return plugin.filter(pod, snap.node(node), state);
  }

  /** The reasons the plugin gives for failing the node named {@code node}. */
  static Map<String, Integer> reasons(
      FilterPlugin plugin, PodInfo pod, ClusterSnapshot snap, String node) {
    CycleState state = new CycleState(pod, snap);
    if (plugin.preFilter(state)) {
      state.startDiagnosis();
      plugin.filter(pod, snap.node(node), state);
    }
    return state.reasons();
  }

  /**
   * The plugin's 0..100 score of every node of the snapshot by name, or an empty map when it has
   * nothing to say about the pod.
   */
  static Map<String, Long> scores(ScorePlugin plugin, PodInfo pod, ClusterSnapshot snap) {
    int n = snap.nodeCount();
    NodeInfo[] nodes = new NodeInfo[n];
    for (int i = 0; i < n; i++) {
      nodes[i] = snap.node(i);
    }
    long[] scores = new long[n];
    Map<String, Long> out = new LinkedHashMap<>();
    if (plugin.score(new CycleState(pod, snap), nodes, n, scores)) {
      for (int i = 0; i < n; i++) {
        out.put(snap.node(i).name(), scores[i]);
      }
    }
    return out;
  }
}
