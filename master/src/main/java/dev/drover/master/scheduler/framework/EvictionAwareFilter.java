package dev.drover.master.scheduler.framework;

import java.util.List;

/**
 * A filter whose verdict depends on the pods on the node, so that preemption can ask it whether the
 * pod would fit once some of them are evicted (resources, host ports). Other filters are asked as
 * they are: evicting pods does not change a taint or a label.
 */
public interface EvictionAwareFilter extends FilterPlugin {

  /** Whether {@code pod} fits {@code node} once {@code evicted} (placed there) are gone. */
  boolean fitsAfterEvicting(PodInfo pod, NodeInfo node, List<PodInfo> evicted, CycleState state);
}
