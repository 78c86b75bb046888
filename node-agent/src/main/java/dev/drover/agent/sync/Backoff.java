package dev.drover.agent.sync;

import java.time.Duration;
import java.time.Instant;

/**
 * The node agent's one back-off, as an immutable value: the first delay is {@code initial}, each
 * further one grows (doubles, or adds {@code initial} again) up to {@code max}; a run of at least
 * {@code resetAfter} starts again from {@code initial}. Restarts and image pulls double; the
 * session's reconnects to the masters grow linearly. Immutable so that the pod decisions ({@link
 * PodActions}) can take it as an input and hand back the next one.
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

  /** The restart (and pull) back-off the sync settings describe. */
  static Backoff of(SyncConfig config) {
    return new Backoff(
        config.restartBackoffInitial(), config.restartBackoffMax(), config.backoffResetAfter());
  }

  /**
   * The back-off after a failure at {@code at} following a run of {@code ranFor} (zero for a failed
   * pull or connection); its {@link #lastDelay} is the wait before the next attempt.
   */
  public Backoff failed(Instant at, Duration ranFor) {
    if (lastDelay == null || ranFor.compareTo(resetAfter) >= 0) {
      return new Backoff(initial, max, resetAfter, growth, 1, initial, at.plus(initial));
    }
    Duration grown =
        growth == Growth.DOUBLING ? lastDelay.multipliedBy(2) : lastDelay.plus(initial);
    Duration next = grown.compareTo(max) > 0 ? max : grown;
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
}
