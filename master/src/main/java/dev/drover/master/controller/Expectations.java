package dev.drover.master.controller;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Remembers, per controller key, the creates and deletes a controller issued but has not yet seen
 * in its cache. While some are outstanding the controller must not act on the cached pod count, or
 * it would create (or delete) the same pods twice. Expectations expire after a timeout so that a
 * lost watch event cannot stall a controller forever.
 */
public final class Expectations {
  /** Kubernetes' expectation timeout. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);

  private final Clock clock;
  private final Duration timeout;
  private final Map<String, Pending> pending = new HashMap<>();

  private static final class Pending {
    int creates;
    final Set<String> deletes = new HashSet<>();
    Instant since;
  }

  /** Creates expectations that expire after the timeout. */
  public Expectations(Clock clock, Duration timeout) {
    this.clock = clock;
    this.timeout = timeout;
  }

  /** Creates expectations with the default timeout. */
  public Expectations(Clock clock) {
    this(clock, DEFAULT_TIMEOUT);
  }

  /** The controller is about to create {@code count} objects for the key. */
  public synchronized void expectCreations(String key, int count) {
    Pending p = pending.computeIfAbsent(key, k -> new Pending());
    p.creates += count;
    p.since = clock.instant();
  }

  /** The controller is about to delete the objects with these uids for the key. */
  public synchronized void expectDeletions(String key, Set<String> uids) {
    Pending p = pending.computeIfAbsent(key, k -> new Pending());
    p.deletes.addAll(uids);
    p.since = clock.instant();
  }

  /** The cache showed one created object (or a create failed and will not show). */
  public synchronized void creationObserved(String key) {
    Pending p = pending.get(key);
    if (p != null && p.creates > 0) {
      p.creates--;
    }
  }

  /** The cache showed the deletion of the object (or the delete failed). */
  public synchronized void deletionObserved(String key, String uid) {
    Pending p = pending.get(key);
    if (p != null) {
      p.deletes.remove(uid);
    }
  }

  /** True when nothing is outstanding for the key (or what is outstanding has expired). */
  public synchronized boolean satisfied(String key) {
    Pending p = pending.get(key);
    if (p == null) {
      return true;
    }
    if (p.creates <= 0 && p.deletes.isEmpty()) {
      return true;
    }
    return !clock.instant().isBefore(p.since.plus(timeout));
  }

  /** Forgets the key (its object is gone). */
  public synchronized void forget(String key) {
    pending.remove(key);
  }
}
