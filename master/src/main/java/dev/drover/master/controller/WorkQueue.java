package dev.drover.master.controller;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A queue of object keys for a controller's workers, with client-go's guarantees: a key is held at
 * most once while it waits (adding it again is a no-op), a key is processed by one worker at a time
 * (a key added while it is processed is queued again when that worker calls {@link #done}), keys
 * can be delayed, and failed keys are retried with the backoff of a {@link RateLimiter}.
 *
 * <p>Delays, backoffs and the timeout of {@link #take} are all measured with the injected {@link
 * Clock}, the controllers' one time source: with a fake clock, delayed keys become ready and takes
 * time out when the test advances it. Blocking waits re-check at least every 100 ms of real time so
 * that a fake clock's advance is noticed.
 */
public final class WorkQueue {
  private static final long MAX_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  private final Clock clock;
  private final RateLimiter rateLimiter;
  private final Deque<String> ready = new ArrayDeque<>();
  private final Set<String> dirty = new HashSet<>();
  private final Set<String> processing = new HashSet<>();
  private final Map<String, Instant> waitingUntil = new HashMap<>();
  private final PriorityQueue<Delayed> waiting = new PriorityQueue<>();
  private boolean shutDown;

  private record Delayed(Instant at, String key) implements Comparable<Delayed> {
    @Override
    public int compareTo(Delayed other) {
      return at.compareTo(other.at);
    }
  }

  /** Creates a queue timing delays with the clock and retries with the rate limiter. */
  public WorkQueue(Clock clock, RateLimiter rateLimiter) {
    this.clock = clock;
    this.rateLimiter = rateLimiter;
  }

  /** Adds a key unless it is already waiting. */
  public synchronized void add(String key) {
    if (shutDown || dirty.contains(key)) {
      return;
    }
    dirty.add(key);
    if (!processing.contains(key)) {
      ready.addLast(key);
      notifyAll();
    }
  }

  /** Adds a key once the delay has passed; the earliest of several pending delays wins. */
  public synchronized void addAfter(String key, Duration delay) {
    if (shutDown) {
      return;
    }
    if (delay.isZero() || delay.isNegative()) {
      add(key);
      return;
    }
    Instant at = clock.instant().plus(delay);
    Instant current = waitingUntil.get(key);
    if (current != null && !current.isAfter(at)) {
      return;
    }
    waitingUntil.put(key, at);
    waiting.add(new Delayed(at, key));
    notifyAll();
  }

  /** Adds a key after the rate limiter's delay for one more failure of it. */
  public void addRateLimited(String key) {
    addAfter(key, rateLimiter.when(key));
  }

  /** Resets the key's failure backoff (after a successful sync). */
  public void forget(String key) {
    rateLimiter.forget(key);
  }

  /** Consecutive failures recorded for the key. */
  public int failures(String key) {
    return rateLimiter.failures(key);
  }

  /**
   * Takes the next ready key, waiting up to the timeout. The caller must call {@link #done}.
   * Returns empty on timeout or after shutdown. The timeout is measured on the queue's clock, like
   * every delay; a clock set back ends the wait early rather than stretching it.
   */
  public synchronized Optional<String> take(Duration timeout) throws InterruptedException {
    Instant start = clock.instant();
    Instant deadline = start.plus(timeout);
    while (true) {
      Optional<String> key = poll();
      if (key.isPresent() || shutDown) {
        return key;
      }
      Instant now = clock.instant();
      if (!now.isBefore(deadline) || now.isBefore(start)) {
        return Optional.empty();
      }
      long wait = Math.min(Duration.between(now, deadline).toNanos(), MAX_WAIT_NANOS);
      if (!waiting.isEmpty()) {
        long untilDue = Duration.between(now, waiting.peek().at()).toNanos();
        wait = Math.max(1, Math.min(wait, untilDue));
      }
      // The monitor wait itself is in real time; capping it lets a fake clock's advance be seen.
      TimeUnit.NANOSECONDS.timedWait(this, wait);
    }
  }

  /** Takes the next ready key without waiting (moving due delayed keys in first). */
  public synchronized Optional<String> poll() {
    if (shutDown) {
      return Optional.empty();
    }
    promoteDue();
    String key = ready.pollFirst();
    if (key == null) {
      return Optional.empty();
    }
    dirty.remove(key);
    processing.add(key);
    return Optional.of(key);
  }

  /** Marks a key's processing finished; re-queues it if it was added meanwhile. */
  public synchronized void done(String key) {
    processing.remove(key);
    if (dirty.contains(key)) {
      ready.addLast(key);
      notifyAll();
    }
  }

  /** Keys ready or being processed plus delayed keys. */
  public synchronized int size() {
    return dirty.size() + waitingUntil.size();
  }

  /** When the earliest delayed key becomes due, if any. */
  public synchronized Optional<Instant> nextDelayed() {
    return waiting.isEmpty() ? Optional.empty() : Optional.of(waiting.peek().at());
  }

  /** Stops handing out keys and wakes every waiting worker. */
  public synchronized void shutDown() {
    shutDown = true;
    notifyAll();
  }

  /** True after {@link #shutDown}. */
  public synchronized boolean isShutDown() {
    return shutDown;
  }

  private void promoteDue() {
    Instant now = clock.instant();
    while (!waiting.isEmpty() && !waiting.peek().at().isAfter(now)) {
      Delayed next = waiting.poll();
      // A stale heap entry for a key whose delay was shortened later is skipped.
      if (next.at().equals(waitingUntil.get(next.key()))) {
        waitingUntil.remove(next.key());
        add(next.key());
      }
    }
  }
}
