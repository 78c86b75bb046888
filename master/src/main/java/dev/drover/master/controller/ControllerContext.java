package dev.drover.master.controller;

import dev.drover.master.events.EventRecorder;
import java.time.Clock;

/**
 * What every controller needs: the cache to read, the writer to act, and the clock.
 *
 * @param cache watch-fed read side
 * @param writer compare-and-swap write side
 * @param clock time source for every timed decision
 */
public record ControllerContext(ObjectCache cache, ObjectWriter writer, Clock clock) {
  /** An event recorder for one controller. */
  public EventRecorder events(String component) {
    return new EventRecorder(writer::recordEvent, clock, component);
  }
}
