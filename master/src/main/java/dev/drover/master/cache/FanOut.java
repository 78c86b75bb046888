package dev.drover.master.cache;

import dev.drover.api.ApiObjects;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.WatchEvent;
import dev.drover.api.v1.WatchEventType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The open watches, spread over one {@link FanOutShard} per core. The dispatch thread, which
 * read-your-writes waits on, hands each batch of changes over once per shard instead of touching
 * every watcher; each shard's single thread offers it to its watchers and sends (gRPC's onNext
 * never blocks), so a watcher's events stay in order.
 */
final class FanOut {
  private final ObjectIndex index;
  private final int maxBacklog;
  private final FanOutShard[] shards;
  private final AtomicInteger nextShard = new AtomicInteger();

  FanOut(ObjectIndex index, int shardCount, Duration bookmarkInterval, int maxBacklog) {
    this.index = index;
    this.maxBacklog = maxBacklog;
    this.shards = new FanOutShard[shardCount];
    for (int i = 0; i < shards.length; i++) {
      shards[i] = new FanOutShard(i, bookmarkInterval);
    }
  }

  /**
   * Opens a watch: replays what {@code spec} asks for from the index and joins a shard, both under
   * the index's lock, so the shard offers exactly the changes after the replay.
   *
   * @throws ExpiredException when {@code spec.fromRevision()} is older than the index's window
   */
  CacheWatcher register(
      WatchCache.WatchSpec spec, Consumer<List<WatchFrame>> sink, BooleanSupplier ready) {
    FanOutShard shard = shards[Math.floorMod(nextShard.getAndIncrement(), shards.length)];
    CacheWatcher w = new CacheWatcher(spec, sink, ready, maxBacklog, shard);
    synchronized (index) {
      long from = spec.fromRevision();
      if (spec.initialEvents() && from <= 0) {
        Collection<Object> current =
            spec.podNode().isEmpty() ? index.objects(spec.kind()) : index.podsOn(spec.podNode());
        for (Object o : current) {
          ObjectMeta meta = ApiObjects.meta(o);
          if (w.matches(o, meta)) {
            w.enqueue(
                WatchFrame.of(
                    WatchEvents.of(
                        WatchEventType.WATCH_EVENT_TYPE_ADDED, o, meta.getResourceVersion())));
          }
        }
        w.enqueue(WatchFrame.of(WatchEvents.bookmark(index.revision())));
      } else if (from > 0) {
        for (Change c : index.changesAfter(spec.kind(), from)) {
          w.offer(c);
        }
        if (spec.initialEvents()) {
          w.enqueue(WatchFrame.of(WatchEvents.bookmark(Math.max(from, index.revision()))));
        }
      }
      // Every change up to here was replayed above (or is older than the start): the shard
      // offers only later ones.
      w.registeredAt(index.revision());
      shard.add(w);
    }
    w.drainLater();
    return w;
  }

  /** Hands a batch of changes (in revision order) to every shard; the index is now at upTo. */
  void publish(List<Change> changes, long upTo) {
    for (FanOutShard sh : shards) {
      sh.fanOut(changes, upTo);
    }
  }

  /** Has each shard bookmark its idle watchers that asked for bookmarks. */
  void bookmarks() {
    for (FanOutShard sh : shards) {
      sh.bookmarks();
    }
  }

  /** Ends every open watch with {@code error}. */
  void failAll(WatchEvent error) {
    for (CacheWatcher w : watchers()) {
      w.fail(error);
    }
  }

  /**
   * True when every shard has offered the changes up to {@code revision} to its watchers: each
   * watcher's events up to there are sent or wait in its backlog.
   */
  boolean offeredUpTo(long revision) {
    for (FanOutShard sh : shards) {
      if (!sh.offeredUpTo(revision)) {
        return false;
      }
    }
    return true;
  }

  /** Every open watch: the members of all shards (each watch belongs to exactly one). */
  List<CacheWatcher> watchers() {
    List<CacheWatcher> all = new ArrayList<>();
    for (FanOutShard sh : shards) {
      sh.watchers(all);
    }
    return all;
  }

  /** Closes every watch and stops the shards' threads (without waiting for them). */
  void shutdown() {
    for (CacheWatcher w : watchers()) {
      w.close();
    }
    for (FanOutShard sh : shards) {
      sh.shutdown();
    }
  }

  /** Waits up to {@code seconds} for each shard's thread to finish. */
  void awaitTermination(long seconds) throws InterruptedException {
    for (FanOutShard sh : shards) {
      sh.awaitTermination(seconds);
    }
  }
}
