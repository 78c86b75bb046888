package dev.drover.master.scheduler.framework;

/**
 * One feasibility check of a node for a pod (kube-scheduler's Filter extension point). Plugins are
 * stateless: what they compute once per pod goes into the {@link CycleState} in {@link #preFilter},
 * and {@link #filter} runs for every node, so it must not allocate.
 *
 * <p>A failing filter reports its reason through {@link CycleState#fail}; the text only counts
 * while the state is diagnosing.
 */
public interface FilterPlugin {

  /** A short name for logs and tests, e.g. "NodeResourcesFit". */
  String name();

  /**
   * Computes once per pod what {@link #filter} needs about the whole cluster, and says whether
   * there is anything to check (kube-scheduler's Skip): a filter with nothing to check for this pod
   * and cluster is not called for any node, so that the per-node loop runs only the filters that
   * can fail.
   *
   * @return false only when {@link #filter} would return SUCCESS for every node in this cycle
   */
  default boolean preFilter(CycleState state) {
    return true;
  }

  /** Whether {@code pod} may go to {@code node}. */
  Status filter(PodInfo pod, NodeInfo node, CycleState state);
}
