package dev.drover.master.scheduler;

import dev.drover.api.v1.Node;
import dev.drover.api.v1.Pod;

/**
 * Receives node and pod changes from a watch. Implementations must be safe to call from any thread
 * and must return quickly (the scheduler only queues the change).
 */
public interface ClusterEventHandler {

  /** A node was added or changed. */
  void nodeUpserted(Node node);

  /** A node was deleted. */
  void nodeDeleted(Node node);

  /** A pod was added or changed (bound or not). */
  void podUpserted(Pod pod);

  /** A pod was deleted. */
  void podDeleted(Pod pod);
}
