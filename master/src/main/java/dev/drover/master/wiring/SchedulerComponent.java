package dev.drover.master.wiring;

import com.google.protobuf.util.Timestamps;
import dev.drover.api.v1.Condition;
import dev.drover.api.v1.ConditionStatus;
import dev.drover.api.v1.Event;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.PersistentVolume;
import dev.drover.api.v1.PersistentVolumeClaim;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodStatus;
import dev.drover.api.v1.PropagationPolicy;
import dev.drover.master.cache.CacheListener;
import dev.drover.master.cache.WatchCache;
import dev.drover.master.election.ActiveComponent;
import dev.drover.master.events.EventRecorder;
import dev.drover.master.events.EventSeries;
import dev.drover.master.registry.ConflictException;
import dev.drover.master.registry.NotFoundException;
import dev.drover.master.registry.PodStrategy;
import dev.drover.master.registry.PreconditionFailedException;
import dev.drover.master.registry.Registry;
import dev.drover.master.registry.RegistryException;
import dev.drover.master.scheduler.Binder;
import dev.drover.master.scheduler.ClusterEventHandler;
import dev.drover.master.scheduler.ClusterEventSource;
import dev.drover.master.scheduler.SchedulerConfig;
import dev.drover.master.scheduler.SchedulerLoop;
import dev.drover.master.scheduler.SchedulingProfile;
import dev.drover.master.scheduler.StatusWriter;
import dev.drover.master.scheduler.plugins.VolumeBindingFilter;
import dev.drover.store.v1.RangeRequest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the {@link SchedulerLoop} on the active master: node and pod changes come from the watch
 * cache's listeners, bindings are compare-and-swap binds on the object store (unbound pods only),
 * the PodScheduled condition and nominations are status writes, events go through the master's
 * event recorder and preemption victims are deleted gracefully.
 */
public final class SchedulerComponent implements ActiveComponent {
  private static final Logger LOG = LoggerFactory.getLogger(SchedulerComponent.class);
  static final String COMPONENT = "default-scheduler";
  private static final Duration FRESHNESS_WAIT = Duration.ofSeconds(5);
  private static final int MAX_QUEUED_EVENTS = 20_000;
  private static final int MAX_EVENTS_PER_ROUND = 512;

  private final WatchCache cache;
  private final Registry store;
  private final EventSeries events;
  private final Clock clock;
  private final SchedulerConfig config;
  private final LongSupplier activationRevision;
  private SchedulerLoop loop;
  private Thread starter;
  private volatile EventQueue eventQueue;

  /** A stopped component over the master's cache, store and event recorder. */
  public SchedulerComponent(
      WatchCache cache, Registry store, EventSeries events, Clock clock, SchedulerConfig config) {
    this(cache, store, events, clock, config, () -> -1);
  }

  /**
   * As above, with the store revision at which this master became active (-1 when unknown): the
   * loop starts once the cache has reached it, without first reading the store's revision.
   */
  public SchedulerComponent(
      WatchCache cache,
      Registry store,
      EventSeries events,
      Clock clock,
      SchedulerConfig config,
      LongSupplier activationRevision) {
    this.cache = cache;
    this.store = store;
    this.events = events;
    this.clock = clock;
    this.config = config;
    this.activationRevision = activationRevision;
  }

  @Override
  public String name() {
    return "scheduler";
  }

  /**
   * Starts the loop once the watch cache has caught up with the store as of now, on a thread of its
   * own so that the election is not held up. A master that just became active must see every
   * binding its predecessor made before it places anything: otherwise it would count room as free
   * that those bindings already took.
   */
  @Override
  public synchronized void start() {
    if (loop != null || starter != null) {
      return;
    }
    starter = new Thread(this::startWhenFresh, "scheduler-start");
    starter.setDaemon(true);
    starter.start();
  }

  private void startWhenFresh() {
    // The revision of the lease write that made this master active is at or above everything
    // its predecessor wrote; only without it is the store asked (a linearizable read, which a
    // store electing a new leader can hold up for seconds).
    long revision = activationRevision.getAsLong();
    while (revision < 0) {
      try {
        revision =
            store
                .await(
                    store
                        .kv()
                        .range(
                            RangeRequest.newBuilder()
                                .setKey(
                                    Registry.key(
                                        Kind.KIND_NAMESPACE, "", Registry.DEFAULT_NAMESPACE))
                                .setKeysOnly(true)
                                .build()))
                .getHeader()
                .getRevision();
      } catch (RuntimeException e) {
        LOG.warn(
            "scheduler: could not read the store's revision ({}); retrying in 1 s", e.toString());
        if (!pauseWhileStarter(1000)) {
          return;
        }
      }
    }
    while (!cache.waitForRevision(revision, FRESHNESS_WAIT)) {
      if (!isStarter()) {
        return;
      }
      LOG.warn(
          "scheduler: the watch cache is still behind revision {} (at {})",
          revision,
          cache.revision());
    }
    synchronized (this) {
      if (starter != Thread.currentThread()) {
        return;
      }
      starter = null;
      eventQueue = new EventQueue();
      loop =
          new SchedulerLoop(
              config,
              SchedulingProfile.defaults(config, new CacheVolumes()),
              SchedulerLoop.DEFAULT_SCHEDULER_NAME,
              new CacheSource(),
              this::bindAll,
              new PodStatusWriter(),
              new EventRecorder(this::queueEvent, clock, COMPONENT),
              this::evict,
              System::nanoTime);
      loop.start();
      LOG.info("scheduler started (watch cache at revision {})", cache.revision());
    }
  }

  private synchronized boolean isStarter() {
    return starter == Thread.currentThread();
  }

  /** Waits up to {@code millis} unless stopped meanwhile; true if this thread should go on. */
  private synchronized boolean pauseWhileStarter(long millis) {
    if (starter != Thread.currentThread()) {
      return false;
    }
    try {
      wait(millis);
    } catch (InterruptedException e) {
      return false;
    }
    return starter == Thread.currentThread();
  }

  /** True while the scheduling loop runs (after start, once the cache was fresh). */
  public synchronized boolean running() {
    return loop != null;
  }

  @Override
  public void stop() {
    Thread pending;
    synchronized (this) {
      pending = starter;
      starter = null;
      notifyAll();
      if (loop != null) {
        loop.close();
        loop = null;
      }
      if (eventQueue != null) {
        eventQueue.close();
        eventQueue = null;
      }
    }
    if (pending != null) {
      pending.interrupt();
      try {
        pending.join(TimeUnit.SECONDS.toMillis(30));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Feeds the scheduler from the watch cache: replay of existing objects, then every change. */
  /** Claims and volumes as the scheduler's volume filter reads them: from the watch cache. */
  private final class CacheVolumes implements VolumeBindingFilter.Volumes {
    @Override
    public Optional<PersistentVolumeClaim> claim(String namespace, String name) {
      return cache
          .get(Kind.KIND_PERSISTENT_VOLUME_CLAIM, namespace, name)
          .map(Object::getPersistentVolumeClaim);
    }

    @Override
    public Optional<PersistentVolume> volume(String name) {
      return cache.get(Kind.KIND_PERSISTENT_VOLUME, "", name).map(Object::getPersistentVolume);
    }

    @Override
    public List<PersistentVolume> volumes() {
      return cache.list(Kind.KIND_PERSISTENT_VOLUME, o -> true).stream()
          .map(Object::getPersistentVolume)
          .toList();
    }
  }

  private final class CacheSource implements ClusterEventSource {
    @Override
    public AutoCloseable subscribe(ClusterEventHandler h) {
      WatchCache.Registration nodes =
          cache.addListener(
              Kind.KIND_NODE,
              upsertOrDelete(o -> h.nodeUpserted(o.getNode()), o -> h.nodeDeleted(o.getNode())));
      WatchCache.Registration pods =
          cache.addListener(
              Kind.KIND_POD,
              upsertOrDelete(o -> h.podUpserted(o.getPod()), o -> h.podDeleted(o.getPod())));
      return () -> {
        nodes.close();
        pods.close();
      };
    }
  }

  /** A listener that treats an add like a change: the scheduler only needs the latest state. */
  private static CacheListener upsertOrDelete(Consumer<Object> upsert, Consumer<Object> delete) {
    return new CacheListener() {
      @Override
      public void onAdd(Object o) {
        upsert.accept(o);
      }

      @Override
      public void onUpdate(Object oldObject, Object newObject) {
        upsert.accept(newObject);
      }

      @Override
      public void onDelete(Object lastState) {
        delete.accept(lastState);
      }
    };
  }

  /**
   * Binds a batch: pods as the watch cache holds them go to the store in as few transactions as
   * possible, each binding its own compare-and-swap on the pod's version. A pod whose cached
   * version turned out stale (the cache trails the store a little) gets one read-modify-write bind
   * on the store's current version before it counts as a conflict.
   */
  private List<Binder.Outcome> bindAll(List<Binder.Binding> bindings) {
    Binder.Outcome[] out = new Binder.Outcome[bindings.size()];
    List<PodStrategy.PodBinding> batch = new ArrayList<>();
    List<Integer> batchIndex = new ArrayList<>();
    for (int i = 0; i < bindings.size(); i++) {
      Binder.Binding b = bindings.get(i);
      Optional<Object> cached = cache.get(Kind.KIND_POD, b.namespace(), b.name());
      if (cached.isEmpty() || !cached.get().getPod().getMetadata().getUid().equals(b.uid())) {
        out[i] = Binder.Outcome.POD_GONE;
      } else if (!cached.get().getPod().getSpec().getNodeName().isEmpty()) {
        out[i] = Binder.Outcome.CONFLICT;
      } else {
        batch.add(new PodStrategy.PodBinding(cached.get(), b.nodeName()));
        batchIndex.add(i);
      }
    }
    if (!batch.isEmpty()) {
      List<PodStrategy.BindResult> results;
      try {
        results = store.pods().bindAll(batch);
      } catch (RegistryException e) {
        LOG.debug("binding {} pod(s) failed: {}", batch.size(), e.toString());
        results = null;
      }
      for (int k = 0; k < batch.size(); k++) {
        int i = batchIndex.get(k);
        if (results == null) {
          out[i] = Binder.Outcome.FAILED;
          continue;
        }
        switch (results.get(k)) {
          case BOUND -> out[i] = Binder.Outcome.BOUND;
          case POD_GONE -> out[i] = Binder.Outcome.POD_GONE;
          case NODE_GONE -> out[i] = Binder.Outcome.NODE_GONE;
          default -> out[i] = bindFresh(bindings.get(i));
        }
      }
    }
    return List.of(out);
  }

  /** One bind on the store's current version of the pod (unbound, same uid). */
  private Binder.Outcome bindFresh(Binder.Binding b) {
    if (cache.get(Kind.KIND_NODE, "", b.nodeName()).isEmpty()) {
      return Binder.Outcome.NODE_GONE;
    }
    try {
      store.pods().bind(b.namespace(), b.name(), b.uid(), b.nodeName(), 0);
      return Binder.Outcome.BOUND;
    } catch (NotFoundException e) {
      return Binder.Outcome.POD_GONE;
    } catch (ConflictException | PreconditionFailedException e) {
      // Bound meanwhile or replaced by a pod of another uid: a fresh view sorts it out.
      return Binder.Outcome.CONFLICT;
    } catch (RegistryException e) {
      LOG.debug(
          "binding {}/{} to {} failed: {}", b.namespace(), b.name(), b.nodeName(), e.toString());
      return Binder.Outcome.FAILED;
    }
  }

  /** Writes the scheduler's part of a pod's status as a read-modify-write on the store. */
  private final class PodStatusWriter implements StatusWriter {
    @Override
    public void markUnschedulable(Pod pod, String message) {
      changeStatus(
          pod,
          status -> {
            Condition.Builder c =
                Condition.newBuilder()
                    .setType("PodScheduled")
                    .setStatus(ConditionStatus.CONDITION_STATUS_FALSE)
                    .setReason("Unschedulable")
                    .setMessage(message);
            int at = -1;
            for (int i = 0; i < status.getConditionsCount(); i++) {
              if (status.getConditions(i).getType().equals("PodScheduled")) {
                at = i;
              }
            }
            if (at >= 0) {
              Condition old = status.getConditions(at);
              boolean transition = old.getStatus() != ConditionStatus.CONDITION_STATUS_FALSE;
              c.setLastTransitionTime(
                  transition || !old.hasLastTransitionTime() ? now() : old.getLastTransitionTime());
              if (old.equals(c.build())) {
                return status;
              }
              return status.toBuilder().setConditions(at, c).build();
            }
            return status.toBuilder().addConditions(c.setLastTransitionTime(now())).build();
          });
    }

    @Override
    public void nominate(Pod pod, String nodeName) {
      changeStatus(pod, status -> status.toBuilder().setNominatedNodeName(nodeName).build());
    }

    private void changeStatus(Pod pod, UnaryOperator<PodStatus> change) {
      ObjectMeta m = pod.getMetadata();
      try {
        store.mutate(
            Kind.KIND_POD,
            m.getNamespace(),
            m.getName(),
            0,
            cur -> {
              if (!cur.getPod().getMetadata().getUid().equals(m.getUid())) {
                return cur;
              }
              PodStatus next = change.apply(cur.getPod().getStatus());
              return cur.toBuilder().setPod(cur.getPod().toBuilder().setStatus(next)).build();
            });
      } catch (RegistryException e) {
        LOG.debug(
            "status write of pod {}/{} failed: {}", m.getNamespace(), m.getName(), e.toString());
      }
    }
  }

  private com.google.protobuf.Timestamp now() {
    return Timestamps.fromMillis(clock.millis());
  }

  private void queueEvent(Event event) {
    EventQueue queue = eventQueue;
    if (queue != null) {
      queue.offer(event);
    }
  }

  /**
   * Writes the scheduler's events on a thread of their own, so that a store write per event (a
   * "Scheduled" event for every pod) never holds bindings up. Events are best effort, as in
   * Kubernetes' event broadcaster: when more than {@link #MAX_QUEUED_EVENTS} wait, new ones are
   * dropped and counted (the pod's PodScheduled condition still says why it is pending).
   */
  private final class EventQueue implements AutoCloseable {
    private final LinkedBlockingQueue<Event> queue = new LinkedBlockingQueue<>(MAX_QUEUED_EVENTS);
    private final Thread thread = new Thread(this::run, "scheduler-events");
    private volatile boolean closed;
    private long dropped;

    EventQueue() {
      thread.setDaemon(true);
      thread.start();
    }

    void offer(Event e) {
      if (!queue.offer(e)) {
        synchronized (this) {
          dropped++;
          if (Long.bitCount(dropped) == 1) {
            LOG.warn("scheduler: {} event(s) dropped so far: the store is not keeping up", dropped);
          }
        }
      }
    }

    /**
     * Writes what has queued up since the last round together: identical events merged, new ones
     * created many to a Txn (see {@link EventSeries#recordAll}), so that a burst of bindings costs
     * a few event writes rather than one each.
     */
    private void run() {
      List<Event> batch = new ArrayList<>();
      while (!closed) {
        try {
          batch.add(queue.take());
        } catch (InterruptedException ie) {
          return;
        }
        queue.drainTo(batch, MAX_EVENTS_PER_ROUND - 1);
        try {
          int written = events.recordAll(batch);
          if (written < batch.size()) {
            LOG.debug("recorded {} of {} scheduler event(s)", written, batch.size());
          }
        } catch (RuntimeException ex) {
          LOG.debug("could not record {} scheduler event(s): {}", batch.size(), ex.toString());
        }
        batch.clear();
      }
    }

    @Override
    public void close() {
      closed = true;
      thread.interrupt();
    }
  }

  private void evict(Pod victim, String reason) {
    ObjectMeta m = victim.getMetadata();
    try {
      store.delete(
          Kind.KIND_POD,
          m.getNamespace(),
          m.getName(),
          new Registry.DeleteOptions(
              null, m.getUid(), null, PropagationPolicy.PROPAGATION_POLICY_BACKGROUND, false),
          o -> {
            Pod p = o.getPod();
            return o.toBuilder()
                .setPod(
                    p.toBuilder()
                        .setStatus(
                            p.getStatus().toBuilder().setReason("Preempted").setMessage(reason)))
                .build();
          });
    } catch (RegistryException e) {
      LOG.debug("evicting pod {}/{} failed: {}", m.getNamespace(), m.getName(), e.toString());
    }
  }
}
