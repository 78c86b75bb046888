package dev.drover.client;

import java.time.Duration;
import java.time.Instant;

/**
 * The project's one back-off, as an immutable value: the first delay is {@code initial}, each
 * further one grows (doubles, or adds {@code initial} again) up to {@code max}; a run of at least
 * {@code resetAfter} starts again from {@code initial}. The agent's restarts and image pulls
 * double, its reconnects to the masters grow linearly; {@link #exponential} is the same doubling as
 * a function of the failure count, for the client's retries, the controllers' work queue and the
 * scheduler's back-off queue. Immutable so that pure decisions can take it as an input and hand
 * back the next one.
 *
 * @param initial the first delay (and the linear step)
 * @param max the longest delay
 * @param resetAfter a run at least this long forgets earlier failures
 * @param growth how each delay follows the one before
 * @param failures failures counted since the last reset
 * @param lastDelay the delay last applied; null if none
 * @param until when the next attempt may happen ({@link Instant#MIN} when it need not wait)
 */
public record Backoff(
    Duration initial,
    Duration max,
    Duration resetAfter,
    Growth growth,
    int failures,
    Duration lastDelay,
    Instant until) {

  /** How each delay follows the one before. */
  public enum Growth {
    /** Twice the one before. */
    DOUBLING,
    /** The one before plus the initial delay. */
    LINEAR
  }

  /** A doubling back-off with no failure recorded. */
  public Backoff(Duration initial, Duration max, Duration resetAfter) {
    this(initial, max, resetAfter, Growth.DOUBLING, 0, null, Instant.MIN);
  }

  /** A back-off growing by {@code step} per failure up to {@code max}, never reset by a run. */
  public static Backoff linear(Duration step, Duration max) {
    return new Backoff(
        step, max, Duration.ofSeconds(Long.MAX_VALUE), Growth.LINEAR, 0, null, Instant.MIN);
  }

  /**
   * The back-off after a failure at {@code at} following a run of {@code ranFor} (zero for a failed
   * pull or connection); its {@link #lastDelay} is the wait before the next attempt.
   */
  public Backoff failed(Instant at, Duration ranFor) {
    if (lastDelay == null || ranFor.compareTo(resetAfter) >= 0) {
      return new Backoff(initial, max, resetAfter, growth, 1, initial, at.plus(initial));
    }
    Duration next =
        growth == Growth.DOUBLING
            ? exponential(initial, max, failures)
            : min(lastDelay.plus(initial), max);
    return new Backoff(initial, max, resetAfter, growth, failures + 1, next, at.plus(next));
  }

  /** The back-off with past failures forgotten (after a success). */
  public Backoff reset() {
    return new Backoff(initial, max, resetAfter, growth, 0, null, Instant.MIN);
  }

  /** True while the next attempt must wait. */
  public boolean waiting(Instant now) {
    return now.isBefore(until);
  }

  /**
   * The delay after {@code failures} failures before this one: {@code initial} doubled that many
   * times, at most {@code max} (0 failures before gives {@code initial}).
   */
  public static Duration exponential(Duration initial, Duration max, int failures) {
    Duration delay = initial;
    Duration half = max.dividedBy(2);
    // Doubling a delay already past half the cap would pass it (or overflow): stop there.
    for (int i = 0; i < failures && !delay.isZero(); i++) {
      if (delay.compareTo(half) > 0) {
        return max;
      }
      delay = delay.multipliedBy(2);
    }
    return delay.compareTo(max) > 0 ? max : delay;
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) > 0 ? b : a;
  }
}
