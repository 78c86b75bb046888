package dev.drover.master.controller;

import dev.drover.master.events.EventRecorder;
import java.time.Clock;
import java.util.concurrent.Executor;

/**
 * What every controller needs: the cache to read, the writer to act, the clock, and where a burst
 * of creates runs.
 *
 * @param cache watch-fed read side
 * @param writer compare-and-swap write side
 * @param clock time source for every timed decision
 * @param creates runs the concurrent creates of a {@link SlowStart} batch
 */
public record ControllerContext(
    ObjectCache cache, ObjectWriter writer, Clock clock, Executor creates) {
  /** A context whose bursts of creates run one after another on the syncing thread (tests). */
  public ControllerContext(ObjectCache cache, ObjectWriter writer, Clock clock) {
    this(cache, writer, clock, Runnable::run);
  }

  /** An event recorder for one controller. */
  public EventRecorder events(String component) {
    return new EventRecorder(writer::recordEvent, clock, component);
  }
}
