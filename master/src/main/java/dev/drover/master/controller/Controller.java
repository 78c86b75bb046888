package dev.drover.master.controller;

import com.google.protobuf.Message;
import dev.drover.api.ApiObjects;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.OwnerReference;
import dev.drover.api.v1.Pod;
import dev.drover.master.events.EventRecorder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Base of every controller: a work queue of keys drained by worker threads calling the
 * level-triggered {@link #sync(String)}, which re-reads the object from the cache, compares the
 * desired with the actual state and acts idempotently. Event handlers only enqueue keys. A failed
 * sync is retried with the queue's backoff; a periodic resync enqueues every key so that drift is
 * corrected even without events. The resync is timed with the controller's {@link Clock}, like
 * every other delay, so a test's fake clock drives it too.
 */
public abstract class Controller implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Controller.class);

  private final String name;
  protected final ControllerContext context;
  protected final ObjectCache cache;
  protected final ObjectWriter writer;
  protected final Clock clock;
  protected final WorkQueue queue;
  protected final EventRecorder events;
  private final int workers;
  private final Duration resyncPeriod;
  private final List<Thread> threads = new ArrayList<>();
  private final Object resyncLock = new Object();
  private Instant nextResync;

  /**
   * Creates a controller.
   *
   * @param name used for threads, logs and as the events' component
   * @param workers worker threads started by {@link #start()}
   * @param resyncPeriod how often every key is enqueued again; zero disables resync
   */
  protected Controller(String name, ControllerContext context, int workers, Duration resyncPeriod) {
    this.name = name;
    this.context = context;
    this.cache = context.cache();
    this.writer = context.writer();
    this.clock = context.clock();
    this.queue = new WorkQueue(clock, RateLimiter.defaults(clock));
    this.events = context.events(name);
    this.workers = workers;
    this.resyncPeriod = resyncPeriod;
    this.nextResync = clock.instant().plus(resyncPeriod);
  }

  /** Name of the controller. */
  public String name() {
    return name;
  }

  /** Brings the object behind the key to its desired state; throws to be retried. */
  protected abstract void sync(String key) throws Exception;

  /** Every key this controller is responsible for, for the periodic resync. */
  protected abstract List<String> allKeys();

  /** The controller's queue (tests drive it directly). */
  public WorkQueue queue() {
    return queue;
  }

  /** Enqueues every key, as the periodic resync does. */
  public void resyncAll() {
    for (String key : allKeys()) {
      queue.add(key);
    }
  }

  /** Enqueues the key of an object. */
  protected void enqueue(Message object) {
    queue.add(ApiObjects.key(object));
  }

  /** Enqueues the object's controller if it is of the given kind. */
  protected void enqueueController(Message object, Kind ownerKind) {
    controllerKey(object, ownerKind).ifPresent(queue::add);
  }

  /**
   * A pod handler for controllers that create pods: it tells the expectations of the owning
   * controller key about created and deleted (or terminating) pods and enqueues that key. Pods
   * without such an owner go to {@code orphan}.
   */
  protected ResourceHandler ownedPodHandler(
      Kind ownerKind, Expectations expectations, java.util.function.Consumer<Message> orphan) {
    return new ResourceHandler() {
      @Override
      public void onAdd(Message pod) {
        Optional<String> owner = controllerKey(pod, ownerKind);
        if (owner.isPresent()) {
          expectations.creationObserved(owner.get());
          queue.add(owner.get());
        } else {
          orphan.accept(pod);
        }
      }

      @Override
      public void onUpdate(Message oldPod, Message newPod) {
        Optional<String> owner = controllerKey(newPod, ownerKind);
        boolean nowTerminating =
            ApiObjects.meta(newPod).hasDeletionTime() && !ApiObjects.meta(oldPod).hasDeletionTime();
        if (nowTerminating) {
          owner.ifPresent(k -> expectations.deletionObserved(k, ApiObjects.meta(newPod).getUid()));
        }
        controllerKey(oldPod, ownerKind).ifPresent(queue::add);
        owner.ifPresent(queue::add);
        if (owner.isEmpty()) {
          orphan.accept(newPod);
        }
      }

      @Override
      public void onDelete(Message pod) {
        controllerKey(pod, ownerKind)
            .ifPresent(
                k -> {
                  expectations.deletionObserved(k, ApiObjects.meta(pod).getUid());
                  queue.add(k);
                });
      }
    };
  }

  /** A handler for a controller's own kind: enqueue on every change, run a hook on delete. */
  protected ResourceHandler primaryHandler(java.util.function.Consumer<Message> onDelete) {
    return new ResourceHandler() {
      @Override
      public void onAdd(Message object) {
        enqueue(object);
      }

      @Override
      public void onUpdate(Message oldObject, Message newObject) {
        enqueue(newObject);
      }

      @Override
      public void onDelete(Message lastState) {
        onDelete.accept(lastState);
        enqueue(lastState);
      }
    };
  }

  /**
   * Creates pods for the owner behind the key in slow-start batches ({@link SlowStart}), recording
   * them as expected creations first (the creates that fail or are skipped are un-expected again)
   * and an event per pod.
   */
  protected void createPods(String key, Message owner, Expectations expectations, List<Pod> pods) {
    if (pods.isEmpty()) {
      return;
    }
    expectations.expectCreations(key, pods.size());
    SlowStart.Outcome outcome =
        SlowStart.run(
            pods.size(),
            context.creates(),
            i -> {
              Pod created = writer.create(pods.get(i));
              events.normal(
                  owner, "SuccessfulCreate", "Created pod: " + created.getMetadata().getName());
            });
    if (outcome.firstFailure() != null) {
      for (int i = outcome.succeeded(); i < pods.size(); i++) {
        expectations.creationObserved(key);
      }
      events.warning(
          owner, "FailedCreate", "Error creating pod: " + outcome.firstFailure().getMessage());
      throw outcome.firstFailure();
    }
  }

  /**
   * Deletes pods of the owner behind the key, each guarded by its uid, recording them as expected
   * deletions; pods that are gone already count as deleted.
   */
  protected void deletePods(
      String key, Message owner, Expectations expectations, Collection<Pod> pods) {
    if (pods.isEmpty()) {
      return;
    }
    Set<String> uids = new HashSet<>();
    pods.forEach(p -> uids.add(p.getMetadata().getUid()));
    expectations.expectDeletions(key, uids);
    for (Pod pod : pods) {
      ObjectMeta meta = pod.getMetadata();
      try {
        writer.delete(
            Kind.KIND_POD,
            meta.getNamespace(),
            meta.getName(),
            DeleteOptions.withUid(meta.getUid()));
        events.normal(owner, "SuccessfulDelete", "Deleted pod: " + meta.getName());
      } catch (WriteException e) {
        expectations.deletionObserved(key, meta.getUid());
        if (!isGone(e)) {
          events.warning(owner, "FailedDelete", "Error deleting pod: " + e.getMessage());
          throw e;
        }
      }
    }
  }

  /** True when a write failed because its object is gone (or was replaced by another uid). */
  protected static boolean isGone(WriteException e) {
    return e.isGone();
  }

  /** The key of the object's controller owner of the given kind, if it has one. */
  protected static Optional<String> controllerKey(Message object, Kind ownerKind) {
    var meta = ApiObjects.meta(object);
    Optional<OwnerReference> ref = ApiObjects.controllerOf(meta);
    if (ref.isEmpty() || ref.get().getKind() != ownerKind) {
      return Optional.empty();
    }
    return Optional.of(ApiObjects.key(meta.getNamespace(), ref.get().getName()));
  }

  /**
   * Enqueues every key when a resync period has passed since the last resync (or since the
   * controller was created), by the controller's clock. Returns true when it did. The workers call
   * it between keys; so does {@link #processNext()}.
   */
  public boolean resyncIfDue() {
    if (resyncPeriod.isZero()) {
      return false;
    }
    Instant now = clock.instant();
    synchronized (resyncLock) {
      if (now.isBefore(nextResync)) {
        if (nextResync.isAfter(now.plus(resyncPeriod))) {
          // The wall clock was set back: wait one period from now, not until it catches up.
          nextResync = now.plus(resyncPeriod);
        }
        return false;
      }
      nextResync = now.plus(resyncPeriod);
    }
    try {
      resyncAll();
    } catch (RuntimeException e) {
      LOG.warn("{}: resync failed: {}", name, e.toString());
    }
    return true;
  }

  // How long a worker may wait for a key before the next resync is due.
  private Duration untilResync() {
    Duration max = Duration.ofSeconds(1);
    if (resyncPeriod.isZero()) {
      return max;
    }
    Duration left;
    synchronized (resyncLock) {
      left = Duration.between(clock.instant(), nextResync);
    }
    if (left.compareTo(Duration.ofMillis(1)) < 0) {
      return Duration.ofMillis(1);
    }
    return left.compareTo(max) < 0 ? left : max;
  }

  /**
   * Runs a due resync (see {@link #resyncIfDue()}), then processes one ready key, if any, on the
   * calling thread: sync, then forget its backoff on success or requeue it with backoff on failure.
   * Returns false when no key was ready.
   */
  public boolean processNext() {
    resyncIfDue();
    Optional<String> key = queue.poll();
    key.ifPresent(this::process);
    return key.isPresent();
  }

  private void process(String key) {
    try {
      sync(key);
      queue.forget(key);
    } catch (Exception e) {
      if (e instanceof WriteException we && we.reason() == WriteException.Reason.CONFLICT) {
        LOG.debug("{}: conflict syncing {}, retrying: {}", name, key, e.getMessage());
      } else {
        LOG.warn(
            "{}: error syncing {} (retry {}): {}",
            name,
            key,
            queue.failures(key) + 1,
            e.toString());
      }
      queue.addRateLimited(key);
    } finally {
      queue.done(key);
    }
  }

  /** Starts the worker threads, which also run the periodic resync. */
  public synchronized void start() {
    if (!threads.isEmpty()) {
      throw new IllegalStateException(name + " already started");
    }
    for (int i = 0; i < workers; i++) {
      Thread thread = new Thread(this::runWorker, name + "-worker-" + i);
      thread.setDaemon(true);
      threads.add(thread);
      thread.start();
    }
    resyncAll();
  }

  private void runWorker() {
    try {
      while (!queue.isShutDown()) {
        resyncIfDue();
        queue.take(untilResync()).ifPresent(this::process);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Stops handing keys to the workers (and so the resync too), without waiting: a sync under way
   * finishes, no new one starts. {@link #close()} then waits for the threads.
   */
  public synchronized void shutDown() {
    queue.shutDown();
  }

  /** Stops the workers and waits for them to finish. */
  @Override
  public synchronized void close() {
    shutDown();
    boolean interrupted = false;
    for (Thread thread : threads) {
      while (thread.isAlive()) {
        try {
          thread.join();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
