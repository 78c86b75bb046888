package dev.drover.agent.sync;

import com.google.protobuf.Timestamp;
import dev.drover.api.v1.Event;
import dev.drover.api.v1.EventSource;
import dev.drover.api.v1.EventType;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.ObjectReference;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodStatusUpdate;
import dev.drover.api.v1.PodStatusUpdateOutcome;
import dev.drover.api.v1.PodStatusUpdateResult;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Coalesces pod status updates (only the latest per pod is kept) and buffers events, and sends both
 * to the masters in batches, statuses and events each in a lane of its own: a status never waits
 * for an events call (the master writes each event on its own, so a burst of pod starts makes long
 * events calls, and the statuses are what tell a user the pods run). Each lane's sends are paced by
 * a token bucket of {@link #BURST} sends refilled at one per interval: a node that was quiet sends
 * its next {@value #BURST} changes at once (a pod that starts goes Pending, then Running, and
 * neither waits), and a busy node makes on average at most one status call and one event call per
 * interval, each carrying the latest status of every pod that changed (or every event since the
 * last call). A lane's send starts only after its previous one returned. What fails to send is kept
 * for the next round (events up to a bound), retried after at least {@link #RETRY_AFTER_FAILURE}.
 */
final class StatusReporter {

  private static final Logger log = LoggerFactory.getLogger(StatusReporter.class);
  private static final int MAX_BUFFERED_EVENTS = 1000;
  static final Duration RETRY_AFTER_FAILURE = Duration.ofSeconds(1);

  /** Sends a quiet node may make back to back before the interval paces it, per lane. */
  static final int BURST = 2;

  private final MasterClient master;
  private final String nodeName;
  private final Map<String, PodStatusUpdate> pending = new LinkedHashMap<>();
  private final List<Event> events = new ArrayList<>();
  private final Lane statusLane = new Lane(pending::isEmpty, this::flushStatuses);
  private final Lane eventLane = new Lane(events::isEmpty, this::flushEvents);
  // Guarded by "this": the timer and the sender; null until started and after stop.
  private ScheduledExecutorService timer;
  private Executor sender;
  private long intervalNanos;

  StatusReporter(MasterClient master, String nodeName) {
    this.master = master;
    this.nodeName = nodeName;
  }

  /**
   * Starts sending: {@code timer} only counts down the interval, the sends (blocking calls to a
   * master) run on {@code sender}, so a slow master never holds up the pod workers' timers.
   */
  synchronized void start(ScheduledExecutorService timer, Executor sender, Duration interval) {
    this.timer = timer;
    this.sender = sender;
    this.intervalNanos = interval.toNanos();
    statusLane.sendSoon();
    eventLane.sendSoon();
  }

  synchronized void stop() {
    timer = null;
    sender = null;
  }

  synchronized void offer(PodStatusUpdate update) {
    pending.put(update.getUid(), update);
    statusLane.sendSoon();
  }

  /**
   * One kind of call to the masters (statuses, or events) and its pacing; its fields are guarded by
   * the reporter's lock.
   */
  private final class Lane {
    private final BooleanSupplier idle;
    private final Runnable flush;
    // A send is scheduled or running; offers meanwhile only add to what it (or the next) carries.
    private boolean sendQueued;
    private long lastSendStart = Long.MIN_VALUE;
    private boolean lastSendFailed;
    // The token bucket: sends available now (up to BURST), as of refilledAt.
    private double tokens = BURST;
    private long refilledAt = System.nanoTime();

    Lane(BooleanSupplier idle, Runnable flush) {
      this.idle = idle;
      this.flush = flush;
    }

    /** Queues a send unless one is queued or running (call holding the reporter's lock). */
    void sendSoon() {
      if (sendQueued || timer == null || idle.getAsBoolean()) {
        return;
      }
      long now = System.nanoTime();
      long wait;
      if (lastSendFailed) {
        long gap = Math.max(intervalNanos, RETRY_AFTER_FAILURE.toNanos());
        wait = lastSendStart + gap - now;
      } else {
        refill(now);
        wait = tokens >= 1 ? 0 : (long) Math.ceil((1 - tokens) * intervalNanos);
      }
      sendQueued = true;
      try {
        if (wait <= 0) {
          sender.execute(this::send);
        } else {
          Executor to = sender;
          timer.schedule(() -> to.execute(this::send), wait, TimeUnit.NANOSECONDS);
        }
      } catch (RejectedExecutionException e) {
        // Shutting down: close() makes the last attempt.
        sendQueued = false;
      }
    }

    /** Adds the tokens earned since the last refill (call holding the reporter's lock). */
    private void refill(long now) {
      if (intervalNanos > 0) {
        tokens = Math.min(BURST, tokens + (double) (now - refilledAt) / intervalNanos);
      } else {
        tokens = BURST;
      }
      refilledAt = now;
    }

    private void send() {
      synchronized (StatusReporter.this) {
        lastSendStart = System.nanoTime();
        refill(lastSendStart);
        tokens = Math.max(0, tokens - 1);
      }
      boolean failed = false;
      try {
        flush.run();
      } catch (RuntimeException e) {
        failed = true;
        log.debug("status flush failed, will retry: {}", e.toString());
      }
      synchronized (StatusReporter.this) {
        lastSendFailed = failed;
        sendQueued = false;
        sendSoon();
      }
    }
  }

  void event(Pod pod, String container, EventType type, String reason, String message) {
    Instant now = Instant.now();
    Timestamp ts =
        Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()).build();
    ObjectReference.Builder ref =
        ObjectReference.newBuilder()
            .setKind(Kind.KIND_POD)
            .setNamespace(pod.getMetadata().getNamespace())
            .setName(pod.getMetadata().getName())
            .setUid(pod.getMetadata().getUid());
    if (container != null) {
      ref.setFieldPath("spec.containers{" + container + "}");
    }
    Event e =
        Event.newBuilder()
            .setMetadata(
                ObjectMeta.newBuilder()
                    .setNamespace(pod.getMetadata().getNamespace())
                    .setName(
                        pod.getMetadata().getName()
                            + "."
                            + Long.toHexString(System.currentTimeMillis())
                            + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000))))
            .setInvolvedObject(ref)
            .setReason(reason)
            .setMessage(message)
            .setType(type)
            .setSource(EventSource.newBuilder().setComponent("node-agent").setHost(nodeName))
            .setCount(1)
            .setFirstTimestamp(ts)
            .setLastTimestamp(ts)
            .setEventTime(ts)
            .setReportingComponent("drover.dev/node-agent")
            .setReportingInstance(nodeName)
            .build();
    log.debug("event {}/{} {}: {}", pod.getMetadata().getName(), container, reason, message);
    synchronized (this) {
      if (events.size() < MAX_BUFFERED_EVENTS) {
        events.add(e);
      }
      eventLane.sendSoon();
    }
  }

  /** Sends what is pending now, on the caller's thread; used on close (and by tests). */
  void flushSafely() {
    try {
      flush();
    } catch (RuntimeException e) {
      log.debug("status flush failed, will retry: {}", e.toString());
    }
  }

  /** Statuses first, then events, as the lanes would send them. */
  private void flush() {
    flushStatuses();
    flushEvents();
  }

  private void flushStatuses() {
    List<PodStatusUpdate> updates;
    synchronized (this) {
      updates = new ArrayList<>(pending.values());
      pending.clear();
    }
    if (updates.isEmpty()) {
      return;
    }
    try {
      List<PodStatusUpdateResult> results = master.updatePodStatuses(updates);
      for (int i = 0; i < results.size() && i < updates.size(); i++) {
        PodStatusUpdateResult r = results.get(i);
        if (r.getOutcome() == PodStatusUpdateOutcome.POD_STATUS_UPDATE_OUTCOME_REJECTED) {
          log.warn("status of {}/{} rejected: {}", r.getNamespace(), r.getName(), r.getMessage());
        }
      }
    } catch (RuntimeException e) {
      synchronized (this) {
        // Keep newer updates that arrived meanwhile; re-queue the rest.
        for (PodStatusUpdate u : updates) {
          pending.putIfAbsent(u.getUid(), u);
        }
      }
      throw e;
    }
  }

  private void flushEvents() {
    List<Event> batch;
    synchronized (this) {
      batch = new ArrayList<>(events);
      events.clear();
    }
    if (batch.isEmpty()) {
      return;
    }
    try {
      master.recordEvents(batch);
    } catch (RuntimeException e) {
      requeue(batch);
      throw e;
    }
  }

  private synchronized void requeue(List<Event> batch) {
    for (Event e : batch) {
      if (events.size() < MAX_BUFFERED_EVENTS) {
        events.add(e);
      }
    }
  }
}
