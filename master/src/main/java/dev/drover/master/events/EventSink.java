package dev.drover.master.events;

import dev.drover.api.v1.Event;

/**
 * Where an {@link EventRecorder} hands its events: the registry through {@link EventSeries}, a
 * controller's fenced writer, or the scheduler's queue. It may block, batch or drop; events are
 * best effort.
 */
@FunctionalInterface
public interface EventSink {
  /** Takes one event; may throw when it cannot. */
  void write(Event event);
}
