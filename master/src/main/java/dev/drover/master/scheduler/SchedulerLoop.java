package dev.drover.master.scheduler;

import dev.drover.api.v1.EventType;
import dev.drover.api.v1.Node;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodPhase;
import dev.drover.client.Backoff;
import dev.drover.master.events.EventRecorder;
import dev.drover.master.scheduler.framework.ClusterSnapshot;
import dev.drover.master.scheduler.framework.NodeInfo.PlacedPod;
import dev.drover.master.scheduler.framework.PodInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler as an active component: keeps its {@link ClusterSnapshot} current from node and pod
 * events, queues unbound pods, places them one at a time with {@link PlacementAlgorithm}, assumes
 * each placement at once and binds it asynchronously through the {@link Binder}. Runs on the active
 * master only: the master starts it when it becomes active and closes it when it stops being active
 * (every bind is a compare-and-swap, so a deposed scheduler cannot bind a pod twice).
 *
 * <p>Queues: the active queue (highest priority first, then oldest); the backoff queue (pods that
 * failed, retried after the configured backoff, by default 1 s doubling to 10 s); pods that failed
 * to fit are moved back to the active queue at once when a node is added or changes or a pod goes
 * away. A pod that fits nowhere gets PodScheduled=False/Unschedulable with the {@link FitError}
 * message and a FailedScheduling event; a pod that can preempt gets its victims evicted and is
 * nominated to their node, which then keeps room for it against pods of lower or equal priority
 * until it is placed (nominations are also read back from status.nominated_node_name, so a newly
 * active scheduler keeps its predecessor's).
 *
 * <p>Threads: one scheduling thread owns the snapshot and queues (events reach it through an inbox,
 * so there are no locks on the hot path); one writer thread performs bindings (batched), status
 * writes, events and evictions, and reports bind outcomes back through the inbox.
 */
public final class SchedulerLoop implements ClusterEventHandler, AutoCloseable {

  /** Name pods use in spec.scheduler_name to ask for this scheduler (empty works too). */
  public static final String DEFAULT_SCHEDULER_NAME = "default-scheduler";

  private static final int MAX_BIND_BATCH = 512;

  /** Conflicts retried at once before they go through the backoff queue. */
  private static final int IMMEDIATE_CONFLICT_RETRIES = 3;

  /** Longest the scheduling thread sleeps, so that a moved clock is noticed soon. */
  private static final long MAX_IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

  private static final Logger log = LoggerFactory.getLogger(SchedulerLoop.class);

  private final String schedulerName;
  private final ClusterEventSource source;
  private final Binder binder;
  private final StatusWriter statusWriter;
  private final EventRecorder events;
  private final Evictor evictor;
  private final LongSupplier nanoClock;
  private final Duration initialBackoff;
  private final Duration maxBackoff;

  private final ClusterSnapshot snapshot = new ClusterSnapshot();
  private final PlacementAlgorithm algorithm;
  private final LinkedBlockingQueue<Runnable> inbox = new LinkedBlockingQueue<>();
  private final LinkedBlockingQueue<Write> writes = new LinkedBlockingQueue<>();

  // State below is touched only by the scheduling thread.
  private final Map<String, Entry> pending = new HashMap<>();
  private final PriorityQueue<Entry> activeQ =
      new PriorityQueue<>(
          Comparator.comparingInt((Entry e) -> -e.info.priority)
              .thenComparingLong(e -> e.info.creationNanos)
              .thenComparingLong(e -> e.seq));
  private final PriorityQueue<Entry> backoffQ =
      new PriorityQueue<>(Comparator.comparingLong((Entry e) -> e.readyAtNanos));
  private long nextSeq;

  private final AtomicLong scheduled = new AtomicLong();
  private final AtomicLong attempts = new AtomicLong();
  private final AtomicLong bound = new AtomicLong();
  private final AtomicLong preemptions = new AtomicLong();

  private volatile boolean running;
  private Thread schedulingThread;
  private Thread writerThread;
  private AutoCloseable subscription;

  /**
   * Creates a stopped loop.
   *
   * @param schedulerName pods whose spec.scheduler_name is neither empty nor this are ignored
   * @param nanoClock monotonic clock for backoff (System::nanoTime outside tests)
   */
  public SchedulerLoop(
      SchedulerConfig config,
      String schedulerName,
      ClusterEventSource source,
      Binder binder,
      StatusWriter statusWriter,
      EventRecorder events,
      Evictor evictor,
      LongSupplier nanoClock) {
    this(
        config,
        SchedulingProfile.defaults(config),
        schedulerName,
        source,
        binder,
        statusWriter,
        events,
        evictor,
        nanoClock);
  }

  /** A loop running the plugins of {@code profile}. */
  public SchedulerLoop(
      SchedulerConfig config,
      SchedulingProfile profile,
      String schedulerName,
      ClusterEventSource source,
      Binder binder,
      StatusWriter statusWriter,
      EventRecorder events,
      Evictor evictor,
      LongSupplier nanoClock) {
    this.algorithm = new PlacementAlgorithm(config, profile);
    this.initialBackoff = Duration.ofMillis(config.initialBackoffMillis());
    this.maxBackoff = Duration.ofMillis(config.maxBackoffMillis());
    this.schedulerName = schedulerName;
    this.source = source;
    this.binder = binder;
    this.statusWriter = statusWriter;
    this.events = events;
    this.evictor = evictor;
    this.nanoClock = nanoClock;
  }

  /** Subscribes to the event source and starts the scheduling and writer threads. */
  public synchronized void start() {
    if (running) {
      throw new IllegalStateException("scheduler loop already started");
    }
    running = true;
    schedulingThread = new Thread(this::runScheduling, "scheduler");
    writerThread = new Thread(this::runWriter, "scheduler-writer");
    schedulingThread.setDaemon(true);
    writerThread.setDaemon(true);
    schedulingThread.start();
    writerThread.start();
    subscription = source.subscribe(this);
  }

  /** Stops delivery and both threads, waiting for them; queued writes not yet done are dropped. */
  @Override
  public synchronized void close() {
    if (!running) {
      return;
    }
    running = false;
    try {
      subscription.close();
    } catch (Exception e) {
      log.warn("closing the scheduler's event subscription failed", e);
    }
    schedulingThread.interrupt();
    writerThread.interrupt();
    try {
      schedulingThread.join();
      writerThread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Pods placed (assumed) so far. */
  public long scheduledCount() {
    return scheduled.get();
  }

  /** Bindings confirmed by the binder so far. */
  public long boundCount() {
    return bound.get();
  }

  /** Scheduling attempts so far (successful or not). */
  public long attemptCount() {
    return attempts.get();
  }

  /** Preemptions started so far. */
  public long preemptionCount() {
    return preemptions.get();
  }

  // ------------------------------------------------------------------------------------------
  // Events (any thread)
  // ------------------------------------------------------------------------------------------

  @Override
  public void nodeUpserted(Node node) {
    inbox.add(() -> onNodeUpserted(node));
  }

  @Override
  public void nodeDeleted(Node node) {
    inbox.add(() -> snapshot.removeNode(node.getMetadata().getName()));
  }

  @Override
  public void podUpserted(Pod pod) {
    inbox.add(() -> onPodUpserted(pod));
  }

  @Override
  public void podDeleted(Pod pod) {
    inbox.add(() -> onPodDeleted(pod));
  }

  // ------------------------------------------------------------------------------------------
  // Scheduling thread
  // ------------------------------------------------------------------------------------------

  private void runScheduling() {
    while (running) {
      try {
        Runnable r;
        while ((r = inbox.poll()) != null) {
          r.run();
        }
        long now = nanoClock.getAsLong();
        while (!backoffQ.isEmpty() && backoffQ.peek().readyAtNanos <= now) {
          activate(backoffQ.poll());
        }
        Entry e = activeQ.poll();
        if (e == null) {
          long wait = MAX_IDLE_NANOS;
          if (!backoffQ.isEmpty()) {
            wait = Math.max(1, Math.min(wait, backoffQ.peek().readyAtNanos - now));
          }
          r = inbox.poll(wait, TimeUnit.NANOSECONDS);
          if (r != null) {
            r.run();
          }
          continue;
        }
        scheduleOne(e);
      } catch (InterruptedException ie) {
        return;
      } catch (RuntimeException ex) {
        // One bad object must not stop scheduling for everyone.
        log.error("scheduler cycle failed", ex);
      }
    }
  }

  private void scheduleOne(Entry e) {
    e.state = State.SCHEDULING;
    // A failed attempt's backoff runs from its start, read before the attempt is counted: so
    // the clock has not moved between the backoff's origin and attemptCount() showing the
    // attempt, and the time spent placing the pod counts toward its backoff.
    long startNanos = nanoClock.getAsLong();
    attempts.incrementAndGet();
    ScheduleResult result;
    try {
      result = algorithm.schedule(e.info, snapshot);
    } catch (RuntimeException ex) {
      log.error("placing pod {} failed", e.info.key, ex);
      backOff(e, false, startNanos);
      return;
    }
    if (result.scheduled()) {
      String node = result.nodeName();
      snapshot.assume(e.info, node);
      scheduled.incrementAndGet();
      e.state = State.BINDING;
      Binder.Binding b = new Binder.Binding(e.info.namespace, e.info.name, e.info.uid, node);
      submitBind(e.info.pod, b);
      return;
    }
    String message = result.fitError().message();
    if (!waitingForVictims(e)) {
      Preemption plan = algorithm.preempt(e.info, snapshot);
      if (plan != null) {
        startPreemption(e, plan);
        message =
            message
                + " Preempting "
                + plan.victims().size()
                + " pod(s) on node "
                + plan.nodeName()
                + ".";
      }
    }
    if (!message.equals(e.lastMessage)) {
      e.lastMessage = message;
      Pod pod = e.info.pod;
      String m = message;
      writes.add(
          new Action(
              () -> {
                statusWriter.markUnschedulable(pod, m);
                events.record(pod, EventType.EVENT_TYPE_WARNING, "FailedScheduling", m);
              }));
    }
    backOff(e, true, startNanos);
  }

  private boolean waitingForVictims(Entry e) {
    if (e.victims.isEmpty()) {
      return false;
    }
    e.victims.removeIf(k -> snapshot.placement(k) == null);
    return !e.victims.isEmpty();
  }

  private void startPreemption(Entry e, Preemption plan) {
    preemptions.incrementAndGet();
    Pod preemptor = e.info.pod;
    String node = plan.nodeName();
    List<Pod> victims = new ArrayList<>();
    for (PodInfo v : plan.victims()) {
      e.victims.add(v.key);
      victims.add(v.pod);
    }
    snapshot.nominate(e.info, node);
    log.info("pod {} preempts {} pod(s) on node {}", e.info.key, victims.size(), node);
    writes.add(
        new Action(
            () -> {
              statusWriter.nominate(preemptor, node);
              for (Pod v : victims) {
                String why =
                    "Preempted by "
                        + preemptor.getMetadata().getNamespace()
                        + "/"
                        + preemptor.getMetadata().getName()
                        + " on node "
                        + node;
                evictor.evict(v, why);
                events.record(v, EventType.EVENT_TYPE_NORMAL, "Preempted", why);
              }
            }));
  }

  private void backOff(Entry e, boolean unschedulable, long fromNanos) {
    e.attempts++;
    e.unschedulable = unschedulable;
    e.readyAtNanos =
        fromNanos + Backoff.exponential(initialBackoff, maxBackoff, e.attempts - 1).toNanos();
    e.state = State.BACKOFF;
    backoffQ.add(e);
  }

  private void activate(Entry e) {
    e.state = State.ACTIVE;
    activeQ.add(e);
  }

  /** A change that may let failed pods fit: retry every one of them now. */
  private void moveUnschedulableToActive() {
    if (backoffQ.isEmpty()) {
      return;
    }
    List<Entry> moved = new ArrayList<>();
    for (Entry e : backoffQ) {
      if (e.unschedulable) {
        moved.add(e);
      }
    }
    for (Entry e : moved) {
      backoffQ.remove(e);
      activate(e);
    }
  }

  private void dequeue(Entry e) {
    if (e.state == State.ACTIVE) {
      activeQ.remove(e);
    } else if (e.state == State.BACKOFF) {
      backoffQ.remove(e);
    }
  }

  private void onNodeUpserted(Node node) {
    boolean changed;
    try {
      changed = snapshot.upsertNode(node);
    } catch (IllegalArgumentException ex) {
      log.warn("ignoring update of node {}: {}", node.getMetadata().getName(), ex.getMessage());
      return;
    }
    if (changed) {
      moveUnschedulableToActive();
    }
  }

  private void onPodUpserted(Pod pod) {
    String key = PodInfo.key(pod.getMetadata().getNamespace(), pod.getMetadata().getName());
    boolean isBound = !pod.getSpec().getNodeName().isEmpty();
    Entry e = pending.get(key);
    if (isBound) {
      if (e != null) {
        pending.remove(key);
        dequeue(e);
      }
      PodPhase phase = pod.getStatus().getPhase();
      if (phase == PodPhase.POD_PHASE_SUCCEEDED || phase == PodPhase.POD_PHASE_FAILED) {
        // A finished pod holds no resources any more.
        if (snapshot.removePod(key) != null) {
          moveUnschedulableToActive();
        }
        return;
      }
      PodInfo info;
      try {
        info = PodInfo.of(pod);
      } catch (IllegalArgumentException ex) {
        log.warn("cannot account bound pod {}: {}", key, ex.getMessage());
        return;
      }
      PlacedPod before = snapshot.placement(key);
      snapshot.addBoundPod(info);
      if (before != null && before.info.terminating != info.terminating) {
        moveUnschedulableToActive();
      }
      return;
    }
    if (!isOurs(pod) || pod.getMetadata().hasDeletionTime()) {
      if (e != null) {
        pending.remove(key);
        dequeue(e);
      }
      snapshot.clearNomination(key);
      return;
    }
    if (e != null && e.state == State.BINDING) {
      return;
    }
    if (e != null
        && e.info.pod.getMetadata().getResourceVersion() == pod.getMetadata().getResourceVersion()
        && e.info.uid.equals(pod.getMetadata().getUid())) {
      return;
    }
    PodInfo info;
    try {
      info = PodInfo.of(pod);
    } catch (IllegalArgumentException ex) {
      // Nothing fits such a pod until its spec changes; say so once.
      String message = "Pod cannot be scheduled: " + ex.getMessage();
      if (e != null) {
        pending.remove(key);
        dequeue(e);
      }
      writes.add(
          new Action(
              () -> {
                statusWriter.markUnschedulable(pod, message);
                events.record(pod, EventType.EVENT_TYPE_WARNING, "FailedScheduling", message);
              }));
      return;
    }
    if (e == null) {
      e = new Entry(info, nextSeq++);
      pending.put(key, e);
    } else {
      dequeue(e);
      e.info = info;
    }
    String nominated = pod.getStatus().getNominatedNodeName();
    if (!nominated.isEmpty()) {
      // Also how a newly active scheduler learns its predecessor's nominations.
      snapshot.nominate(info, nominated);
    }
    activate(e);
  }

  private void onPodDeleted(Pod pod) {
    String key = PodInfo.key(pod.getMetadata().getNamespace(), pod.getMetadata().getName());
    Entry e = pending.remove(key);
    if (e != null) {
      dequeue(e);
    }
    snapshot.clearNomination(key);
    if (snapshot.removePod(key) != null) {
      moveUnschedulableToActive();
    }
  }

  private boolean isOurs(Pod pod) {
    String name = pod.getSpec().getSchedulerName();
    return name.isEmpty() || name.equals(schedulerName);
  }

  private void onBindOutcome(String key, String uid, Binder.Outcome outcome) {
    Entry e = pending.get(key);
    if (e != null && !e.info.uid.equals(uid)) {
      e = null;
    }
    if (outcome == Binder.Outcome.BOUND) {
      bound.incrementAndGet();
      if (e != null) {
        pending.remove(key);
      }
      return;
    }
    // Forget the assumption (unless the watch already showed the pod bound).
    if (snapshot.isAssumed(key)) {
      snapshot.removePod(key);
    }
    if (e == null || e.state != State.BINDING) {
      return;
    }
    switch (outcome) {
      case POD_GONE:
        pending.remove(key);
        break;
      case CONFLICT:
      case NODE_GONE:
        e.conflicts++;
        if (e.conflicts <= IMMEDIATE_CONFLICT_RETRIES) {
          // The events behind the conflict are in the inbox before the pod's next turn.
          activate(e);
        } else {
          backOff(e, false, nanoClock.getAsLong());
        }
        break;
      default:
        backOff(e, false, nanoClock.getAsLong());
    }
  }

  // ------------------------------------------------------------------------------------------
  // Writer thread
  // ------------------------------------------------------------------------------------------

  private void submitBind(Pod pod, Binder.Binding b) {
    writes.add(new BindWrite(pod, b));
  }

  private void runWriter() {
    List<Write> batch = new ArrayList<>();
    List<BindWrite> binds = new ArrayList<>();
    while (running) {
      try {
        batch.add(writes.take());
        writes.drainTo(batch, MAX_BIND_BATCH - 1);
        for (Write w : batch) {
          if (w instanceof BindWrite bw) {
            binds.add(bw);
          } else {
            // Keep the order of writes: bindings queued before this action go first.
            flushBinds(binds);
            runSafely(((Action) w).action());
          }
        }
        flushBinds(binds);
        batch.clear();
      } catch (InterruptedException ie) {
        return;
      }
    }
  }

  private void flushBinds(List<BindWrite> binds) {
    if (binds.isEmpty()) {
      return;
    }
    List<Binder.Binding> list = new ArrayList<>(binds.size());
    for (BindWrite bw : binds) {
      list.add(bw.binding);
    }
    List<Binder.Outcome> outcomes;
    try {
      outcomes = binder.bind(list);
      if (outcomes.size() != list.size()) {
        throw new IllegalStateException(
            "binder returned " + outcomes.size() + " outcomes for " + list.size() + " bindings");
      }
    } catch (RuntimeException ex) {
      log.warn("binding {} pod(s) failed", list.size(), ex);
      outcomes = new ArrayList<>();
      for (int i = 0; i < list.size(); i++) {
        outcomes.add(Binder.Outcome.FAILED);
      }
    }
    for (int i = 0; i < binds.size(); i++) {
      BindWrite bw = binds.get(i);
      Binder.Outcome o = outcomes.get(i);
      String key = PodInfo.key(bw.binding.namespace(), bw.binding.name());
      inbox.add(() -> onBindOutcome(key, bw.binding.uid(), o));
      if (o == Binder.Outcome.BOUND) {
        runSafely(
            () ->
                events.record(
                    bw.pod,
                    EventType.EVENT_TYPE_NORMAL,
                    "Scheduled",
                    "Successfully assigned " + key + " to " + bw.binding.nodeName()));
      }
    }
    binds.clear();
  }

  private static void runSafely(Runnable r) {
    try {
      r.run();
    } catch (RuntimeException ex) {
      log.warn("scheduler write failed", ex);
    }
  }

  /** Work for the writer thread. */
  private sealed interface Write permits BindWrite, Action {}

  /** A binding; consecutive ones go to the binder as one batch. */
  private record BindWrite(Pod pod, Binder.Binding binding) implements Write {}

  /** Any other write (status, event, eviction). */
  private record Action(Runnable action) implements Write {}

  private enum State {
    ACTIVE,
    BACKOFF,
    SCHEDULING,
    BINDING
  }

  /** A pending pod known to the loop. */
  private static final class Entry {
    PodInfo info;
    final long seq;
    State state = State.ACTIVE;
    int attempts;
    int conflicts;
    boolean unschedulable;
    long readyAtNanos;
    String lastMessage;

    /** Victims of this pod's preemption that are still on their node. */
    final Set<String> victims = new HashSet<>();

    Entry(PodInfo info, long seq) {
      this.info = info;
      this.seq = seq;
    }
  }
}
