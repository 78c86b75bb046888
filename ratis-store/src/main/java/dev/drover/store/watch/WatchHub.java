package dev.drover.store.watch;

import dev.drover.store.api.KeyRange;
import dev.drover.store.api.KvStoreException;
import dev.drover.store.api.Validation;
import dev.drover.store.api.Watch;
import dev.drover.store.api.WatchListener;
import dev.drover.store.mvcc.ApplyListener;
import dev.drover.store.mvcc.MvccStore;
import dev.drover.store.v1.Event;
import dev.drover.store.v1.ResponseHeader;
import dev.drover.store.v1.WatchRequest;
import dev.drover.store.v1.WatchResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves watches on one member from the state it has applied.
 *
 * <p>Each watcher is a cursor (its next revision) over the store's change log rather than a queue:
 * when it has demand and the store has moved past the cursor, it reads the next batch of whole
 * revisions from the log. That makes delivery ordered, gap-free and duplicate-free by construction,
 * makes resuming from any retained revision the same code path as live delivery, and bounds memory
 * however slow a listener is. A cursor that falls below the compact revision ends with COMPACTED.
 */
public final class WatchHub implements ApplyListener, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WatchHub.class);

  /** A response carries whole revisions, at least this many events unless caught up. */
  static final int BATCH_EVENTS = 512;

  private final MvccStore store;
  private final Duration progressInterval;
  private final Set<Watcher> watchers = ConcurrentHashMap.newKeySet();
  private final ExecutorService delivery;
  private final ScheduledExecutorService ticker;
  private final AtomicBoolean closed = new AtomicBoolean();
  private ScheduledFuture<?> progressTask;

  /** A hub over {@code store}; progress notifications go out every {@code progressInterval}. */
  public WatchHub(MvccStore store, Duration progressInterval) {
    this.store = store;
    this.progressInterval = progressInterval;
    AtomicInteger n = new AtomicInteger();
    this.delivery =
        Executors.newFixedThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, "watch-delivery-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    this.ticker =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "watch-progress");
              t.setDaemon(true);
              return t;
            });
    store.addListener(this);
  }

  /** Starts periodic progress notifications. */
  public void start() {
    long ms = progressInterval.toMillis();
    progressTask = ticker.scheduleWithFixedDelay(this::tickProgress, ms, ms, TimeUnit.MILLISECONDS);
  }

  /** Opens a watch; see {@link dev.drover.store.api.KvStore#watch}. */
  public Watch watch(WatchRequest request, WatchListener listener) {
    Validation.watch(request);
    if (closed.get()) {
      throw new KvStoreException(KvStoreException.Kind.UNAVAILABLE, "store is closed");
    }
    long start =
        request.getStartRevision() == 0 ? store.revision() + 1 : request.getStartRevision();
    Watcher w = new Watcher(request, listener, start);
    watchers.add(w);
    if (closed.get()) {
      // close() may have gone through the watchers before this one joined them: end it as
      // close() ends the others, or it would wait for events forever.
      w.fail(new KvStoreException(KvStoreException.Kind.UNAVAILABLE, "store is closed"));
    }
    return w;
  }

  /** Number of open watches. */
  public int size() {
    return watchers.size();
  }

  @Override
  public void onRevision(long revision) {
    for (Watcher w : watchers) {
      w.schedule();
    }
  }

  private void tickProgress() {
    for (Watcher w : watchers) {
      if (w.request.getProgressNotify()) {
        w.progressWanted = true;
        w.schedule();
      }
    }
  }

  /** Ends every watch with UNAVAILABLE and stops the delivery threads. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (progressTask != null) {
      progressTask.cancel(false);
    }
    for (Watcher w : watchers) {
      w.fail(new KvStoreException(KvStoreException.Kind.UNAVAILABLE, "store is closed"));
    }
    ticker.shutdown();
    delivery.shutdown();
    try {
      if (!delivery.awaitTermination(10, TimeUnit.SECONDS)) {
        delivery.shutdownNow();
      }
      ticker.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** One watch: a cursor, its demand and its serialized delivery. */
  private final class Watcher implements Watch {
    final WatchRequest request;
    final KeyRange range;
    final WatchListener listener;
    final AtomicLong demand = new AtomicLong();
    final AtomicBoolean scheduled = new AtomicBoolean();
    volatile long nextRevision;
    volatile boolean progressWanted;
    volatile boolean done;
    volatile KvStoreException terminal;

    Watcher(WatchRequest request, WatchListener listener, long start) {
      this.request = request;
      this.range = KeyRange.of(request.getKey(), request.getRangeEnd());
      this.listener = listener;
      this.nextRevision = start;
    }

    @Override
    public void request(long n) {
      if (n <= 0) {
        throw KvStoreException.invalid("n", "demand must be positive");
      }
      demand.accumulateAndGet(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
      schedule();
    }

    @Override
    public void requestProgress() {
      progressWanted = true;
      schedule();
    }

    @Override
    public long nextRevision() {
      return nextRevision;
    }

    @Override
    public void close() {
      done = true;
      watchers.remove(this);
    }

    void fail(KvStoreException e) {
      terminal = e;
      watchers.remove(this);
      scheduleAlways();
    }

    void schedule() {
      if (!done && demand.get() > 0) {
        scheduleAlways();
      }
    }

    private void scheduleAlways() {
      if (scheduled.compareAndSet(false, true)) {
        try {
          delivery.execute(this::run);
        } catch (java.util.concurrent.RejectedExecutionException e) {
          if (terminal != null) {
            // The hub closed and its delivery threads are gone (a drain that was running when
            // fail() came reschedules itself after shutdown): end the watch on this thread, so
            // the listener still learns of it.
            run();
          } else {
            scheduled.set(false);
          }
        }
      }
    }

    private boolean hasWork() {
      if (done) {
        return false;
      }
      if (terminal != null) {
        return true;
      }
      return demand.get() > 0 && (nextRevision <= store.revision() || progressWanted);
    }

    private void run() {
      try {
        drain();
      } catch (RuntimeException e) {
        LOG.warn("watch listener failed; closing the watch", e);
        close();
      } finally {
        scheduled.set(false);
      }
      if (hasWork()) {
        scheduleAlways();
      }
    }

    private void drain() {
      while (!done) {
        if (terminal != null) {
          done = true;
          listener.onError(terminal);
          return;
        }
        if (demand.get() <= 0) {
          return;
        }
        long[] scanned = new long[1];
        List<Event> events;
        try {
          events =
              store.eventsFrom(nextRevision, range, request.getPrevKv(), BATCH_EVENTS, scanned);
        } catch (KvStoreException e) {
          terminal = e;
          watchers.remove(this);
          continue;
        }
        long upTo = Math.max(scanned[0], nextRevision - 1);
        nextRevision = upTo + 1;
        if (!events.isEmpty()) {
          consume();
          listener.onNext(
              WatchResponse.newBuilder()
                  .setHeader(ResponseHeader.newBuilder().setRevision(upTo))
                  .addAllEvents(events)
                  .build());
          continue;
        }
        if (progressWanted) {
          progressWanted = false;
          consume();
          // A watch started in the future must not claim revisions the store has not reached.
          long current = Math.min(upTo, store.revision());
          listener.onNext(
              WatchResponse.newBuilder()
                  .setHeader(ResponseHeader.newBuilder().setRevision(current))
                  .setProgressNotify(true)
                  .build());
        }
        return;
      }
    }

    private void consume() {
      demand.updateAndGet(d -> d == Long.MAX_VALUE ? d : d - 1);
    }
  }
}
