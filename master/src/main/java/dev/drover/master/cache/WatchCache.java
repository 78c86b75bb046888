package dev.drover.master.cache;

import com.google.protobuf.ByteString;
import dev.drover.api.ApiObjects;
import dev.drover.api.v1.ErrorStatus;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.WatchEvent;
import dev.drover.api.v1.WatchEventType;
import dev.drover.master.registry.Objects;
import dev.drover.master.registry.Registry;
import dev.drover.master.registry.Registry.ObjectKey;
import dev.drover.store.Keys;
import dev.drover.store.KvStore;
import dev.drover.store.KvStoreException;
import dev.drover.store.Watch;
import dev.drover.store.WatchListener;
import dev.drover.store.v1.Event;
import dev.drover.store.v1.KeyValue;
import dev.drover.store.v1.RangeResponse;
import dev.drover.store.v1.WatchRequest;
import dev.drover.store.v1.WatchResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every object of the cluster in memory, fed by one store watch over {@code /registry/}: the master
 * serves Get, List and Watch from here, and the scheduler and controllers read it through {@link
 * #get}, {@link #list(Kind, Predicate)} and {@link #addListener}.
 *
 * <p>For each kind the cache keeps the current objects and a window of recent changes. The window
 * lets a watch resume from an older resource_version and lets the pages of one listing come from
 * the same snapshot (the current objects with the newer changes undone). A version older than the
 * window fails with {@link ExpiredException}.
 */
public final class WatchCache implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WatchCache.class);

  /** Tunables. */
  public record Options(int windowPerKind, Duration bookmarkInterval, int maxWatcherBacklog) {
    /** Defaults for a master. */
    public static Options defaults() {
      return new Options(10_000, Duration.ofSeconds(5), 100_000);
    }
  }

  /**
   * One change of one object, as the window keeps it. The metadata of both states is read once here
   * for every watcher's selector, and {@code frames} memoises the event of each type so that every
   * watcher of the change sends the same frame, encoded once; filled under the cache lock.
   */
  private record Change(
      long revision,
      Kind kind,
      String sortKey,
      String namespace,
      Object object,
      ObjectMeta meta,
      Object previous,
      ObjectMeta previousMeta,
      boolean deleted,
      WatchFrame[] frames) {
    Change(
        long revision,
        Kind kind,
        String sortKey,
        String namespace,
        Object object,
        Object previous,
        boolean deleted) {
      this(
          revision,
          kind,
          sortKey,
          namespace,
          object,
          ApiObjects.meta(object),
          previous,
          previous == null ? null : ApiObjects.meta(previous),
          deleted,
          new WatchFrame[WatchEventType.values().length]);
    }

    /** The frame of one event type, the same for every caller (fan-out threads call at once). */
    WatchFrame frame(WatchEventType type) {
      synchronized (frames) {
        WatchFrame f = frames[type.ordinal()];
        if (f == null) {
          f = WatchFrame.of(WatchCache.event(type, object, revision));
          frames[type.ordinal()] = f;
        }
        return f;
      }
    }
  }

  /** The objects and recent history of one kind. */
  private static final class KindState {
    final NavigableMap<String, Object> objects = new TreeMap<>();
    final ArrayDeque<Change> window = new ArrayDeque<>();

    /** Every change after this revision is in the window. */
    long windowStart;
  }

  private final KvStore kv;
  private final Options options;
  private final Map<Kind, KindState> kinds = new EnumMap<>(Kind.class);
  private final Map<Kind, List<CacheListener>> listeners = new ConcurrentHashMap<>();
  private final ExecutorService dispatch =
      Executors.newSingleThreadExecutor(r -> daemon(r, "watch-cache-dispatch"));

  /**
   * The fan-out threads. Each watcher belongs to one shard, whose single thread offers it every
   * change and sends to its stream (gRPC's onNext never blocks), so the dispatch thread, which
   * read-your-writes waits on, hands a batch of changes over once per shard instead of touching
   * every watcher; a watcher's events stay in order because one thread does all its sending.
   */
  private final Shard[] shards;

  private final java.util.concurrent.atomic.AtomicInteger nextShard =
      new java.util.concurrent.atomic.AtomicInteger();
  private final ScheduledExecutorService ticker =
      Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "watch-cache-ticker"));
  private final java.lang.Object lock = new java.lang.Object();
  private volatile long revision;
  private volatile boolean closed;
  private volatile boolean synced;
  private Watch storeWatch;

  /** A cache over {@code kv}; call {@link #start()}. */
  public WatchCache(KvStore kv, Options options) {
    this.kv = kv;
    this.options = options;
    this.shards = new Shard[Math.max(2, Runtime.getRuntime().availableProcessors())];
    for (int i = 0; i < shards.length; i++) {
      shards[i] = new Shard(i);
    }
    for (Kind k : Kind.values()) {
      if (Objects.known(k)) {
        kinds.put(k, new KindState());
      }
    }
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  /** Lists the store, starts following it and returns once the cache holds that state. */
  public WatchCache start() {
    relist();
    long ms = options.bookmarkInterval().toMillis();
    ticker.scheduleWithFixedDelay(this::tick, ms, ms, TimeUnit.MILLISECONDS);
    return this;
  }

  private void relist() {
    ByteString prefix = Keys.of(Registry.REGISTRY);
    RangeResponse r;
    try {
      r = kv.getPrefix(prefix).get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("watch cache: the initial list of the store failed", e);
    }
    long rev = r.getHeader().getRevision();
    List<Runnable> notifications = new ArrayList<>();
    synchronized (lock) {
      Map<Kind, TreeMap<String, Object>> fresh = new EnumMap<>(Kind.class);
      for (KeyValue x : r.getKvsList()) {
        ObjectKey k = Registry.parseKey(x.getKey());
        if (k == null) {
          continue;
        }
        fresh
            .computeIfAbsent(k.kind(), kk -> new TreeMap<>())
            .put(sortKey(k.namespace(), k.name()), Registry.decode(x));
      }
      for (var e : kinds.entrySet()) {
        KindState st = e.getValue();
        TreeMap<String, Object> now = fresh.getOrDefault(e.getKey(), new TreeMap<>());
        diffForListeners(e.getKey(), st.objects, now, notifications);
        st.objects.clear();
        st.objects.putAll(now);
        st.window.clear();
        st.windowStart = rev;
      }
      revision = rev;
      // Watchers cannot bridge a relist: their history has a hole.
      for (CacheWatcher w : allWatchers()) {
        w.fail(WatchCache.expiredStatus("the cache re-listed the store; watch history was lost"));
      }
      synced = true;
      lock.notifyAll();
    }
    notifications.forEach(Runnable::run);
    storeWatch =
        kv.watch(
            WatchRequest.newBuilder()
                .setKey(prefix)
                .setRangeEnd(Keys.prefixEnd(prefix))
                .setStartRevision(rev + 1)
                .setProgressNotify(true)
                .build(),
            new StoreFeed());
    storeWatch.request(Long.MAX_VALUE);
  }

  private void diffForListeners(
      Kind kind, Map<String, Object> before, Map<String, Object> after, List<Runnable> out) {
    List<CacheListener> ls = listeners.getOrDefault(kind, List.of());
    if (ls.isEmpty()) {
      return;
    }
    for (var e : after.entrySet()) {
      Object old = before.get(e.getKey());
      Object now = e.getValue();
      if (old == null) {
        ls.forEach(l -> out.add(() -> l.onAdd(now)));
      } else if (!old.equals(now)) {
        ls.forEach(l -> out.add(() -> l.onUpdate(old, now)));
      }
    }
    for (var e : before.entrySet()) {
      if (!after.containsKey(e.getKey())) {
        ls.forEach(l -> out.add(() -> l.onDelete(e.getValue())));
      }
    }
  }

  /** Receives the store's watch and hands it to the dispatch thread. */
  private final class StoreFeed implements WatchListener {
    @Override
    public void onNext(WatchResponse response) {
      dispatch.execute(() -> apply(response));
    }

    @Override
    public void onError(KvStoreException error) {
      if (closed) {
        return;
      }
      dispatch.execute(() -> recover(error));
    }
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
        ByteString prefix = Keys.of(Registry.REGISTRY);
        storeWatch =
            kv.watch(
                WatchRequest.newBuilder()
                    .setKey(prefix)
                    .setRangeEnd(Keys.prefixEnd(prefix))
                    .setStartRevision(revision + 1)
                    .setProgressNotify(true)
                    .build(),
                new StoreFeed());
        storeWatch.request(Long.MAX_VALUE);
      }
    } catch (RuntimeException e) {
      LOG.warn("watch cache: resuming failed, retrying in 1 s", e);
      if (!closed) {
        ticker.schedule(() -> dispatch.execute(() -> recover(error)), 1, TimeUnit.SECONDS);
      }
    }
  }

  private void apply(WatchResponse response) {
    List<Runnable> notifications = new ArrayList<>();
    List<Change> changes = new ArrayList<>();
    long upTo;
    synchronized (lock) {
      for (Event e : response.getEventsList()) {
        KeyValue x = e.getKv();
        ObjectKey k = Registry.parseKey(x.getKey());
        long rev = x.getModRevision();
        if (k == null) {
          continue;
        }
        KindState st = kinds.get(k.kind());
        String sk = sortKey(k.namespace(), k.name());
        Object previous = st.objects.get(sk);
        Change c;
        if (e.getType() == Event.EventType.DELETE) {
          if (previous == null) {
            continue;
          }
          st.objects.remove(sk);
          Object last =
              ApiObjects.withMeta(
                  previous, ApiObjects.meta(previous).toBuilder().setResourceVersion(rev).build());
          c = new Change(rev, k.kind(), sk, k.namespace(), last, previous, true);
          listenersOf(k.kind(), l -> notifications.add(() -> l.onDelete(last)));
        } else {
          Object now = Registry.decode(x);
          st.objects.put(sk, now);
          c = new Change(rev, k.kind(), sk, k.namespace(), now, previous, false);
          if (previous == null) {
            listenersOf(k.kind(), l -> notifications.add(() -> l.onAdd(now)));
          } else {
            listenersOf(k.kind(), l -> notifications.add(() -> l.onUpdate(previous, now)));
          }
        }
        st.window.addLast(c);
        while (st.window.size() > options.windowPerKind()) {
          st.windowStart = st.window.removeFirst().revision();
        }
        changes.add(c);
        revision = Math.max(revision, rev);
      }
      if (response.getProgressNotify() || response.getEventsCount() == 0) {
        revision = Math.max(revision, response.getHeader().getRevision());
      }
      upTo = revision;
      lock.notifyAll();
    }
    // Outside the lock: each shard offers the batch to its watchers and sends.
    for (Shard sh : shards) {
      sh.fanOut(changes, upTo);
    }
    for (Runnable n : notifications) {
      try {
        n.run();
      } catch (RuntimeException ex) {
        LOG.warn("watch cache: a listener failed", ex);
      }
    }
  }

  private void listenersOf(Kind kind, Consumer<CacheListener> f) {
    for (CacheListener l : listeners.getOrDefault(kind, List.of())) {
      f.accept(l);
    }
  }

  // ------------------------------------------------------------------ reads

  /** The latest store revision the cache reflects. */
  public long revision() {
    return revision;
  }

  /**
   * Waits until the cache reflects at least {@code rev}; false on timeout. Asks the store for a
   * progress notification so that an idle store does not delay the answer.
   */
  public boolean waitForRevision(long rev, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    boolean asked = false;
    synchronized (lock) {
      while (revision < rev) {
        long left = deadline - System.nanoTime();
        if (left <= 0 || closed) {
          return revision >= rev;
        }
        if (!asked && storeWatch != null) {
          storeWatch.requestProgress();
          asked = true;
        }
        try {
          lock.wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 200)));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
        if (revision < rev && storeWatch != null) {
          storeWatch.requestProgress();
        }
      }
      return true;
    }
  }

  /** One object, if the cache has it. */
  public Optional<Object> get(Kind kind, String namespace, String name) {
    synchronized (lock) {
      return Optional.ofNullable(kinds.get(kind).objects.get(sortKey(namespace, name)));
    }
  }

  /** Every current object of a kind matching the filter, ordered by namespace and name. */
  public List<Object> list(Kind kind, Predicate<Object> filter) {
    synchronized (lock) {
      List<Object> out = new ArrayList<>();
      for (Object o : kinds.get(kind).objects.values()) {
        if (filter.test(o)) {
          out.add(o);
        }
      }
      return out;
    }
  }

  /** Number of objects held. */
  public int size() {
    synchronized (lock) {
      int n = 0;
      for (KindState st : kinds.values()) {
        n += st.objects.size();
      }
      return n;
    }
  }

  /** Number of objects of one kind. */
  public int size(Kind kind) {
    synchronized (lock) {
      return kinds.get(kind).objects.size();
    }
  }

  /** Number of open watches. */
  public int watcherCount() {
    return allWatchers().size();
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
   */
  public Page list(
      Kind kind,
      String namespace,
      Predicate<Object> filter,
      long limit,
      String continueToken,
      long rv) {
    long snapshotRev = rv;
    String after = null;
    if (continueToken != null && !continueToken.isEmpty()) {
      String[] t = decodeToken(continueToken);
      snapshotRev = Long.parseLong(t[0]);
      after = t[1];
    }
    synchronized (lock) {
      KindState st = kinds.get(kind);
      NavigableMap<String, Object> view =
          snapshotRev <= 0 || snapshotRev == revision
              ? st.objects
              : snapshot(kind, st, snapshotRev);
      long at = snapshotRev <= 0 ? revision : snapshotRev;
      NavigableMap<String, Object> range =
          namespace.isEmpty()
              ? view
              : view.subMap(namespace + "\u0000", true, namespace + "\u0001", false);
      if (after != null) {
        range = range.tailMap(after, false);
      }
      List<Object> items = new ArrayList<>();
      String last = null;
      long remaining = 0;
      for (var e : range.entrySet()) {
        if (!filter.test(e.getValue())) {
          continue;
        }
        if (limit > 0 && items.size() >= limit) {
          remaining++;
          continue;
        }
        items.add(e.getValue());
        last = e.getKey();
      }
      String token = remaining > 0 ? encodeToken(at, last) : "";
      return new Page(items, at, token, remaining);
    }
  }

  /**
   * The objects of a kind as they were at {@code rev}: the current ones with later changes undone.
   */
  private NavigableMap<String, Object> snapshot(Kind kind, KindState st, long rev) {
    if (rev < st.windowStart) {
      throw new ExpiredException(
          "resource_version "
              + rev
              + " of "
              + kind
              + " is older than the cache keeps (from "
              + st.windowStart
              + ")");
    }
    if (rev > revision) {
      throw new ExpiredException(
          "resource_version " + rev + " is newer than this master has seen (" + revision + ")");
    }
    TreeMap<String, Object> copy = new TreeMap<>(st.objects);
    Iterator<Change> it = st.window.descendingIterator();
    while (it.hasNext()) {
      Change c = it.next();
      if (c.revision() <= rev) {
        break;
      }
      if (c.previous() == null) {
        copy.remove(c.sortKey());
      } else {
        copy.put(c.sortKey(), c.previous());
      }
    }
    return copy;
  }

  private static String encodeToken(long rev, String lastKey) {
    String raw = rev + "\n" + lastKey;
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(raw.getBytes(StandardCharsets.UTF_8));
  }

  private static String[] decodeToken(String token) {
    try {
      String raw = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
      int nl = raw.indexOf('\n');
      if (nl <= 0) {
        throw new IllegalArgumentException("malformed continue token");
      }
      Long.parseLong(raw.substring(0, nl));
      return new String[] {raw.substring(0, nl), raw.substring(nl + 1)};
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("continue_token is not a token this API issued");
    }
  }

  private static String sortKey(String namespace, String name) {
    return namespace + "\u0000" + name;
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
    List<Object> existing = new ArrayList<>();
    CacheListener[] holder = new CacheListener[1];
    java.util.concurrent.CompletableFuture<Void> done =
        new java.util.concurrent.CompletableFuture<>();
    // Registering on the dispatch thread orders the replay before any later change.
    dispatch.execute(
        () -> {
          synchronized (lock) {
            existing.addAll(kinds.get(kind).objects.values());
            listeners.computeIfAbsent(kind, k -> new CopyOnWriteArrayList<>()).add(listener);
          }
          for (Object o : existing) {
            try {
              listener.onAdd(o);
            } catch (RuntimeException ex) {
              LOG.warn("watch cache: a listener failed", ex);
            }
          }
          done.complete(null);
        });
    holder[0] = listener;
    try {
      done.get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException | TimeoutException e) {
      throw new IllegalStateException("watch cache: adding a listener timed out", e);
    }
    return () -> listeners.getOrDefault(kind, List.of()).remove(holder[0]);
  }

  // ------------------------------------------------------------------ watches

  /** What a watch wants to see. */
  public record WatchSpec(
      Kind kind,
      String namespace,
      Predicate<Object> filter,
      long fromRevision,
      boolean bookmarks,
      boolean initialEvents) {}

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
    CacheWatcher w = new CacheWatcher(spec, sink, ready);
    synchronized (lock) {
      KindState st = kinds.get(spec.kind());
      long from = spec.fromRevision();
      if (spec.initialEvents() && from <= 0) {
        for (Object o : st.objects.values()) {
          ObjectMeta meta = ApiObjects.meta(o);
          if (w.matches(o, meta)) {
            w.enqueue(
                WatchFrame.of(
                    event(WatchEventType.WATCH_EVENT_TYPE_ADDED, o, meta.getResourceVersion())));
          }
        }
        w.enqueue(WatchFrame.of(bookmark(revision)));
      } else if (from > 0) {
        if (from < st.windowStart) {
          throw new ExpiredException(
              "resource_version "
                  + from
                  + " of "
                  + spec.kind()
                  + " is older than the cache keeps (from "
                  + st.windowStart
                  + ")");
        }
        for (Change c : st.window) {
          if (c.revision() > from) {
            w.offer(c);
          }
        }
        if (spec.initialEvents()) {
          w.enqueue(WatchFrame.of(bookmark(Math.max(from, revision))));
        }
      }
      w.lastSent = System.nanoTime();
      // Every change up to here was replayed above (or is older than the start): the shard
      // offers only later ones.
      w.registeredAt = revision;
      w.offeredUpTo = revision;
      w.shard.add(w);
    }
    w.drainLater();
    return new WatchHandle() {
      @Override
      public void close() {
        w.close();
      }

      @Override
      public void resume() {
        // Most streams have nothing waiting when they become ready again: no hop to the shard
        // then. Nothing is lost: the shard adds to the backlog before it checks readiness.
        if (!w.backlog.isEmpty()) {
          w.drainLater();
        }
      }
    };
  }

  private static WatchEvent event(WatchEventType type, Object o, long rev) {
    return WatchEvent.newBuilder().setType(type).setObject(o).setResourceVersion(rev).build();
  }

  private static WatchEvent bookmark(long rev) {
    return WatchEvent.newBuilder()
        .setType(WatchEventType.WATCH_EVENT_TYPE_BOOKMARK)
        .setResourceVersion(rev)
        .build();
  }

  /** The ERROR event telling a watcher to list again. */
  public static WatchEvent expiredStatus(String message) {
    return WatchEvent.newBuilder()
        .setType(WatchEventType.WATCH_EVENT_TYPE_ERROR)
        .setError(
            ErrorStatus.newBuilder()
                .setCode(io.grpc.Status.Code.OUT_OF_RANGE.value())
                .setReason("Expired")
                .setMessage(message))
        .build();
  }

  private void tick() {
    for (Shard sh : shards) {
      sh.bookmarks();
    }
    // Keep revision current while idle, so bookmarks move resume points forward.
    if (storeWatch != null && !closed) {
      storeWatch.requestProgress();
    }
  }

  /** Every open watch: the members of all shards (each watch belongs to exactly one). */
  private List<CacheWatcher> allWatchers() {
    List<CacheWatcher> all = new ArrayList<>();
    for (Shard sh : shards) {
      for (Set<CacheWatcher> ws : sh.members.values()) {
        all.addAll(ws);
      }
    }
    return all;
  }

  /** Most encoded bytes of events one batch carries, unless a single event is larger. */
  public static final int MAX_BATCH_BYTES = 1 << 20;

  /** One watch: a filter, a backlog of events and a sender that drains it in order. */
  private final class CacheWatcher {
    final Kind kind;
    final WatchSpec spec;
    final Consumer<List<WatchFrame>> sink;
    final BooleanSupplier ready;
    final java.util.concurrent.ConcurrentLinkedQueue<WatchFrame> backlog =
        new java.util.concurrent.ConcurrentLinkedQueue<>();
    final java.util.concurrent.atomic.AtomicInteger size =
        new java.util.concurrent.atomic.AtomicInteger();
    final java.util.concurrent.atomic.AtomicBoolean drainScheduled =
        new java.util.concurrent.atomic.AtomicBoolean();
    final Shard shard;
    volatile boolean done;
    volatile long lastSent;

    /** The cache's revision when the watch was registered: every change up to it was replayed. */
    long registeredAt;

    /**
     * The newest revision offered to this watcher (set at registration, then by its shard thread).
     */
    long offeredUpTo;

    /**
     * Events of the shard's current round, sent together when the round ends (shard thread only).
     */
    List<WatchFrame> round;

    CacheWatcher(WatchSpec spec, Consumer<List<WatchFrame>> sink, BooleanSupplier ready) {
      this.kind = spec.kind();
      this.spec = spec;
      this.sink = sink;
      this.ready = ready;
      this.shard = shards[Math.floorMod(nextShard.getAndIncrement(), shards.length)];
    }

    /**
     * True when {@code o} (metadata {@code meta}) is in this watch's namespace and passes its
     * filter.
     */
    boolean matches(Object o, ObjectMeta meta) {
      if (o == null) {
        return false;
      }
      if (!spec.namespace().isEmpty() && !spec.namespace().equals(meta.getNamespace())) {
        return false;
      }
      return spec.filter() instanceof ObjectFilter f ? f.test(o, meta) : spec.filter().test(o);
    }

    /**
     * Turns a change into what this watcher sees, honouring selector transitions. Called under the
     * cache lock while the watch starts, then only on the watcher's shard thread.
     */
    void offer(Change c) {
      if (done) {
        return;
      }
      if (!spec.namespace().isEmpty() && !spec.namespace().equals(c.namespace())) {
        return;
      }
      boolean was = c.previous() != null && matches(c.previous(), c.previousMeta());
      if (c.deleted()) {
        if (was) {
          enqueue(c.frame(WatchEventType.WATCH_EVENT_TYPE_DELETED));
        }
        return;
      }
      boolean is = matches(c.object(), c.meta());
      if (is && was) {
        enqueue(c.frame(WatchEventType.WATCH_EVENT_TYPE_MODIFIED));
      } else if (is) {
        enqueue(c.frame(WatchEventType.WATCH_EVENT_TYPE_ADDED));
      } else if (was) {
        enqueue(c.frame(WatchEventType.WATCH_EVENT_TYPE_DELETED));
      }
    }

    /**
     * On the shard thread: sends at once when nothing waits and the stream is ready, else queues.
     */
    void offerNow(Change c) {
      // One Txn's changes share a revision, so only the registration revision can tell a change
      // already replayed from a new one: comparing with the last offered one would drop the
      // second and later changes of a multi-object Txn (a batch of scheduler bindings).
      if (c.revision() <= registeredAt) {
        return;
      }
      offeredUpTo = Math.max(offeredUpTo, c.revision());
      offer(c);
    }

    void enqueue(WatchFrame e) {
      if (done) {
        return;
      }
      boolean onShard = Thread.currentThread() == shard.thread;
      if (onShard && shard.inRound) {
        // Collected and sent as one batch when the round ends (flushRound).
        if (round == null) {
          round = new ArrayList<>(4);
          shard.touched.add(this);
        }
        round.add(e);
        return;
      }
      if (onShard && backlog.isEmpty() && ready.getAsBoolean()) {
        // Its shard's thread is the only one that sends: with nothing waiting, order holds.
        lastSent = System.nanoTime();
        send(List.of(e));
        return;
      }
      if (queue(e)) {
        if (onShard) {
          // Readiness may have come back since it was checked above; resume() skips a stream
          // whose backlog looked empty, so check again now that the event waits.
          drain();
        } else {
          drainLater();
        }
      }
    }

    /** Adds to the backlog; false (and the watcher told to re-list) past the backlog limit. */
    private boolean queue(WatchFrame e) {
      if (size.incrementAndGet() > options.maxWatcherBacklog()) {
        // It has to re-list anyway: drop what waits so a stalled client holds one event, not the
        // limit.
        backlog.clear();
        size.set(0);
        fail(
            expiredStatus(
                "the watcher fell more than " + options.maxWatcherBacklog() + " events behind"));
        return false;
      }
      backlog.add(e);
      lastSent = System.nanoTime();
      return true;
    }

    /**
     * On the shard thread, after a round: sends the round's events as one batch, or queues them.
     */
    void flushRound() {
      List<WatchFrame> r = round;
      round = null;
      if (r == null || done) {
        return;
      }
      if (backlog.isEmpty() && ready.getAsBoolean() && bytes(r) <= MAX_BATCH_BYTES) {
        lastSent = System.nanoTime();
        send(r);
        return;
      }
      for (WatchFrame e : r) {
        if (!queue(e)) {
          return;
        }
      }
      drain();
    }

    void fail(WatchEvent error) {
      if (done) {
        return;
      }
      backlog.add(WatchFrame.of(error));
      done = true;
      shard.remove(this);
      drainLater();
    }

    /**
     * Has the shard thread send what waits (after the stream became ready again, or from another
     * thread).
     */
    void drainLater() {
      if (drainScheduled.compareAndSet(false, true)) {
        shard.execute(
            () -> {
              drainScheduled.set(false);
              drain();
            });
      }
    }

    /**
     * On the shard thread: sends what waits while the stream is ready, as many events per batch as
     * {@link #MAX_BATCH_BYTES} allows; resume() comes back here.
     */
    void drain() {
      while (ready.getAsBoolean()) {
        List<WatchFrame> batch = null;
        long bytes = 0;
        WatchFrame e;
        while ((e = backlog.peek()) != null) {
          long n = e.size();
          if (batch != null && bytes + n > MAX_BATCH_BYTES) {
            break;
          }
          backlog.poll();
          size.decrementAndGet();
          if (batch == null) {
            batch = new ArrayList<>();
          }
          batch.add(e);
          bytes += n;
          if (e.event().getType() == WatchEventType.WATCH_EVENT_TYPE_ERROR) {
            break;
          }
        }
        if (batch == null) {
          return;
        }
        send(batch);
      }
    }

    private void send(List<WatchFrame> batch) {
      try {
        sink.accept(batch);
      } catch (RuntimeException ex) {
        LOG.debug("watch cache: a watcher's sink failed; closing it", ex);
        close();
        backlog.clear();
      }
    }

    void close() {
      done = true;
      shard.remove(this);
    }
  }

  private static long bytes(List<WatchFrame> frames) {
    long n = 0;
    for (WatchFrame f : frames) {
      n += f.size();
    }
    return n;
  }

  /** Changes handed to a shard in one call of fanOut; the cache was at {@code upTo}. */
  private record Handed(List<Change> changes, long upTo) {}

  /**
   * One fan-out thread and the watchers it serves, by kind. It works in rounds: a round offers
   * every batch of changes handed over since the last round to its watchers, then sends each
   * watcher what the round gave it as one batch. When the shard keeps up a round is one store
   * batch; when it falls behind, rounds grow, so the messages per watcher per second stay bounded
   * by the shard's own pace instead of the write rate.
   */
  private final class Shard {
    final ExecutorService exec;
    final Thread thread;
    final Map<Kind, Set<CacheWatcher>> members = new ConcurrentHashMap<>();
    final java.util.concurrent.ConcurrentLinkedQueue<Handed> handed =
        new java.util.concurrent.ConcurrentLinkedQueue<>();
    final java.util.concurrent.atomic.AtomicBoolean roundScheduled =
        new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * True while a round offers changes (shard thread only): watchers collect instead of sending.
     */
    boolean inRound;

    /** Watchers given events in the current round (shard thread only). */
    final List<CacheWatcher> touched = new ArrayList<>();

    /**
     * Changes up to this revision were offered to this shard's watchers (written by the shard
     * thread).
     */
    volatile long fannedOutTo;

    Shard(int index) {
      Thread[] t = new Thread[1];
      exec =
          Executors.newSingleThreadExecutor(
              r -> {
                t[0] = daemon(r, "watch-cache-fanout-" + index);
                return t[0];
              });
      // Start the thread now so that it is known for the "on this shard's thread" checks.
      java.util.concurrent.CompletableFuture.runAsync(() -> {}, exec).join();
      thread = t[0];
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

    void execute(Runnable r) {
      try {
        exec.execute(r);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        // Closing: nothing more is sent.
      }
    }

    /**
     * Offers a batch of changes (in revision order) to this shard's watchers; the cache is now at
     * {@code upTo}.
     */
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
     * Sends a bookmark to each of its watchers that asked for them and heard nothing for an
     * interval, at the revision this shard has offered everything up to (so a bookmark never runs
     * ahead of an event still to come).
     */
    void bookmarks() {
      execute(
          () -> {
            long now = System.nanoTime();
            long interval = options.bookmarkInterval().toNanos();
            for (Set<CacheWatcher> ws : members.values()) {
              for (CacheWatcher w : ws) {
                if (w.spec.bookmarks() && !w.done && now - w.lastSent >= interval) {
                  long at = Math.max(Math.max(fannedOutTo, w.offeredUpTo), w.spec.fromRevision());
                  w.enqueue(WatchFrame.of(bookmark(at)));
                }
              }
            }
          });
    }
  }

  // ------------------------------------------------------------------ lifecycle

  /** True once the first list is loaded. */
  public boolean synced() {
    return synced;
  }

  /**
   * True when every fan-out shard has offered the changes up to {@code revision} to its watchers:
   * each watcher's events up to there are sent or wait in its backlog.
   */
  public boolean offeredUpTo(long revision) {
    for (Shard sh : shards) {
      if (sh.fannedOutTo < revision) {
        return false;
      }
    }
    return true;
  }

  /** Stops following the store and every watch, and waits for the cache's threads. */
  @Override
  public void close() {
    closed = true;
    if (storeWatch != null) {
      storeWatch.close();
    }
    for (CacheWatcher w : allWatchers()) {
      w.close();
    }
    ticker.shutdownNow();
    dispatch.shutdown();
    for (Shard sh : shards) {
      sh.exec.shutdown();
    }
    try {
      dispatch.awaitTermination(10, TimeUnit.SECONDS);
      for (Shard sh : shards) {
        sh.exec.awaitTermination(10, TimeUnit.SECONDS);
      }
      ticker.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (lock) {
      lock.notifyAll();
    }
  }

  /** Latest revision of one object's metadata, for callers holding only an Object. */
  static long rv(Object o) {
    ObjectMeta m = ApiObjects.meta(o);
    return m.getResourceVersion();
  }
}
