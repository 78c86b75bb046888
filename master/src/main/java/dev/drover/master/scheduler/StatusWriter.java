package dev.drover.master.scheduler;

import dev.drover.api.v1.Pod;

/**
 * Writes the scheduler's part of pod status. Called from the scheduler's writer thread only;
 * implementations may block and should log their own failures (the scheduler retries the pod
 * anyway, which writes again if the message changed).
 */
public interface StatusWriter {

  /**
   * Sets the condition PodScheduled=False with reason "Unschedulable" and {@code message}, e.g.
   * "0/5 nodes are available: 3 Insufficient cpu, 2 node(s) were unschedulable.".
   */
  void markUnschedulable(Pod pod, String message);

  /** Sets status.nominated_node_name: where the pod goes once preempted pods are gone. */
  void nominate(Pod pod, String nodeName);
}
