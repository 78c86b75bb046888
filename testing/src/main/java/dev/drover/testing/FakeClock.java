package dev.drover.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A clock that moves only when a test advances it (or sets it back, as NTP may set a wall clock
 * back), so time-dependent code is tested without waiting. It is a {@link java.time.Clock}, the one
 * wall-time source production code takes.
 */
public final class FakeClock extends Clock {
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
  public synchronized Instant instant() {
    return now;
  }

  /** The current fake time. */
  public Instant now() {
    return instant();
  }

  /** Moves the clock forward. */
  public synchronized void advance(Duration duration) {
    now = now.plus(duration);
  }

  /** Sets the clock back. */
  public synchronized void rewind(Duration duration) {
    now = now.minus(duration);
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException("a FakeClock is always UTC");
  }
}
