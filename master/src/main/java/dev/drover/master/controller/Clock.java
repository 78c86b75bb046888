package dev.drover.master.controller;

import java.time.Instant;

/**
 * Source of the current time for controllers. Every time-dependent decision (min ready seconds,
 * deadlines, lease expiry, backoff) reads the time through this interface so that tests can drive
 * it with a fake clock instead of waiting.
 */
public interface Clock {
  /** The current time. */
  Instant now();

  /** A clock backed by the system's wall clock. */
  static Clock system() {
    return Instant::now;
  }
}
