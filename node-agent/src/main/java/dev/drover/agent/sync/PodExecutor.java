package dev.drover.agent.sync;

import dev.drover.agent.runtime.ContainerInfo;
import dev.drover.agent.runtime.ContainerRuntime;
import dev.drover.agent.runtime.ContainerSpec;
import dev.drover.agent.runtime.HostFacts;
import dev.drover.agent.runtime.ImagePullException;
import dev.drover.agent.runtime.RegistryAuth;
import dev.drover.agent.runtime.RuntimeUnavailableException;
import dev.drover.agent.sync.PodActions.Action;
import dev.drover.agent.sync.PodActions.CheckImage;
import dev.drover.agent.sync.PodActions.Create;
import dev.drover.agent.sync.PodActions.Event;
import dev.drover.agent.sync.PodActions.Image;
import dev.drover.agent.sync.PodActions.Observed;
import dev.drover.agent.sync.PodActions.ProbeCounts;
import dev.drover.agent.sync.PodActions.ProbeKind;
import dev.drover.agent.sync.PodActions.ProbeStep;
import dev.drover.agent.sync.PodActions.ProbeVerdict;
import dev.drover.agent.sync.PodActions.PullImage;
import dev.drover.agent.sync.PodActions.Signal;
import dev.drover.agent.sync.PodActions.StartCreated;
import dev.drover.agent.sync.PodActions.StartProbes;
import dev.drover.agent.sync.PodActions.Step;
import dev.drover.agent.sync.PodActions.StopProbes;
import dev.drover.agent.sync.PodActions.Termination;
import dev.drover.agent.sync.PodActions.TerminationStep;
import dev.drover.agent.sync.PodActions.Wait;
import dev.drover.api.v1.Container;
import dev.drover.api.v1.ContainerPort;
import dev.drover.api.v1.EnvVar;
import dev.drover.api.v1.EventType;
import dev.drover.api.v1.HostPortAllocation;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodStatus;
import dev.drover.api.v1.PodStatusUpdate;
import dev.drover.api.v1.Probe;
import dev.drover.api.v1.Volume;
import dev.drover.client.Backoff;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out {@link PodActions}' decisions for one pod against the {@link ContainerRuntime}, and
 * records what it observes: one {@link #sync} pass inspects each container, asks for the next step,
 * does it (pull, create, start, signal, probes), and repeats until the step is to wait; it also
 * owns the pod's sandbox, volumes, adoption of a previous agent's containers, graceful termination
 * and status. Not thread-safe on its own: every call holds the executor's monitor ({@link
 * PodWorker} syncs and the probe callbacks take it).
 */
final class PodExecutor {

  private static final Logger log = LoggerFactory.getLogger(PodExecutor.class);

  private final PodSyncer syncer;
  private final ContainerRuntime runtime;
  private final String uid;
  private final Supplier<Pod> pods;
  private final Runnable requestSync;
  private final PodFiles files;

  // Everything below is guarded by "this".
  private final Map<String, KnownContainer> states = new LinkedHashMap<>();
  // The probe timers of each container; they run for its state's probesFor.
  private final Map<String, List<ProbeTask>> probes = new HashMap<>();
  private boolean adopted;
  private String sandboxId;
  // The sandbox's start while this pass creates the app containers; null when none is pending.
  private PendingSandbox sandboxStart;
  // A sandbox started by this pass whose address is still being read; null when none.
  private PendingSandbox sandboxAddress;
  private String podIp = "";
  private List<HostPortAllocation> hostPorts = List.of();
  private boolean volumesReady;
  // The node's capacity, read once when the pod's downward API needs it.
  private HostFacts hostFacts;
  // Set when a sandbox may have been left behind by a failed or replaced attempt.
  private boolean straySandboxes;
  private Instant startTime;
  private Termination termination;
  private boolean terminated;
  // Secrets and ConfigMaps fetched by this pass; null until a container needs them.
  private PodInputs passInputs;
  private final PodStatusBuilder statuses = new PodStatusBuilder();
  // Guarded by statusLock, not by this executor's lock: a sync holds that one through Docker
  // calls (a pull, a stuck remove), and the session's heartbeat and re-registration read the
  // status; they must never wait for Docker.
  private final Object statusLock = new Object();
  private volatile PodStatus lastStatus;

  PodExecutor(
      PodSyncer syncer, String uid, Supplier<Pod> pods, Runnable requestSync, boolean adopt) {
    this.syncer = syncer;
    this.runtime = syncer.runtime();
    this.uid = uid;
    this.pods = pods;
    this.requestSync = requestSync;
    this.files = new PodFiles(syncer.config().dataDir(), uid);
    this.adopted = !adopt;
  }

  /** The latest version of the pod. */
  private Pod pod() {
    return pods.get();
  }

  String name() {
    Pod pod = pod();
    return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
  }

  /** True once the pod was stopped, cleaned up and (unless gone from the store) confirmed. */
  synchronized boolean terminated() {
    return terminated;
  }

  // ------------------------------------------------------------------------------------------
  // The sync itself
  // ------------------------------------------------------------------------------------------

  /** One level-triggered pass; returns when the next pass is wanted (null: the sync period). */
  synchronized Duration sync(boolean goneFromStore) {
    if (!adopted) {
      adopt();
      adopted = true;
    }
    Pod pod = pod();
    if (goneFromStore || pod.getMetadata().hasDeletionTime()) {
      return terminate(goneFromStore);
    }
    if (startTime == null) {
      startTime = Instant.now();
    }
    Duration next = null;
    // A start left pending by a pass that failed half-way is settled first.
    awaitSandbox();
    if (!ensureSandbox()) {
      reportStatus();
      return syncer.config().syncPeriod();
    }
    passInputs = null;
    // Init containers first, one at a time; re-planned after each step, which may let the next go.
    Set<String> stepped = new HashSet<>();
    while (sandboxId != null || pod.getSpec().getHostNetwork()) {
      // (A sandbox that failed to start while the containers before were made ends the pass.)
      InitOrder.Entry entry = null;
      for (InitOrder.Entry e : InitOrder.plan(pod, states)) {
        if (e.turn() != InitOrder.Turn.SKIP && !stepped.contains(e.container().getName())) {
          entry = e;
          break;
        }
      }
      if (entry == null) {
        break;
      }
      stepped.add(entry.container().getName());
      Duration asked =
          entry.turn() == InitOrder.Turn.STOP
              ? stopSidecar(pod, entry.container(), entry.path())
              : syncContainer(pod, entry.container(), entry.path());
      if (asked != null && (next == null || asked.compareTo(next) < 0)) {
        next = asked;
      }
    }
    passInputs = null;
    if (!awaitSandbox()) {
      reportStatus();
      return syncer.config().syncPeriod();
    }
    reportStatus();
    return next;
  }

  private KnownContainer state(String container) {
    return states.computeIfAbsent(
        container, n -> KnownContainer.initial(syncer.config().restartBackoff()));
  }

  /** Keeps a container's new state; its probe timers stop when they are not for its run. */
  private void put(String container, KnownContainer next) {
    KnownContainer before = states.put(container, next);
    if (before != null && !Objects.equals(before.probesFor(), next.probesFor())) {
      cancelProbes(container);
    }
  }

  /**
   * Steps one container until its next step is to wait; returns the delay of a timer it needs, or
   * null.
   */
  private Duration syncContainer(Pod pod, Container c, String path) {
    Instant now = Instant.now();
    String name = c.getName();
    String currentId = state(name).currentId();
    Observed observed =
        Observed.of(currentId == null ? null : runtime.inspect(currentId).orElse(null));
    while (true) {
      Step step = PodActions.next(pod, c, state(name), observed, now);
      put(name, step.state());
      Action action = step.action();
      if (action instanceof Wait w) {
        emit(name, w.event());
        return w.wakeIn();
      } else if (action instanceof Signal s) {
        emit(name, s.event());
        runtime.signal(s.id(), s.signal());
        return s.wakeIn();
      } else if (action instanceof StopProbes) {
        log.info("pod {}: container {} disappeared", name(), name);
        cancelProbes(name);
      } else if (action instanceof StartCreated s) {
        if (!awaitSandbox()) {
          return null;
        }
        try {
          runtime.start(s.id());
        } catch (RuntimeUnavailableException e) {
          throw e;
        } catch (RuntimeException e) {
          return startFailed(c, s.id(), e);
        }
        observed = observed.withInfo(runtime.inspect(s.id()).orElse(observed.info()));
      } else if (action instanceof StartProbes s) {
        startProbes(c, s.id(), s.kinds());
      } else if (action instanceof CheckImage check) {
        if (!fetchInputs(name)) {
          return null;
        }
        observed = observed.withImage(imagePresent(check.image()) ? Image.PRESENT : Image.ABSENT);
      } else if (action instanceof PullImage pull) {
        if (!fetchInputs(name)) {
          return null;
        }
        if (!pull(pod, c, pull.image(), now)) {
          observed = observed.withImage(Image.ABSENT);
          continue;
        }
        observed = observed.withImage(Image.PULLED);
      } else if (action instanceof Create create) {
        return create(c, path, create.attempt());
      } else {
        throw new IllegalStateException("unknown action " + action);
      }
    }
  }

  /**
   * Stops a sidecar whose main containers all finished, and never restarts it: SIGTERM, then
   * SIGKILL after the grace period, as for a probe's kill.
   */
  private Duration stopSidecar(Pod pod, Container c, String path) {
    String name = c.getName();
    KnownContainer s = state(name);
    ContainerInfo info = s.currentId() == null ? null : runtime.inspect(s.currentId()).orElse(null);
    if (info == null || !info.running()) {
      if (info != null) {
        put(name, s.withCurrent(info).withoutProbes().withWaiting(null));
      }
      return null;
    }
    if (s.kill() == null) {
      put(
          name,
          s.withKill(
              new KnownContainer.KillRequest(
                  "Stopping sidecar container " + name + ": the main containers finished",
                  PodActions.grace(pod),
                  null)));
    }
    return syncContainer(pod, c, path);
  }

  /** Fetches the pod's Secrets and ConfigMaps once per pass; false (waiting) if that failed. */
  private boolean fetchInputs(String container) {
    if (passInputs != null) {
      return true;
    }
    try {
      passInputs = PodInputs.fetch(pod(), syncer.master());
      return true;
    } catch (RuntimeException e) {
      put(
          container,
          state(container)
              .withWaiting(
                  "ContainerCreating", "fetching Secrets and ConfigMaps: " + e.getMessage()));
      return false;
    }
  }

  /** Records an event the decision asked for, if any. */
  private void emit(String container, Event event) {
    if (event == null) {
      return;
    }
    EventType type = event.warning() ? EventType.EVENT_TYPE_WARNING : EventType.EVENT_TYPE_NORMAL;
    syncer.reporter().event(pod(), container, type, event.reason(), event.message());
  }

  /** Records a Normal event about one container of the pod. */
  private void normalEvent(String container, String reason, String message) {
    emit(container, new Event(false, reason, message));
  }

  /** Records a Warning event about one container of the pod. */
  private void warningEvent(String container, String reason, String message) {
    emit(container, new Event(true, reason, message));
  }

  /**
   * Records why a container could not be created or started: its waiting reason for the status and
   * a Warning event. Returns null, the "no timed re-sync needed" answer of the sync steps.
   */
  private Duration failed(Container c, String reason, String message) {
    put(c.getName(), state(c.getName()).withWaiting(reason, message));
    warningEvent(c.getName(), "Failed", message);
    return null;
  }

  /**
   * Records a create or start the runtime refused (a daemon restarting answers 500, a bad
   * entrypoint fails the start): like {@link #failed}, but the container is tried again after the
   * restart back-off, which grows with each such failure. Without the timed retry nothing would
   * look at the pod again until its spec or inputs changed.
   */
  private Duration failedRetried(Container c, String reason, String message) {
    KnownContainer s = state(c.getName());
    Backoff next = s.restartBackoff().failed(Instant.now(), Duration.ZERO);
    put(c.getName(), s.withRestartBackoff(next).withWaiting(reason, message));
    warningEvent(c.getName(), "Failed", message);
    return next.lastDelay();
  }

  /**
   * A start the runtime refused: as the kubelet does, the container is removed (best effort) so
   * that the next try makes a fresh one; a container a restarting daemon left half made would
   * otherwise refuse every later start too.
   */
  private Duration startFailed(Container c, String id, RuntimeException e) {
    try {
      runtime.remove(id);
    } catch (RuntimeException ignored) {
      // Still there: the next pass finds it and tries to start it again.
      log.debug("pod {}: removing container {} after a failed start: {}", name(), id, ignored);
    }
    put(c.getName(), state(c.getName()).withCurrentId(null));
    return failedRetried(c, "RunContainerError", e.getMessage());
  }

  /** Pulls a container's image; false (with the failure recorded in its state) if that failed. */
  private boolean pull(Pod pod, Container c, String image, Instant now) {
    RegistryAuth auth = passInputs.registryAuth(pod, image).orElse(null);
    normalEvent(c.getName(), "Pulling", "Pulling image \"" + image + "\"");
    try {
      long started = System.nanoTime();
      runtime.pullImage(image, auth, syncer.config().pullTimeout());
      syncer.images().present(image);
      put(c.getName(), PodActions.pulled(state(c.getName())));
      normalEvent(
          c.getName(),
          "Pulled",
          "Successfully pulled image "
              + image
              + " in "
              + (System.nanoTime() - started) / 1_000_000
              + "ms");
      return true;
    } catch (ImagePullException e) {
      KnownContainer failed = PodActions.pullFailed(state(c.getName()), e.getMessage(), now);
      put(c.getName(), failed);
      warningEvent(c.getName(), "Failed", e.getMessage());
      normalEvent(
          c.getName(),
          "BackOff",
          "Back-off " + failed.pullBackoff().lastDelay().toMillis() + "ms pulling image " + image);
      return false;
    }
  }

  /** Creates and starts run number {@code attempt} of a container. */
  private Duration create(Container c, String path, int attempt) {
    String name = c.getName();
    ContainerSpec spec;
    try {
      if (!volumesReady) {
        files.prepareVolumes(pod(), passInputs, facts(pod()));
        volumesReady = true;
      }
      if (readsPodIp(c)) {
        // Its env names the pod's address: the sandbox must run and be inspected first.
        if (!awaitSandbox()) {
          return null;
        }
        settleSandboxAddress();
      }
      spec =
          ContainerSpecs.containerSpec(
              pod(),
              facts(pod()),
              files,
              sandboxId,
              c,
              path,
              attempt,
              passInputs,
              syncer.serviceEnvironment().forNamespace(pod().getMetadata().getNamespace()));
    } catch (PodInputs.ConfigError | IllegalArgumentException e) {
      return failed(c, "CreateContainerConfigError", e.getMessage());
    } catch (IOException e) {
      put(
          name,
          state(name).withWaiting("CreateContainerError", "preparing volumes: " + e.getMessage()));
      return null;
    }
    String id;
    try {
      id = runtime.create(spec);
    } catch (RuntimeUnavailableException e) {
      throw e;
    } catch (RuntimeException e) {
      // The image may have been removed since it was last seen: check again next time.
      syncer.images().forget(c.getImage());
      return failedRetried(c, "CreateContainerError", e.getMessage());
    }
    normalEvent(name, "Created", "Created container " + name);
    KnownContainer before = state(name);
    if (before.previousId() != null) {
      // Keep one dead container per container (for "logs --previous"), like the kubelet.
      runtime.remove(before.previousId());
    }
    int made =
        spec.labels().containsKey(Labels.ATTEMPT)
            ? Integer.parseInt(spec.labels().get(Labels.ATTEMPT))
            : 0;
    put(name, PodActions.created(before, id, made));
    if (sandboxStart != null) {
      sandboxStart.joined().add(id);
    }
    if (!awaitSandbox()) {
      return null;
    }
    try {
      runtime.start(id);
    } catch (RuntimeUnavailableException e) {
      throw e;
    } catch (RuntimeException e) {
      return startFailed(c, id, e);
    }
    normalEvent(name, "Started", "Started container " + name);
    ContainerInfo info = runtime.inspect(id).orElse(null);
    if (info != null) {
      put(name, state(name).withCurrent(info));
      if (info.running()) {
        put(name, PodActions.probesStarted(c, state(name).withWaiting(null), id));
        startProbes(c, id, PodActions.probesToStart(c));
      }
    }
    return PodActions.AFTER_START;
  }

  private static boolean readsPodIp(Container c) {
    for (EnvVar e : c.getEnvList()) {
      if (e.getValueFrom().getFieldRef().getFieldPath().equals("status.podIP")) {
        return true;
      }
    }
    return false;
  }

  /** What the downward API reads of the node and the pod's address. */
  private DownwardApi.Facts facts(Pod pod) {
    long milliCpus = 0;
    long memory = 0;
    if (readsResources(pod)) {
      if (hostFacts == null) {
        hostFacts = runtime.hostFacts();
      }
      milliCpus = hostFacts.cpus() * 1000L;
      memory = hostFacts.memoryBytes();
    }
    return new DownwardApi.Facts(
        syncer.config().nodeName(), podIp, syncer.config().hostIp(), milliCpus, memory);
  }

  /** The pod's init containers, then its main containers. */
  private static List<Container> allContainers(Pod pod) {
    List<Container> all = new ArrayList<>(pod.getSpec().getInitContainersList());
    all.addAll(pod.getSpec().getContainersList());
    return all;
  }

  private static boolean readsResources(Pod pod) {
    for (Container c : allContainers(pod)) {
      for (EnvVar e : c.getEnvList()) {
        if (e.getValueFrom().hasResourceFieldRef()) {
          return true;
        }
      }
    }
    return pod.getSpec().getVolumesList().stream().anyMatch(Volume::hasDownwardApi);
  }

  /** True if the image is here: known from a recent check, or asked of the runtime. */
  private boolean imagePresent(String image) {
    if (syncer.images().known(image)) {
      return true;
    }
    boolean present = runtime.imagePresent(image);
    if (present) {
      syncer.images().present(image);
    }
    return present;
  }

  // ------------------------------------------------------------------------------------------
  // Sandbox
  // ------------------------------------------------------------------------------------------

  /** Makes sure the pod's network namespace exists; false when it could not be made yet. */
  private boolean ensureSandbox() {
    Pod pod = pod();
    if (pod.getSpec().getHostNetwork()) {
      podIp = syncer.config().hostIp();
      if (hostPorts.isEmpty()) {
        List<HostPortAllocation> ports = new ArrayList<>();
        for (Container c : allContainers(pod)) {
          for (ContainerPort p : c.getPortsList()) {
            ports.add(ContainerSpecs.allocation(c.getName(), p, p.getContainerPort()));
          }
        }
        hostPorts = List.copyOf(ports);
      }
      return true;
    }
    if (sandboxId != null) {
      ContainerInfo info = runtime.inspect(sandboxId).orElse(null);
      if (info != null && info.running()) {
        if (podIp.isEmpty()) {
          podIp = info.ipAddress();
        }
        if (straySandboxes) {
          removeStraySandboxes();
        }
        return true;
      }
      // The namespace is gone (daemon restart, someone killed it): every app container must
      // be recreated in a new one.
      log.info(
          "pod {}: sandbox {} is not running; recreating the pod's containers", name(), sandboxId);
      for (String container : List.copyOf(states.keySet())) {
        put(container, states.get(container).withoutProbes());
        cancelProbes(container);
        String appId = states.get(container).currentId();
        if (appId != null) {
          ContainerInfo app = runtime.inspect(appId).orElse(null);
          if (app != null && app.running()) {
            runtime.signal(appId, "KILL");
          }
        }
      }
      runtime.remove(sandboxId);
      sandboxId = null;
      podIp = "";
      straySandboxes = true;
    }
    String image = syncer.config().infraImage();
    if (image.isEmpty()) {
      image = pod.getSpec().getContainers(0).getImage();
    }
    if (!imagePresent(image)) {
      try {
        runtime.pullImage(image, null, syncer.config().pullTimeout());
        syncer.images().present(image);
      } catch (ImagePullException e) {
        waitAll("sandbox image: " + e.getMessage());
        return false;
      }
    }
    List<HostPortAllocation> ports = new ArrayList<>();
    List<ContainerSpec.PortBinding> bindings = new ArrayList<>();
    try {
      for (Container c : allContainers(pod)) {
        for (ContainerPort p : c.getPortsList()) {
          int host = p.getHostPort();
          if (host == 0 && syncer.ports().enabled()) {
            host = syncer.ports().allocate();
          } else if (host != 0) {
            syncer.ports().reserve(host);
          }
          if (host != 0) {
            HostPortAllocation a = ContainerSpecs.allocation(c.getName(), p, host);
            ports.add(a);
            bindings.add(
                new ContainerSpec.PortBinding(
                    p.getContainerPort(), host, ContainerSpecs.protocolName(a.getProtocol())));
          }
        }
      }
    } catch (IllegalStateException e) {
      ports.forEach(a -> syncer.ports().release(a.getHostPort()));
      log.warn("pod {}: {}", name(), e.getMessage());
      return false;
    }
    Map<String, String> labels =
        ContainerSpecs.baseLabels(pod, syncer.config().nodeName(), Labels.SANDBOX);
    labels.put(Labels.HOST_PORTS, ContainerSpecs.encodePorts(ports));
    String hostname =
        pod.getSpec().getHostname().isEmpty()
            ? pod.getMetadata().getName()
            : pod.getSpec().getHostname();
    ContainerSpec spec =
        new ContainerSpec(
            ContainerSpecs.containerName(pod, Labels.SANDBOX.substring(1), 0)
                + "-"
                + Long.toHexString(System.nanoTime() & 0xffffff),
            image,
            labels,
            List.of("sh", "-c", "trap 'exit 0' TERM; while true; do sleep 3600 & wait $!; done"),
            List.of(),
            List.of(),
            "",
            new ContainerSpec.OwnNetwork(),
            hostname.length() > 63 ? hostname.substring(0, 63) : hostname,
            bindings,
            0,
            0,
            List.of(),
            ContainerSpec.Security.NONE);
    String id;
    try {
      id = runtime.create(spec);
    } catch (RuntimeException e) {
      return sandboxFailed(image, ports, null, e);
    }
    // App containers only need the sandbox to exist to name it as their network (Docker refuses
    // to start them, not to create them, before it runs), so this pass creates them while the
    // sandbox starts and waits for it before starting each: one create less on the pod's
    // critical path. The inspect that reads the sandbox's address runs while the first app
    // container starts, which needs only the sandbox to run.
    CompletableFuture<Void> started = new CompletableFuture<>();
    CompletableFuture<String> ip = new CompletableFuture<>();
    syncer
        .starter()
        .execute(
            () -> {
              try {
                runtime.start(id);
              } catch (RuntimeException | Error e) {
                // The futures carry the failure to the next pass; thrown on, it would only be an
                // uncaught exception on the starter thread (a test's Awaitility fails on those).
                started.completeExceptionally(e);
                ip.completeExceptionally(e);
                return;
              }
              started.complete(null);
              try {
                ip.complete(runtime.inspect(id).map(ContainerInfo::ipAddress).orElse(""));
              } catch (RuntimeException | Error e) {
                ip.completeExceptionally(e);
              }
            });
    sandboxStart =
        new PendingSandbox(id, image, List.copyOf(ports), started, ip, new ArrayList<>());
    sandboxId = id;
    hostPorts = List.copyOf(ports);
    volumesReady = false;
    return true;
  }

  /**
   * Waits for the sandbox start begun by {@link #ensureSandbox}. True when none was pending or it
   * started; false when it failed, after removing the containers made to join it and resetting the
   * pod's network so that the next pass starts over.
   */
  private boolean awaitSandbox() {
    PendingSandbox pending = sandboxStart;
    if (pending == null) {
      return true;
    }
    sandboxStart = null;
    RuntimeException failure;
    try {
      pending.started().get();
      sandboxAddress = pending;
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      pending.started().cancel(true);
      failure = new IllegalStateException("interrupted while the sandbox started", e);
    } catch (ExecutionException e) {
      failure =
          e.getCause() instanceof RuntimeException r
              ? r
              : new IllegalStateException(String.valueOf(e.getCause()), e.getCause());
    }
    for (String container : List.copyOf(states.keySet())) {
      String appId = states.get(container).currentId();
      if (appId != null && pending.joined().contains(appId)) {
        try {
          runtime.remove(appId);
        } catch (RuntimeException e) {
          // Labelled with the pod: the orphan sweep removes it once the pod is gone.
          log.debug("pod {}: could not remove {}: {}", name(), appId, e.getMessage());
        }
        put(container, states.get(container).withCurrentId(null));
      }
    }
    sandboxId = null;
    hostPorts = List.of();
    podIp = "";
    return sandboxFailed(pending.image(), pending.ports(), pending.id(), failure);
  }

  /**
   * Undoes a sandbox that could not be created or started: releases its host ports and removes it.
   * Rethrows a runtime outage; otherwise records the reason on every container and returns false.
   */
  private boolean sandboxFailed(
      String image, List<HostPortAllocation> ports, String id, RuntimeException e) {
    ports.forEach(a -> syncer.ports().release(a.getHostPort()));
    // A sandbox that was created but would not start (e.g. a daemon still setting up its
    // networks after a restart) is removed, or every retry would leave one more behind.
    removeUnstartedSandbox(id);
    if (e instanceof RuntimeUnavailableException) {
      throw e;
    }
    syncer.images().forget(image);
    log.warn("pod {}: creating the sandbox failed: {}", name(), e.getMessage());
    waitAll("sandbox: " + e.getMessage());
    return false;
  }

  /** Gives every container of the pod the waiting reason ContainerCreating with {@code message}. */
  private void waitAll(String message) {
    for (Container c : pod().getSpec().getContainersList()) {
      put(c.getName(), state(c.getName()).withWaiting("ContainerCreating", message));
    }
  }

  /**
   * Takes the address of a sandbox started by this pass, once its inspect is done: needed by the
   * status and by HTTP and TCP probes. On failure the address stays unknown until the next pass
   * inspects the sandbox again ({@link #ensureSandbox}).
   */
  private void settleSandboxAddress() {
    PendingSandbox pending = sandboxAddress;
    if (pending == null) {
      return;
    }
    sandboxAddress = null;
    if (!pending.id().equals(sandboxId)) {
      return;
    }
    try {
      podIp = pending.ip().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException e) {
      log.debug("pod {}: inspecting sandbox {} failed: {}", name(), pending.id(), e.getCause());
    }
  }

  /**
   * A sandbox being started in the background (then inspected for its address), and the app
   * containers created to join it.
   */
  private record PendingSandbox(
      String id,
      String image,
      List<HostPortAllocation> ports,
      Future<Void> started,
      Future<String> ip,
      List<String> joined) {}

  private void removeUnstartedSandbox(String id) {
    straySandboxes = true;
    if (id == null) {
      return;
    }
    try {
      runtime.remove(id);
    } catch (RuntimeException e) {
      // removeStraySandboxes tries again once the pod has a running sandbox.
      log.debug("pod {}: could not remove unstarted sandbox {}: {}", name(), id, e.getMessage());
    }
  }

  /**
   * Removes the pod's sandboxes other than the current one: left by failed or interrupted attempts
   * (a daemon restarting may refuse a removal, leaving a "dead" container). Runs on every sync
   * until none is left, so a removal the daemon refused once is retried.
   */
  private void removeStraySandboxes() {
    Map<String, String> labels =
        Map.of(
            Labels.POD_UID,
            uid,
            Labels.NODE,
            syncer.config().nodeName(),
            Labels.CONTAINER_NAME,
            Labels.SANDBOX);
    boolean left = false;
    for (ContainerInfo info : runtime.list(labels)) {
      if (info.id().equals(sandboxId)) {
        continue;
      }
      try {
        runtime.remove(info.id());
        left |= runtime.inspect(info.id()).isPresent();
      } catch (RuntimeUnavailableException e) {
        throw e;
      } catch (RuntimeException e) {
        log.debug(
            "pod {}: stray sandbox {} not removed yet: {}", name(), info.id(), e.getMessage());
        left = true;
      }
    }
    straySandboxes = left;
  }

  // ------------------------------------------------------------------------------------------
  // Adoption
  // ------------------------------------------------------------------------------------------

  /** Takes over containers a previous agent left for this pod, without restarting them. */
  private void adopt() {
    Pod pod = pod();
    List<ContainerInfo> found =
        runtime.list(Map.of(Labels.POD_UID, uid, Labels.NODE, syncer.config().nodeName()));
    Map<String, List<ContainerInfo>> byName = new HashMap<>();
    for (ContainerInfo info : found) {
      byName
          .computeIfAbsent(
              info.labels().getOrDefault(Labels.CONTAINER_NAME, ""), k -> new ArrayList<>())
          .add(info);
    }
    List<ContainerInfo> sandboxes = byName.getOrDefault(Labels.SANDBOX, List.of());
    ContainerInfo sandbox =
        sandboxes.stream().filter(ContainerInfo::running).findFirst().orElse(null);
    for (ContainerInfo s : sandboxes) {
      if (s != sandbox) {
        runtime.remove(s.id());
      }
    }
    if (sandbox != null) {
      sandboxId = sandbox.id();
      podIp = sandbox.ipAddress();
      hostPorts = ContainerSpecs.decodePorts(sandbox.labels().get(Labels.HOST_PORTS));
      hostPorts.forEach(a -> syncer.ports().reserve(a.getHostPort()));
      volumesReady = true;
      startTime = sandbox.startedAt();
      log.info("pod {}: adopted sandbox {}", name(), shortId(sandbox.id()));
    }
    for (Container c : allContainers(pod)) {
      List<ContainerInfo> runs = new ArrayList<>(byName.getOrDefault(c.getName(), List.of()));
      byName.remove(c.getName());
      if (runs.isEmpty()) {
        continue;
      }
      if (sandbox == null) {
        // Without its namespace the container is useless; the sync makes fresh ones.
        runs.forEach(r -> runtime.remove(r.id()));
        continue;
      }
      runs.sort(Comparator.comparingInt(ContainerSpecs::attemptOf).reversed());
      ContainerInfo latest = runs.get(0);
      ContainerInfo previous = runs.size() > 1 ? runs.get(1) : null;
      KnownContainer rec = state(c.getName());
      rec =
          rec.withAdopted(
              latest,
              ContainerSpecs.attemptOf(latest),
              previous == null ? rec.previousId() : previous.id(),
              previous == null ? rec.lastTerminated() : previous);
      put(c.getName(), rec);
      for (int i = 2; i < runs.size(); i++) {
        runtime.remove(runs.get(i).id());
      }
      log.info(
          "pod {}: adopted container {} ({}, attempt {})",
          name(),
          c.getName(),
          shortId(latest.id()),
          rec.attempt());
    }
    // Containers named in no current spec entry (the spec lost a container): remove them.
    byName.remove(Labels.SANDBOX);
    byName.values().forEach(list -> list.forEach(info -> runtime.remove(info.id())));
  }

  private static String shortId(String id) {
    return id.length() > 12 ? id.substring(0, 12) : id;
  }

  // ------------------------------------------------------------------------------------------
  // Termination
  // ------------------------------------------------------------------------------------------

  /** Graceful stop: SIGTERM, wait up to the grace period, SIGKILL, remove, confirm. */
  private Duration terminate(boolean goneFromStore) {
    Instant now = Instant.now();
    Duration grace = PodActions.grace(pod());
    if (termination == null) {
      termination = PodActions.terminating(null, true, grace, now).termination();
      log.info("pod {}: terminating with a grace period of {}s", name(), grace.toSeconds());
      stopProbes();
      for (Map.Entry<String, KnownContainer> e : states.entrySet()) {
        String id = e.getValue().currentId();
        if (id != null && runtime.inspect(id).map(ContainerInfo::running).orElse(false)) {
          normalEvent(e.getKey(), "Killing", "Stopping container " + e.getKey());
          runtime.signal(id, "TERM");
        }
      }
    }
    boolean anyRunning = false;
    for (KnownContainer known : states.values()) {
      if (known.currentId() != null
          && runtime.inspect(known.currentId()).map(ContainerInfo::running).orElse(false)) {
        anyRunning = true;
      }
    }
    TerminationStep step = PodActions.terminating(termination, anyRunning, grace, now);
    termination = step.termination();
    switch (step.action()) {
      case KILL -> {
        log.info("pod {}: grace period over, killing", name());
        for (KnownContainer known : states.values()) {
          if (known.currentId() != null) {
            runtime.signal(known.currentId(), "KILL");
          }
        }
        return PodActions.TERMINATION_POLL;
      }
      case WAIT -> {
        return PodActions.TERMINATION_POLL;
      }
      case CLEAN_UP -> {
        cleanUp(goneFromStore);
        return null;
      }
      default -> throw new IllegalStateException("unexpected " + step.action());
    }
  }

  /** Removes the stopped pod's containers and files, and confirms its end to the masters. */
  private void cleanUp(boolean goneFromStore) {
    for (ContainerInfo info :
        runtime.list(Map.of(Labels.POD_UID, uid, Labels.NODE, syncer.config().nodeName()))) {
      runtime.remove(info.id());
    }
    hostPorts.forEach(a -> syncer.ports().release(a.getHostPort()));
    try {
      files.deleteAll();
    } catch (IOException e) {
      log.warn("pod {}: could not delete {}: {}", name(), files.podDir(), e.getMessage());
    }
    if (!goneFromStore) {
      Pod pod = pod();
      syncer
          .master()
          .confirmPodTermination(
              pod.getMetadata().getNamespace(), pod.getMetadata().getName(), uid);
    }
    log.info("pod {}: terminated", name());
    terminated = true;
  }

  /** Stops every probe timer; containers keep running. */
  synchronized void stopProbes() {
    for (String container : List.copyOf(states.keySet())) {
      put(container, states.get(container).withoutProbes());
      cancelProbes(container);
    }
  }

  // ------------------------------------------------------------------------------------------
  // Probes
  // ------------------------------------------------------------------------------------------

  /** Starts the probes {@code kinds} of run {@code containerId}, replacing any running ones. */
  private void startProbes(Container c, String containerId, List<ProbeKind> kinds) {
    settleSandboxAddress();
    cancelProbes(c.getName());
    addProbes(c, containerId, kinds);
  }

  private void addProbes(Container c, String containerId, List<ProbeKind> kinds) {
    List<ProbeTask> tasks = probes.computeIfAbsent(c.getName(), n -> new ArrayList<>());
    for (ProbeKind kind : kinds) {
      ProbeTask task = new ProbeTask(c, containerId, kind);
      tasks.add(task);
      task.schedule();
    }
  }

  private void cancelProbes(String container) {
    List<ProbeTask> tasks = probes.remove(container);
    if (tasks != null) {
      tasks.forEach(ProbeTask::cancel);
    }
  }

  /** Periodic checks of one probe of one container run. */
  private final class ProbeTask {
    final Container container;
    final String containerId;
    final Probe probe;
    final ProbeKind kind;
    ProbeCounts counts = ProbeCounts.NONE;
    volatile boolean cancelled;
    ScheduledFuture<?> future;

    ProbeTask(Container container, String containerId, ProbeKind kind) {
      this.container = container;
      this.containerId = containerId;
      this.probe = kind.of(container);
      this.kind = kind;
    }

    void schedule() {
      long period = 1000L * (probe.hasPeriodSeconds() ? Math.max(1, probe.getPeriodSeconds()) : 10);
      long delay = 1000L * Math.max(0, probe.getInitialDelaySeconds());
      future =
          syncer
              .scheduler()
              .scheduleWithFixedDelay(
                  () -> syncer.executor().execute(this::runOnce),
                  delay,
                  period,
                  TimeUnit.MILLISECONDS);
    }

    void cancel() {
      cancelled = true;
      if (future != null) {
        future.cancel(false);
      }
    }

    private void runOnce() {
      if (cancelled) {
        return;
      }
      String ip;
      synchronized (PodExecutor.this) {
        ip = podIp.isEmpty() ? "127.0.0.1" : podIp;
      }
      Prober.Result result = syncer.prober().check(probe, container, containerId, ip);
      ProbeVerdict verdict;
      synchronized (PodExecutor.this) {
        if (cancelled) {
          return;
        }
        String name = container.getName();
        if (!result.success()) {
          warningEvent(name, "Unhealthy", kind.label() + " probe failed: " + result.message());
        }
        ProbeStep step =
            PodActions.probed(pod(), container, kind, counts, result.success(), state(name));
        counts = step.counts();
        put(name, step.state());
        verdict = step.verdict();
        if (verdict == ProbeVerdict.STARTED) {
          cancel();
          probes.getOrDefault(name, new ArrayList<>()).remove(this);
          addProbes(container, containerId, PodActions.afterStartup(container));
        } else if (verdict == ProbeVerdict.KILL) {
          cancel();
        }
      }
      if (verdict != ProbeVerdict.NONE) {
        requestSync.run();
      }
    }
  }

  // ------------------------------------------------------------------------------------------
  // Status
  // ------------------------------------------------------------------------------------------

  private void reportStatus() {
    Pod pod = pod();
    settleSandboxAddress();
    PodStatus status =
        statuses.build(pod, syncer.config().hostIp(), podIp, startTime, hostPorts, states);
    synchronized (statusLock) {
      if (!status.equals(lastStatus)) {
        lastStatus = status;
        offer(pod, status);
      }
    }
  }

  private void offer(Pod pod, PodStatus status) {
    syncer
        .reporter()
        .offer(
            PodStatusUpdate.newBuilder()
                .setNamespace(pod.getMetadata().getNamespace())
                .setName(pod.getMetadata().getName())
                .setUid(uid)
                .setStatus(status)
                .build());
  }

  /**
   * Offers the last computed status to the reporter again. Under the status lock only, so that an
   * older status cannot be offered after a newer one.
   */
  void reportAgain() {
    synchronized (statusLock) {
      if (lastStatus != null) {
        offer(pod(), lastStatus);
      }
    }
  }

  /** The last status computed (for tests and the node summary); never waits for a sync. */
  PodStatus lastStatus() {
    return lastStatus;
  }

  // ------------------------------------------------------------------------------------------
  // Lookups for logs
  // ------------------------------------------------------------------------------------------

  /** Runtime id of the current (or previous) run of a container; null if none. */
  synchronized String containerId(String container, boolean previous) {
    KnownContainer known = states.get(container);
    if (known == null) {
      return null;
    }
    return previous ? known.previousId() : known.currentId();
  }
}
