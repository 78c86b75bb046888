package dev.drover.master.cache;

import dev.drover.api.v1.Kind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One fan-out thread and the watchers it serves, by kind. It works in rounds: a round offers every
 * batch of changes handed over since the last round to its watchers, then sends each watcher what
 * the round gave it as one batch. When the shard keeps up a round is one store batch; when it falls
 * behind, rounds grow, so the messages per watcher per second stay bounded by the shard's own pace
 * instead of the write rate.
 */
final class FanOutShard {
  /** Changes handed over in one call of {@link #fanOut}; the index was at {@code upTo}. */
  private record Handed(List<Change> changes, long upTo) {}

  private final ExecutorService exec;
  private final Thread thread;
  private final long bookmarkIntervalNanos;
  private final Map<Kind, Set<CacheWatcher>> members = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<Handed> handed = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean roundScheduled = new AtomicBoolean();

  /** True while a round offers changes (shard thread only): watchers collect instead of sending. */
  boolean inRound;

  /** Watchers given events in the current round (shard thread only). */
  private final List<CacheWatcher> touched = new ArrayList<>();

  /** Changes up to this revision were offered to this shard's watchers (written by its thread). */
  private volatile long fannedOutTo;

  FanOutShard(int index, Duration bookmarkInterval) {
    this.bookmarkIntervalNanos = bookmarkInterval.toNanos();
    ThreadFactory daemon = CacheThreads.daemon("watch-cache-fanout-" + index);
    Thread[] t = new Thread[1];
    exec = Executors.newSingleThreadExecutor(r -> t[0] = daemon.newThread(r));
    // Start the thread now so that it is known for the "on this shard's thread" checks.
    CompletableFuture.runAsync(() -> {}, exec).join();
    thread = t[0];
  }

  /** True on this shard's thread, the only one that sends to its watchers. */
  boolean onThread() {
    return Thread.currentThread() == thread;
  }

  void add(CacheWatcher w) {
    members.computeIfAbsent(w.kind, k -> ConcurrentHashMap.newKeySet()).add(w);
  }

  void remove(CacheWatcher w) {
    Set<CacheWatcher> ws = members.get(w.kind);
    if (ws != null) {
      ws.remove(w);
    }
  }

  /** Its watchers, added to {@code out}. */
  void watchers(List<CacheWatcher> out) {
    for (Set<CacheWatcher> ws : members.values()) {
      out.addAll(ws);
    }
  }

  /** Notes that {@code w} collected events in the current round (shard thread only). */
  void touched(CacheWatcher w) {
    touched.add(w);
  }

  /** True when the changes up to {@code revision} were offered to every watcher of this shard. */
  boolean offeredUpTo(long revision) {
    return fannedOutTo >= revision;
  }

  void execute(Runnable r) {
    try {
      exec.execute(r);
    } catch (RejectedExecutionException e) {
      // Closing: nothing more is sent.
    }
  }

  /** Offers a batch of changes (in revision order) to its watchers; the index is now at upTo. */
  void fanOut(List<Change> changes, long upTo) {
    if (changes.isEmpty() && members.isEmpty()) {
      return;
    }
    handed.add(new Handed(changes, upTo));
    if (roundScheduled.compareAndSet(false, true)) {
      execute(this::round);
    }
  }

  /**
   * On the shard thread: offers everything handed over so far, then sends each watcher its batch.
   */
  private void round() {
    // Cleared first: a batch handed over from here on schedules another round.
    roundScheduled.set(false);
    inRound = true;
    try {
      Handed h;
      while ((h = handed.poll()) != null) {
        for (Change c : h.changes()) {
          Set<CacheWatcher> ws = members.get(c.kind());
          if (ws != null) {
            for (CacheWatcher w : ws) {
              w.offerNow(c);
            }
          }
        }
        fannedOutTo = Math.max(fannedOutTo, h.upTo());
      }
    } finally {
      inRound = false;
    }
    for (CacheWatcher w : touched) {
      w.flushRound();
    }
    touched.clear();
  }

  /**
   * Sends a bookmark to each of its watchers that asked for them and heard nothing for an interval,
   * at the revision this shard has offered everything up to (so a bookmark never runs ahead of an
   * event still to come).
   */
  void bookmarks() {
    execute(
        () -> {
          long now = System.nanoTime();
          for (Set<CacheWatcher> ws : members.values()) {
            for (CacheWatcher w : ws) {
              if (w.spec.bookmarks() && !w.done && now - w.lastSent >= bookmarkIntervalNanos) {
                long at = Math.max(Math.max(fannedOutTo, w.offeredUpTo), w.spec.fromRevision());
                w.enqueue(WatchFrame.of(WatchEvents.bookmark(at)));
              }
            }
          }
        });
  }

  void shutdown() {
    exec.shutdown();
  }

  void awaitTermination(long seconds) throws InterruptedException {
    exec.awaitTermination(seconds, TimeUnit.SECONDS);
  }
}
