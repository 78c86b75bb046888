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

  /**
   * Watchers of the pods of one node ({@link WatchCache.WatchSpec#podNode()}), by node: a pod's
   * change is offered to those of the nodes it was and is bound to, not to every node's watcher.
   */
  private final Map<String, Set<CacheWatcher>> byNode = new ConcurrentHashMap<>();

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
    String node = w.spec.podNode();
    if (node.isEmpty()) {
      members.computeIfAbsent(w.kind, k -> ConcurrentHashMap.newKeySet()).add(w);
      return;
    }
    // compute and computeIfPresent run atomically per node, so an add never lands in a set
    // that a concurrent remove is dropping.
    byNode.compute(
        node,
        (n, ws) -> {
          Set<CacheWatcher> s = ws != null ? ws : ConcurrentHashMap.newKeySet();
          s.add(w);
          return s;
        });
  }

  void remove(CacheWatcher w) {
    String node = w.spec.podNode();
    if (node.isEmpty()) {
      Set<CacheWatcher> ws = members.get(w.kind);
      if (ws != null) {
        ws.remove(w);
      }
      return;
    }
    byNode.computeIfPresent(
        node,
        (n, ws) -> {
          ws.remove(w);
          return ws.isEmpty() ? null : ws;
        });
  }

  /** Its watchers, added to {@code out}. */
  void watchers(List<CacheWatcher> out) {
    for (Set<CacheWatcher> ws : members.values()) {
      out.addAll(ws);
    }
    for (Set<CacheWatcher> ws : byNode.values()) {
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
    if (changes.isEmpty() && members.isEmpty() && byNode.isEmpty()) {
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
          if (c.kind() == Kind.KIND_POD && !byNode.isEmpty()) {
            offerByNode(c);
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
   * Offers a pod's change to the watchers of the node it is bound to and, when it was bound
   * elsewhere before, of that node: a watcher whose filter passes only its node's pods sees no
   * event for any other change.
   */
  private void offerByNode(Change c) {
    String now = ObjectIndex.nodeOf(c.object());
    String before = ObjectIndex.nodeOf(c.previous());
    offerTo(byNode.get(now), c);
    if (!before.equals(now)) {
      offerTo(byNode.get(before), c);
    }
  }

  private static void offerTo(Set<CacheWatcher> ws, Change c) {
    if (ws != null) {
      for (CacheWatcher w : ws) {
        w.offerNow(c);
      }
    }
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
          List<CacheWatcher> all = new ArrayList<>();
          watchers(all);
          for (CacheWatcher w : all) {
            if (w.spec.bookmarks() && !w.done && now - w.lastSent >= bookmarkIntervalNanos) {
              long at = Math.max(Math.max(fannedOutTo, w.offeredUpTo), w.spec.fromRevision());
              w.enqueue(WatchFrame.of(WatchEvents.bookmark(at)));
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
