package dev.drover.master.controller;

import java.time.Duration;
import java.time.Instant;

/** A clock that moves only when a test advances it. */
public final class FakeClock implements Clock {
  private Instant now;

  /** Starts at a fixed, arbitrary instant. */
  public FakeClock() {
    this(Instant.parse("2026-01-01T00:00:00Z"));
  }

  /** Starts at the given instant. */
  public FakeClock(Instant start) {
    this.now = start;
  }

  @Override
  public synchronized Instant now() {
    return now;
  }

  /** Moves the clock forward. */
  public synchronized void advance(Duration duration) {
    now = now.plus(duration);
  }

  /** Sets the clock back, as a wall clock corrected by NTP may be. */
  public synchronized void rewind(Duration duration) {
    now = now.minus(duration);
  }
}
