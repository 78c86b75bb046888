package dev.drover.master.scheduler;

import dev.drover.api.v1.EventType;
import dev.drover.api.v1.Pod;

/**
 * Records Events about pods ("Scheduled", "FailedScheduling", "Preempted"). Called from the
 * scheduler's writer thread only; implementations may block, batch or drop.
 */
public interface EventRecorder {

  /** Records an event of {@code type} with a CamelCase {@code reason} about {@code pod}. */
  void record(Pod pod, EventType type, String reason, String message);
}
