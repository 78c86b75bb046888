package dev.drover.master.scheduler.framework;

/**
 * One ranking of the feasible nodes for a pod (kube-scheduler's Score and NormalizeScore extension
 * points in one call, since a normalized score depends on every node's raw score). The algorithm
 * adds each node's score times the plugin's weight to the node's total.
 */
public interface ScorePlugin {

  /** A short name for logs and tests, e.g. "TaintToleration". */
  String name();

  /** The weight of this plugin's scores in a node's total. */
  int weight();

  /**
   * Scores the feasible nodes {@code nodes[k]}, k &lt; {@code count}, writing each one's score,
   * 0..100, into {@code scores[k]}. The algorithm calls each plugin once per pod with every
   * feasible node (not once per node), so a plugin computes what it needs about the pod and the
   * cluster once and then makes one tight pass; it must not allocate per node.
   *
   * @return false when the plugin has nothing to say about this pod (every score 0); {@code scores}
   *     is then left unwritten
   */
  boolean score(CycleState state, NodeInfo[] nodes, int count, long[] scores);
}
