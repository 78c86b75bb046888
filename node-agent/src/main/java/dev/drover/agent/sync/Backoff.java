package dev.drover.agent.sync;

import java.time.Duration;
import java.time.Instant;

/**
 * Exponential back-off of one container (restarts) or one image (pulls), as an immutable value: the
 * first delay is {@code initial}, each further one doubles up to {@code max}; a container that ran
 * at least {@code resetAfter} starts again from {@code initial}. Immutable so that the pod
 * decisions ({@link PodActions}) can take it as an input and hand back the next one.
 *
 * @param initial the first delay
 * @param max the longest delay
 * @param resetAfter a run at least this long forgets earlier failures
 * @param lastDelay the delay last applied; null if none
 * @param until when the next attempt may happen ({@link Instant#MIN} when it need not wait)
 */
record Backoff(
    Duration initial, Duration max, Duration resetAfter, Duration lastDelay, Instant until) {

  /** A back-off with no failure recorded. */
  Backoff(Duration initial, Duration max, Duration resetAfter) {
    this(initial, max, resetAfter, null, Instant.MIN);
  }

  /** The restart (and pull) back-off the sync settings describe. */
  static Backoff of(SyncConfig config) {
    return new Backoff(
        config.restartBackoffInitial(), config.restartBackoffMax(), config.backoffResetAfter());
  }

  /**
   * The back-off after a failure at {@code at} following a run of {@code ranFor} (zero for a failed
   * pull); its {@link #lastDelay} is the wait before the next attempt.
   */
  Backoff failed(Instant at, Duration ranFor) {
    Duration next;
    if (lastDelay == null || ranFor.compareTo(resetAfter) >= 0) {
      next = initial;
    } else {
      Duration doubled = lastDelay.multipliedBy(2);
      next = doubled.compareTo(max) > 0 ? max : doubled;
    }
    return new Backoff(initial, max, resetAfter, next, at.plus(next));
  }

  /** The back-off with past failures forgotten (after a successful pull). */
  Backoff reset() {
    return new Backoff(initial, max, resetAfter);
  }

  /** True while the next attempt must wait. */
  boolean waiting(Instant now) {
    return now.isBefore(until);
  }
}
