package dev.drover.agent.sync;

import java.time.Duration;
import java.time.Instant;

/**
 * Exponential back-off of one container (restarts) or one image (pulls): the first delay is {@code
 * initial}, each further one doubles up to {@code max}; a container that ran at least {@code
 * resetAfter} starts again from {@code initial}. Not thread-safe; owned by one pod worker.
 */
final class Backoff {

  private final Duration initial;
  private final Duration max;
  private final Duration resetAfter;
  private Duration last;
  private Instant until = Instant.MIN;

  Backoff(Duration initial, Duration max, Duration resetAfter) {
    this.initial = initial;
    this.max = max;
    this.resetAfter = resetAfter;
  }

  /**
   * Records a failure at {@code at} after having run for {@code ranFor} (zero for a failed pull)
   * and returns the delay before the next attempt.
   */
  Duration failed(Instant at, Duration ranFor) {
    if (last == null || ranFor.compareTo(resetAfter) >= 0) {
      last = initial;
    } else {
      Duration doubled = last.multipliedBy(2);
      last = doubled.compareTo(max) > 0 ? max : doubled;
    }
    until = at.plus(last);
    return last;
  }

  /** Forgets past failures (after a successful pull). */
  void reset() {
    last = null;
    until = Instant.MIN;
  }

  /** True while the next attempt must wait. */
  boolean waiting(Instant now) {
    return now.isBefore(until);
  }

  /** When the next attempt may happen. */
  Instant until() {
    return until;
  }

  /** The delay last applied; null if none. */
  Duration lastDelay() {
    return last;
  }
}
