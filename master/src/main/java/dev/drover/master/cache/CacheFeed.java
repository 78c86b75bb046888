package dev.drover.master.cache;

import com.google.protobuf.ByteString;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Object;
import dev.drover.master.store.ObjectStore;
import dev.drover.master.store.ObjectStore.ObjectKey;
import dev.drover.store.api.Keys;
import dev.drover.store.api.KvStore;
import dev.drover.store.api.KvStoreException;
import dev.drover.store.api.Watch;
import dev.drover.store.api.WatchListener;
import dev.drover.store.v1.Event;
import dev.drover.store.v1.KeyValue;
import dev.drover.store.v1.RangeResponse;
import dev.drover.store.v1.WatchRequest;
import dev.drover.store.v1.WatchResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the store into the cache: lists {@code /registry/} once, then applies each batch of the
 * store watch to the {@link ObjectIndex} on one dispatch thread and passes its changes to the
 * {@link FanOut} and the {@link CacheListeners}, in revision order. After a compaction it lists
 * again (expiring every watch, whose history now has a hole); after other errors it watches again
 * from where it was.
 */
final class CacheFeed {
  private static final Logger LOG = LoggerFactory.getLogger(CacheFeed.class);
  private static final ByteString PREFIX = Keys.of(ObjectStore.REGISTRY);

  private final KvStore kv;
  private final ObjectIndex index;
  private final FanOut fanOut;
  private final CacheListeners listeners;
  private final ScheduledExecutorService ticker;
  private final ExecutorService dispatch =
      Executors.newSingleThreadExecutor(CacheThreads.daemon("watch-cache-dispatch"));
  private volatile Watch storeWatch;
  private volatile boolean closed;
  private volatile boolean synced;

  /** A feed from {@code kv}; {@code ticker} runs its retries. Call {@link #start()}. */
  CacheFeed(
      KvStore kv,
      ObjectIndex index,
      FanOut fanOut,
      CacheListeners listeners,
      ScheduledExecutorService ticker) {
    this.kv = kv;
    this.index = index;
    this.fanOut = fanOut;
    this.listeners = listeners;
    this.ticker = ticker;
  }

  /** Lists the store and starts following it; returns once the index holds that state. */
  void start() {
    relist();
  }

  /** True once the first list is loaded. */
  boolean synced() {
    return synced;
  }

  private void relist() {
    RangeResponse r;
    try {
      r = kv.getPrefix(PREFIX).get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("watch cache: the initial list of the store failed", e);
    }
    long rev = r.getHeader().getRevision();
    Map<Kind, NavigableMap<String, Object>> fresh = new EnumMap<>(Kind.class);
    for (KeyValue x : r.getKvsList()) {
      ObjectKey k = ObjectStore.parseKey(x.getKey());
      if (k != null) {
        fresh
            .computeIfAbsent(k.kind(), kk -> new TreeMap<>())
            .put(ObjectIndex.sortKey(k.namespace(), k.name()), ObjectStore.decode(x));
      }
    }
    List<Runnable> calls = new ArrayList<>();
    synchronized (index) {
      Map<Kind, NavigableMap<String, Object>> before = index.reset(fresh, rev);
      for (var e : before.entrySet()) {
        listeners.callsFor(
            e.getKey(), e.getValue(), fresh.getOrDefault(e.getKey(), new TreeMap<>()), calls);
      }
      // Watchers cannot bridge a relist: their history has a hole.
      fanOut.failAll(WatchEvents.expired("the cache re-listed the store; watch history was lost"));
      synced = true;
    }
    CacheListeners.run(calls);
    follow(rev + 1);
  }

  /** Watches the store from {@code fromRevision}, feeding the dispatch thread. */
  private void follow(long fromRevision) {
    Watch w =
        kv.watch(
            WatchRequest.newBuilder()
                .setKey(PREFIX)
                .setRangeEnd(Keys.prefixEnd(PREFIX))
                .setStartRevision(fromRevision)
                .setProgressNotify(true)
                .build(),
            new WatchListener() {
              @Override
              public void onNext(WatchResponse response) {
                dispatch.execute(() -> apply(response));
              }

              @Override
              public void onError(KvStoreException error) {
                if (!closed) {
                  dispatch.execute(() -> recover(error));
                }
              }
            });
    storeWatch = w;
    w.request(Long.MAX_VALUE);
  }

  private void recover(KvStoreException error) {
    if (closed) {
      return;
    }
    LOG.warn("watch cache: store watch ended ({}); following the store again", error.getMessage());
    try {
      if (error.kind() == KvStoreException.Kind.COMPACTED) {
        relist();
      } else {
        follow(index.revision() + 1);
      }
    } catch (RuntimeException e) {
      LOG.warn("watch cache: resuming failed, retrying in 1 s", e);
      if (!closed) {
        ticker.schedule(() -> dispatch.execute(() -> recover(error)), 1, TimeUnit.SECONDS);
      }
    }
  }

  /** On the dispatch thread: one store batch into the index, then to watchers and listeners. */
  private void apply(WatchResponse response) {
    // Decoded before taking the index's lock, which readers wait on.
    List<ObjectIndex.Update> updates = new ArrayList<>(response.getEventsCount());
    for (Event e : response.getEventsList()) {
      KeyValue x = e.getKv();
      ObjectKey k = ObjectStore.parseKey(x.getKey());
      if (k != null) {
        Object now = e.getType() == Event.EventType.DELETE ? null : ObjectStore.decode(x);
        updates.add(
            new ObjectIndex.Update(k.kind(), k.namespace(), k.name(), x.getModRevision(), now));
      }
    }
    long progress =
        response.getProgressNotify() || response.getEventsCount() == 0
            ? response.getHeader().getRevision()
            : 0;
    List<Change> changes = index.apply(updates, progress);
    // Outside the lock: each shard offers the batch to its watchers and sends.
    fanOut.publish(changes, index.revision());
    List<Runnable> calls = new ArrayList<>();
    listeners.callsFor(changes, calls);
    CacheListeners.run(calls);
  }

  /** Asks the store for a progress notification, so an idle store still moves the revision on. */
  void requestProgress() {
    Watch w = storeWatch;
    if (w != null && !closed) {
      w.requestProgress();
    }
  }

  /** Waits until the index reflects at least {@code rev}; false on timeout or when closed. */
  boolean waitForRevision(long rev, Duration timeout) {
    return index.awaitRevision(rev, timeout, () -> closed, this::requestProgress);
  }

  /**
   * Adds a listener on the dispatch thread, which orders its replay of the current objects (as
   * {@link CacheListener#onAdd}) before any later change; returns once the replay is done.
   */
  void addListener(Kind kind, CacheListener listener) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    dispatch.execute(
        () -> {
          List<Object> existing;
          synchronized (index) {
            existing = new ArrayList<>(index.objects(kind));
            listeners.add(kind, listener);
          }
          List<Runnable> calls = new ArrayList<>(existing.size());
          for (Object o : existing) {
            calls.add(() -> listener.onAdd(o));
          }
          CacheListeners.run(calls);
          done.complete(null);
        });
    try {
      done.get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("watch cache: adding a listener timed out", e);
    }
  }

  /** Stops following the store; applying what already arrived may still finish. */
  void stop() {
    closed = true;
    Watch w = storeWatch;
    if (w != null) {
      w.close();
    }
    dispatch.shutdown();
  }

  /** Waits up to {@code seconds} for the dispatch thread to finish. */
  void awaitTermination(long seconds) throws InterruptedException {
    dispatch.awaitTermination(seconds, TimeUnit.SECONDS);
  }
}
