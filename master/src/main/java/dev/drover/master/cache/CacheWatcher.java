package dev.drover.master.cache;

import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.WatchEvent;
import dev.drover.api.v1.WatchEventType;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One watch: its selector, the events it is owed, and their sending under flow control. Events go
 * to the sink in batches while the sink is ready and wait in a bounded backlog otherwise; past the
 * bound the watch ends with Expired, so a client that stops reading costs one event, not the bound.
 * All sending happens on its shard's thread, which keeps the events in order.
 */
final class CacheWatcher {
  private static final Logger LOG = LoggerFactory.getLogger(CacheWatcher.class);

  /** Most encoded bytes of events one batch carries, unless a single event is larger. */
  static final int MAX_BATCH_BYTES = 1 << 20;

  final Kind kind;
  final WatchCache.WatchSpec spec;
  private final Consumer<List<WatchFrame>> sink;
  private final BooleanSupplier ready;
  private final int maxBacklog;
  private final ConcurrentLinkedQueue<WatchFrame> backlog = new ConcurrentLinkedQueue<>();
  private final AtomicInteger size = new AtomicInteger();
  private final AtomicBoolean drainScheduled = new AtomicBoolean();
  final FanOutShard shard;
  volatile boolean done;
  volatile long lastSent;

  /** The cache's revision when the watch was registered: every change up to it was replayed. */
  private long registeredAt;

  /**
   * The newest revision offered to this watcher (set at registration, then by its shard thread).
   */
  long offeredUpTo;

  /** Events of the shard's current round, sent together when the round ends (shard thread only). */
  private List<WatchFrame> round;

  CacheWatcher(
      WatchCache.WatchSpec spec,
      Consumer<List<WatchFrame>> sink,
      BooleanSupplier ready,
      int maxBacklog,
      FanOutShard shard) {
    this.kind = spec.kind();
    this.spec = spec;
    this.sink = sink;
    this.ready = ready;
    this.maxBacklog = maxBacklog;
    this.shard = shard;
  }

  /** Notes that the replay covered every change up to {@code revision}, under the index's lock. */
  void registeredAt(long revision) {
    lastSent = System.nanoTime();
    registeredAt = revision;
    offeredUpTo = revision;
  }

  /**
   * True when {@code o} (metadata {@code meta}) is in this watch's namespace and passes its filter.
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
   * index's lock while the watch starts, then only on the watcher's shard thread.
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

  /** On the shard thread: offers a change handed over after registration. */
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

  /**
   * Collects the event into the shard's round, sends it at once when nothing waits and the stream
   * is ready (on the shard thread), or queues it.
   */
  void enqueue(WatchFrame e) {
    if (done) {
      return;
    }
    boolean onShard = shard.onThread();
    if (onShard && shard.inRound) {
      // Collected and sent as one batch when the round ends (flushRound).
      if (round == null) {
        round = new ArrayList<>(4);
        shard.touched(this);
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
    if (size.incrementAndGet() > maxBacklog) {
      // It has to re-list anyway: drop what waits so a stalled client holds one event, not the
      // limit.
      backlog.clear();
      size.set(0);
      fail(WatchEvents.expired("the watcher fell more than " + maxBacklog + " events behind"));
      return false;
    }
    backlog.add(e);
    lastSent = System.nanoTime();
    return true;
  }

  /** On the shard thread, after a round: sends the round's events as one batch, or queues them. */
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

  /** Ends the watch with {@code error} as its last event. */
  void fail(WatchEvent error) {
    if (done) {
      return;
    }
    backlog.add(WatchFrame.of(error));
    done = true;
    shard.remove(this);
    drainLater();
  }

  /** The stream became ready again: sends what waits, if anything does. */
  void resume() {
    // Most streams have nothing waiting when they become ready again: no hop to the shard
    // then. Nothing is lost: the shard adds to the backlog before it checks readiness.
    if (!backlog.isEmpty()) {
      drainLater();
    }
  }

  /** Has the shard thread send what waits (after a resume, or from another thread). */
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
   * {@link #MAX_BATCH_BYTES} allows; an ERROR event ends its batch.
   */
  private void drain() {
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

  /** Stops the watch: nothing more is sent. */
  void close() {
    done = true;
    shard.remove(this);
  }

  private static long bytes(List<WatchFrame> frames) {
    long n = 0;
    for (WatchFrame f : frames) {
      n += f.size();
    }
    return n;
  }
}
