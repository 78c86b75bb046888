package dev.drover.agent.sync;

import dev.drover.agent.runtime.RuntimeUnavailableException;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodStatus;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lifecycle of one pod on this node: takes the pod's versions from the masters, queues syncs so
 * that they never overlap, and keeps the one timed wake-up. A sync is one pass of the pod's {@link
 * PodExecutor}, which does what {@link PodActions} decides; passes run on the syncer's executor
 * when something changes, when a timer (back-off, probe, termination) fires, and every sync period.
 */
final class PodWorker {

  private static final Logger log = LoggerFactory.getLogger(PodWorker.class);

  private final PodSyncer syncer;
  private final String uid;
  private final AtomicBoolean queued = new AtomicBoolean();
  private final WakeupTimer wakeup;
  // Also the lock of every sync and probe callback of the pod.
  private final PodExecutor executor;
  private volatile Pod pod;
  private volatile boolean goneFromStore;
  private volatile boolean finished;

  PodWorker(PodSyncer syncer, Pod pod) {
    this.syncer = syncer;
    this.pod = pod;
    this.uid = pod.getMetadata().getUid();
    this.wakeup = new WakeupTimer(syncer.scheduler(), this::requestSync);
    // A pod first seen after the initial list was swept can only have containers this agent
    // process made: no need to look for ones to adopt (one Docker call less per new pod).
    this.executor =
        new PodExecutor(syncer, uid, () -> this.pod, this::requestSync, !syncer.initialListSwept());
  }

  String uid() {
    return uid;
  }

  Pod pod() {
    return pod;
  }

  boolean finished() {
    return finished;
  }

  /** A newer version of the pod arrived from the masters. */
  void update(Pod newer) {
    this.pod = newer;
    requestSync();
  }

  /** The pod object is gone from the store: stop everything without confirming. */
  void goneFromStore(Pod last) {
    this.pod = last;
    this.goneFromStore = true;
    requestSync();
  }

  /** Queues a sync unless one is already queued. */
  void requestSync() {
    if (finished) {
      return;
    }
    if (queued.compareAndSet(false, true)) {
      syncer.executor().execute(this::runSync);
    }
  }

  private void runSync() {
    queued.set(false);
    synchronized (executor) {
      if (finished) {
        return;
      }
      Duration next = syncer.config().syncPeriod();
      try {
        Duration asked = executor.sync(goneFromStore);
        if (asked != null && asked.compareTo(next) < 0) {
          next = asked;
        }
      } catch (RuntimeUnavailableException e) {
        log.debug("pod {}: runtime unavailable: {}", executor.name(), e.getMessage());
        syncer.runtimeFailed();
      } catch (RuntimeException e) {
        log.warn("pod {}: sync failed, will retry", executor.name(), e);
      }
      if (executor.terminated()) {
        finished = true;
        wakeup.cancel();
        syncer.workerFinished(this);
      }
      if (!finished) {
        wakeup.wakeIn(next);
      }
      log.trace("pod {}: synced, next in {}", executor.name(), next);
    }
  }

  /** Stops probe timers; used when the agent closes (containers keep running). */
  void stop() {
    synchronized (executor) {
      finished = true;
      executor.stopProbes();
      wakeup.cancel();
    }
  }

  /** Offers the last computed status to the reporter again. */
  void reportAgain() {
    executor.reportAgain();
  }

  /** The last status computed (for tests and the node summary). */
  PodStatus lastStatus() {
    return executor.lastStatus();
  }

  /** Runtime id of the current (or previous) run of a container; null if none. */
  String containerId(String container, boolean previous) {
    return executor.containerId(container, previous);
  }
}
