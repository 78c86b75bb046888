package dev.drover.master.scheduler;

import dev.drover.api.v1.Pod;

/**
 * Evicts a pod gracefully (a delete with the pod's grace period), used for preemption victims.
 * Called from the scheduler's writer thread only.
 */
public interface Evictor {

  /** Starts the graceful deletion of {@code victim}; {@code reason} explains it to users. */
  void evict(Pod victim, String reason);
}
