package dev.drover.master.cache;

import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.WatchEvent;
import dev.drover.store.api.KvStore;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Every object of the cluster in memory, fed by one store watch over {@code /registry/}: the master
 * serves Get, List and Watch from here, and the scheduler and controllers read it through {@link
 * #get}, {@link #list(Kind, Predicate)} and {@link #addListener}.
 *
 * <p>This class wires the parts and keeps their API in one place: {@link CacheFeed} follows the
 * store, {@link ObjectIndex} holds the objects and a window of recent changes per kind, {@link
 * ListPager} pages listings at one snapshot, {@link FanOut} runs the watches and {@link
 * CacheListeners} the in-process listeners. A version older than the window fails with {@link
 * ExpiredException}.
 */
public final class WatchCache implements AutoCloseable {
  /** Tunables. */
  public record Options(int windowPerKind, Duration bookmarkInterval, int maxWatcherBacklog) {
    /** Defaults for a master. */
    public static Options defaults() {
      return new Options(10_000, Duration.ofSeconds(5), 100_000);
    }
  }

  /** Most encoded bytes of events one batch carries, unless a single event is larger. */
  public static final int MAX_BATCH_BYTES = CacheWatcher.MAX_BATCH_BYTES;

  private final Options options;
  private final ObjectIndex index;
  private final ListPager pager;
  private final FanOut fanOut;
  private final CacheListeners listeners = new CacheListeners();
  private final ScheduledExecutorService ticker =
      Executors.newSingleThreadScheduledExecutor(CacheThreads.daemon("watch-cache-ticker"));
  private final CacheFeed feed;

  /** A cache over {@code kv}; call {@link #start()}. */
  public WatchCache(KvStore kv, Options options) {
    this.options = options;
    this.index = new ObjectIndex(options.windowPerKind());
    this.pager = new ListPager(index);
    this.fanOut =
        new FanOut(
            index,
            Math.max(2, Runtime.getRuntime().availableProcessors()),
            options.bookmarkInterval(),
            options.maxWatcherBacklog());
    this.feed = new CacheFeed(kv, index, fanOut, listeners, ticker);
  }

  /** Lists the store, starts following it and returns once the cache holds that state. */
  public WatchCache start() {
    feed.start();
    long ms = options.bookmarkInterval().toMillis();
    ticker.scheduleWithFixedDelay(this::tick, ms, ms, TimeUnit.MILLISECONDS);
    return this;
  }

  private void tick() {
    fanOut.bookmarks();
    // Keep the revision current while idle, so bookmarks move resume points forward.
    feed.requestProgress();
  }

  // ------------------------------------------------------------------ reads

  /** The latest store revision the cache reflects. */
  public long revision() {
    return index.revision();
  }

  /**
   * Waits until the cache reflects at least {@code rev}; false on timeout. Asks the store for a
   * progress notification so that an idle store does not delay the answer.
   */
  public boolean waitForRevision(long rev, Duration timeout) {
    return feed.waitForRevision(rev, timeout);
  }

  /** One object, if the cache has it. */
  public Optional<Object> get(Kind kind, String namespace, String name) {
    return index.get(kind, namespace, name);
  }

  /** Every current object of a kind matching the filter, ordered by namespace and name. */
  public List<Object> list(Kind kind, Predicate<Object> filter) {
    return index.list(kind, filter);
  }

  /**
   * The pods bound to {@code node}, from the index by node: a node's pods without scanning every
   * pod of the cluster.
   */
  public List<Object> podsOn(String node) {
    return index.listPodsOn(node);
  }

  /** Number of objects held. */
  public int size() {
    return index.size();
  }

  /** Number of objects of one kind. */
  public int size(Kind kind) {
    return index.size(kind);
  }

  /** Number of open watches. */
  public int watcherCount() {
    return fanOut.watchers().size();
  }

  /** One page of a listing. */
  public record Page(
      List<Object> items, long resourceVersion, String continueToken, long remaining) {}

  /**
   * Lists a kind (one namespace, or all when empty) at the current state ({@code rv} 0) or at
   * exactly revision {@code rv}, in pages of {@code limit} (0: no limit). A continue token resumes
   * a listing at the snapshot of its first page.
   *
   * @throws ExpiredException when the revision or token is older than the window
   * @throws IllegalArgumentException when the continue token is not one this cache issued
   */
  public Page list(
      Kind kind,
      String namespace,
      Predicate<Object> filter,
      long limit,
      String continueToken,
      long rv) {
    return pager.page(kind, namespace, filter, limit, continueToken, rv);
  }

  // ------------------------------------------------------------------ listeners

  /** A registered listener; close it to stop receiving calls. */
  public interface Registration extends AutoCloseable {
    @Override
    void close();
  }

  /**
   * Adds an in-process listener for one kind. It first gets {@link CacheListener#onAdd} for every
   * current object, then every change, in order, on the dispatch thread.
   */
  public Registration addListener(Kind kind, CacheListener listener) {
    feed.addListener(kind, listener);
    return () -> listeners.remove(kind, listener);
  }

  // ------------------------------------------------------------------ watches

  /**
   * What a watch wants to see. {@code podNode}, when not empty, says that the filter passes only
   * pods bound to that node (a node's own watch of its pods): the cache then finds the watch's pods
   * and changes through its index of pods by node instead of testing every pod and every change of
   * the cluster against it. The filter still decides.
   */
  public record WatchSpec(
      Kind kind,
      String namespace,
      Predicate<Object> filter,
      long fromRevision,
      boolean bookmarks,
      boolean initialEvents,
      String podNode) {
    public WatchSpec {
      if (podNode == null) {
        podNode = "";
      }
      if (!podNode.isEmpty() && kind != Kind.KIND_POD) {
        throw new IllegalArgumentException("a watch of " + kind + " cannot be routed by node");
      }
    }

    /** A watch that every change of its kind is offered to. */
    public WatchSpec(
        Kind kind,
        String namespace,
        Predicate<Object> filter,
        long fromRevision,
        boolean bookmarks,
        boolean initialEvents) {
      this(kind, namespace, filter, fromRevision, bookmarks, initialEvents, "");
    }
  }

  /** An open watch; close it to stop it. */
  public interface WatchHandle extends AutoCloseable {
    @Override
    void close();

    /** The sink is ready for more after it said it was not: send what waits. */
    void resume();
  }

  /**
   * Starts a watch: every change after {@code fromRevision} (0: from now) to objects that match,
   * delivered in order to {@code sink} from a sender thread. The sink gets an ERROR event (then
   * nothing more) when the watcher falls too far behind or the cache relists.
   *
   * @throws ExpiredException when {@code fromRevision} is older than the window
   */
  public WatchHandle watch(WatchSpec spec, Consumer<WatchEvent> sink) {
    return watchFrames(spec, events(sink), () -> true);
  }

  /**
   * As {@link #watch(WatchSpec, Consumer)}, for a sink with flow control: events are handed over
   * only while {@code ready} says so, and wait in the watcher's backlog otherwise (counted against
   * the backlog limit, so a client that stops reading is told to re-list instead of piling up
   * buffers in the master). Call {@link WatchHandle#resume()} when the sink becomes ready again.
   */
  public WatchHandle watch(WatchSpec spec, Consumer<WatchEvent> sink, BooleanSupplier ready) {
    return watchFrames(spec, events(sink), ready);
  }

  private static Consumer<List<WatchFrame>> events(Consumer<WatchEvent> sink) {
    return batch -> {
      for (WatchFrame f : batch) {
        sink.accept(f.event());
      }
    };
  }

  /**
   * As {@link #watch(WatchSpec, Consumer, BooleanSupplier)}, handing over frames in batches: every
   * watcher of a change gets the same {@link WatchFrame}, so a stream that sends its bytes sends
   * what was encoded once for all of them. Each call of {@code sink} carries, in order, the events
   * that were ready together (the changes the shard offered in one round, or what waited in the
   * backlog), at most {@link #MAX_BATCH_BYTES} unless one event is larger; an ERROR event is the
   * last of its batch.
   */
  public WatchHandle watchFrames(
      WatchSpec spec, Consumer<List<WatchFrame>> sink, BooleanSupplier ready) {
    CacheWatcher w = fanOut.register(spec, sink, ready);
    return new WatchHandle() {
      @Override
      public void close() {
        w.close();
      }

      @Override
      public void resume() {
        w.resume();
      }
    };
  }

  /** The ERROR event telling a watcher to list again. */
  public static WatchEvent expiredStatus(String message) {
    return WatchEvents.expired(message);
  }

  // ------------------------------------------------------------------ lifecycle

  /** True once the first list is loaded. */
  public boolean synced() {
    return feed.synced();
  }

  /**
   * True when every fan-out shard has offered the changes up to {@code revision} to its watchers:
   * each watcher's events up to there are sent or wait in its backlog.
   */
  public boolean offeredUpTo(long revision) {
    return fanOut.offeredUpTo(revision);
  }

  /** Stops following the store and every watch, and waits for the cache's threads. */
  @Override
  public void close() {
    feed.stop();
    fanOut.shutdown();
    ticker.shutdownNow();
    try {
      feed.awaitTermination(10);
      fanOut.awaitTermination(10);
      ticker.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    index.wakeAll();
  }
}
