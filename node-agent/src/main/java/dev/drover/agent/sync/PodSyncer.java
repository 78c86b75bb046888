package dev.drover.agent.sync;

import dev.drover.agent.runtime.ContainerInfo;
import dev.drover.agent.runtime.ContainerRuntime;
import dev.drover.agent.runtime.RuntimeUnavailableException;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodPhase;
import dev.drover.api.v1.PodStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the node's containers in line with the pods bound to it: one {@link PodWorker} per pod, fed
 * by the session's watch; removal of containers no pod owns; detection of a runtime outage (ping
 * failures) followed by a resync of every pod once it answers again. Statuses and events go out
 * through a coalescing {@link StatusReporter}.
 */
public final class PodSyncer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(PodSyncer.class);
  private static final long HEALTH_PERIOD_MS = 2000;
  // How long an image seen present is trusted without asking the runtime again.
  private static final Duration IMAGE_CHECK_TTL = Duration.ofSeconds(30);
  private static final Duration IDLE_THREAD_KEEP_ALIVE = Duration.ofSeconds(5);

  private final ContainerRuntime runtime;
  private final MasterClient master;
  private final SyncConfig config;
  private final ExecutorService executor;
  private final ScheduledExecutorService scheduler;
  // Runs a sandbox's start while its sync thread creates the app containers, and the status
  // reporter's sends. Separate from the sync pool, whose threads wait for sandbox starts and so
  // must never queue them behind themselves, and from the timer, which a send would hold up.
  private final ExecutorService starter;
  private final StatusReporter reporter;
  private final PortAllocator ports;
  private final Prober prober;
  private final Map<String, PodWorker> workers = new ConcurrentHashMap<>();
  private final AtomicBoolean runtimeDown = new AtomicBoolean();
  private final ImageCache images = new ImageCache(IMAGE_CHECK_TTL);
  private volatile boolean initialListSwept;
  private volatile ServiceEnvironment serviceEnvironment = ServiceEnvironment.NONE;
  private volatile boolean started;

  public PodSyncer(ContainerRuntime runtime, MasterClient master, SyncConfig config, int threads) {
    this.runtime = runtime;
    this.master = master;
    this.config = config;
    this.ports = new PortAllocator(config.portRangeFirst(), config.portRangeLast());
    // Both pools let idle threads go after a few seconds: a burst of pod starts needs many, a
    // node whose pods run needs few, and each thread keeps its stack (memory) while it lives.
    ThreadPoolExecutor sync =
        new ThreadPoolExecutor(
            threads,
            threads,
            IDLE_THREAD_KEEP_ALIVE.toMillis(),
            TimeUnit.MILLISECONDS,
            new LinkedBlockingQueue<>(),
            named("drover-sync-" + config.nodeName()));
    sync.allowCoreThreadTimeOut(true);
    this.executor = sync;
    ScheduledThreadPoolExecutor timer =
        new ScheduledThreadPoolExecutor(1, named("drover-timer-" + config.nodeName()));
    // Wake-ups moved earlier are cancelled often: drop them from the queue rather than keep
    // them until their (possibly minutes away) time.
    timer.setRemoveOnCancelPolicy(true);
    this.scheduler = timer;
    this.starter =
        new ThreadPoolExecutor(
            0,
            Integer.MAX_VALUE,
            IDLE_THREAD_KEEP_ALIVE.toMillis(),
            TimeUnit.MILLISECONDS,
            new SynchronousQueue<>(),
            named("drover-start-" + config.nodeName()));
    this.reporter = new StatusReporter(master, config.nodeName());
    this.prober = new Prober(runtime);
  }

  private static ThreadFactory named(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** Starts the status flusher and the runtime health check. */
  public void start() {
    started = true;
    reporter.start(scheduler, starter, config.statusFlushInterval());
    scheduler.scheduleWithFixedDelay(
        this::checkRuntime, HEALTH_PERIOD_MS, HEALTH_PERIOD_MS, TimeUnit.MILLISECONDS);
  }

  /** A pod bound to this node was added or changed. */
  public void podUpdated(Pod pod) {
    if (!pod.getSpec().getNodeName().isEmpty()
        && !pod.getSpec().getNodeName().equals(config.nodeName())) {
      return;
    }
    String uid = pod.getMetadata().getUid();
    PodWorker worker = workers.get(uid);
    if (worker == null) {
      if (pod.getSpec().getContainersCount() == 0) {
        log.warn(
            "pod {}/{} has no containers; ignored",
            pod.getMetadata().getNamespace(),
            pod.getMetadata().getName());
        return;
      }
      worker = workers.computeIfAbsent(uid, u -> new PodWorker(this, pod));
    }
    worker.update(pod);
  }

  /** A pod was removed from the store: stop its containers, no confirmation needed. */
  public void podDeleted(Pod pod) {
    PodWorker worker = workers.get(pod.getMetadata().getUid());
    if (worker != null) {
      worker.goneFromStore(pod);
    }
  }

  /**
   * Removes every container of this node whose pod is neither in {@code knownPodUids} nor being
   * handled by a worker. Call once the session knows the complete set of bound pods.
   */
  public int removeOrphans(Set<String> knownPodUids) {
    Set<String> keep = new HashSet<>(knownPodUids);
    keep.addAll(workers.keySet());
    int removed = 0;
    for (ContainerInfo info : runtime.list(Map.of(Labels.NODE, config.nodeName()))) {
      String uid = info.labels().get(Labels.POD_UID);
      if (uid != null && !keep.contains(uid)) {
        log.info("removing container {} of unknown pod {}", info.name(), uid);
        runtime.remove(info.id());
        removed++;
      }
    }
    initialListSwept = true;
    for (String uid : orphanDirs(keep)) {
      try {
        new PodFiles(config.dataDir(), uid).deleteAll();
      } catch (IOException e) {
        log.warn("could not delete the data of pod {}: {}", uid, e.getMessage());
      }
    }
    return removed;
  }

  private List<String> orphanDirs(Set<String> keep) {
    Set<String> out = new java.util.TreeSet<>();
    for (Path pods :
        List.of(config.dataDir().resolve("pods"), PodFiles.secretsRoot(config.dataDir()))) {
      if (!Files.isDirectory(pods)) {
        continue;
      }
      try (var list = Files.list(pods)) {
        list.map(p -> p.getFileName().toString()).filter(u -> !keep.contains(u)).forEach(out::add);
      } catch (IOException e) {
        // Unreadable now: the next sweep tries again.
      }
    }
    return List.copyOf(out);
  }

  /**
   * Sends the latest status of every pod again: after the session (re)registered with a master, so
   * that nothing written to a master that then failed is lost.
   */
  public void reportAllStatuses() {
    workers.values().forEach(PodWorker::reportAgain);
  }

  /** Re-checks every pod now (after a reconnect or a runtime restart). */
  public void resyncAll() {
    workers.values().forEach(PodWorker::requestSync);
  }

  /** Runtime id of a pod's container (the previous run's when {@code previous}). */
  public Optional<String> containerId(
      String namespace, String pod, String container, boolean previous) {
    for (PodWorker w : workers.values()) {
      Pod p = w.pod();
      if (p.getMetadata().getNamespace().equals(namespace)
          && p.getMetadata().getName().equals(pod)) {
        String name =
            container.isEmpty() && p.getSpec().getContainersCount() == 1
                ? p.getSpec().getContainers(0).getName()
                : container;
        return Optional.ofNullable(w.containerId(name, previous));
      }
    }
    return Optional.empty();
  }

  /** Names of the app containers of a pod of this node (empty when no worker handles it). */
  public List<String> containerNames(String namespace, String pod) {
    for (PodWorker w : workers.values()) {
      Pod p = w.pod();
      if (p.getMetadata().getNamespace().equals(namespace)
          && p.getMetadata().getName().equals(pod)) {
        return p.getSpec().getContainersList().stream().map(c -> c.getName()).toList();
      }
    }
    return List.of();
  }

  /** True if a worker handles a pod of this namespace and name. */
  public boolean hasPod(String namespace, String pod) {
    return workers.values().stream()
        .anyMatch(
            w ->
                w.pod().getMetadata().getNamespace().equals(namespace)
                    && w.pod().getMetadata().getName().equals(pod));
  }

  /** The latest status computed for a pod, if it has a worker. */
  public Optional<PodStatus> status(String uid) {
    PodWorker w = workers.get(uid);
    return w == null ? Optional.empty() : Optional.ofNullable(w.lastStatus());
  }

  /** Pods currently running on the node. */
  public int runningPods() {
    int n = 0;
    for (PodWorker w : workers.values()) {
      PodStatus s = w.lastStatus();
      if (s != null && s.getPhase() == PodPhase.POD_PHASE_RUNNING) {
        n++;
      }
    }
    return n;
  }

  /** Uids of the pods with a worker. */
  public Set<String> podUids() {
    return Set.copyOf(workers.keySet());
  }

  /**
   * True once {@link #removeOrphans} ran: every container of this node then belongs to a pod that
   * has a worker, so a pod seen later has nothing to adopt.
   */
  boolean initialListSwept() {
    return initialListSwept;
  }

  ImageCache images() {
    return images;
  }

  /** True while the runtime is considered down. */
  public boolean runtimeDown() {
    return runtimeDown.get();
  }

  void runtimeFailed() {
    if (runtimeDown.compareAndSet(false, true)) {
      log.warn("container runtime unreachable; waiting for it to come back");
    }
  }

  private void checkRuntime() {
    try {
      runtime.ping();
      if (runtimeDown.compareAndSet(true, false)) {
        log.info("container runtime is back; resyncing every pod");
        resyncAll();
      }
    } catch (RuntimeUnavailableException e) {
      runtimeFailed();
    } catch (RuntimeException e) {
      log.debug("runtime ping failed", e);
      runtimeFailed();
    }
  }

  void workerFinished(PodWorker worker) {
    workers.remove(worker.uid(), worker);
  }

  ContainerRuntime runtime() {
    return runtime;
  }

  MasterClient master() {
    return master;
  }

  SyncConfig config() {
    return config;
  }

  ExecutorService executor() {
    return executor;
  }

  ScheduledExecutorService scheduler() {
    return scheduler;
  }

  ExecutorService starter() {
    return starter;
  }

  StatusReporter reporter() {
    return reporter;
  }

  PortAllocator ports() {
    return ports;
  }

  /** Sets where new containers' service variables come from (the node's service proxy). */
  public void serviceEnvironment(ServiceEnvironment env) {
    this.serviceEnvironment = env;
  }

  ServiceEnvironment serviceEnvironment() {
    return serviceEnvironment;
  }

  Prober prober() {
    return prober;
  }

  /**
   * Stops syncing and waits for the threads. Containers keep running, so that a new agent adopts
   * them. Pending statuses get one last send attempt.
   */
  @Override
  public void close() {
    workers.values().forEach(PodWorker::stop);
    reporter.stop();
    scheduler.shutdownNow();
    executor.shutdownNow();
    starter.shutdownNow();
    try {
      executor.awaitTermination(30, TimeUnit.SECONDS);
      starter.awaitTermination(10, TimeUnit.SECONDS);
      scheduler.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (started) {
      reporter.flushSafely();
    }
  }
}
