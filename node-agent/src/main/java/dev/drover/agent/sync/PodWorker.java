package dev.drover.agent.sync;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Timestamp;
import dev.drover.agent.runtime.ContainerInfo;
import dev.drover.agent.runtime.ContainerRuntime;
import dev.drover.agent.runtime.ContainerSpec;
import dev.drover.agent.runtime.ImagePullException;
import dev.drover.agent.runtime.RegistryAuth;
import dev.drover.agent.runtime.RuntimeUnavailableException;
import dev.drover.api.ImageReference;
import dev.drover.api.v1.Condition;
import dev.drover.api.v1.ConditionStatus;
import dev.drover.api.v1.Container;
import dev.drover.api.v1.ContainerPort;
import dev.drover.api.v1.ContainerState;
import dev.drover.api.v1.ContainerStateRunning;
import dev.drover.api.v1.ContainerStateTerminated;
import dev.drover.api.v1.ContainerStateWaiting;
import dev.drover.api.v1.ContainerStatus;
import dev.drover.api.v1.EventType;
import dev.drover.api.v1.HostPortAllocation;
import dev.drover.api.v1.ImagePullPolicy;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodPhase;
import dev.drover.api.v1.PodStatus;
import dev.drover.api.v1.PodStatusUpdate;
import dev.drover.api.v1.Probe;
import dev.drover.api.v1.Protocol;
import dev.drover.api.v1.Volume;
import dev.drover.api.v1.VolumeMount;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HexFormat;
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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives one pod towards its spec, level-triggered: every sync compares what the runtime has with
 * what the pod wants and takes the next step (sandbox, pulls, creation, restarts with back-off,
 * probe-driven kills, graceful termination), then reports the status if it changed. Syncs of one
 * pod never overlap; they run on the syncer's executor when something changes, when a timer
 * (back-off, probe, termination) fires, and every sync period.
 */
final class PodWorker {

  private static final Logger log = LoggerFactory.getLogger(PodWorker.class);
  private static final Duration TERMINATION_POLL = Duration.ofMillis(250);
  private static final long DEFAULT_GRACE_SECONDS = 30;
  private static final Duration ERR_IMAGE_PULL_VISIBLE = Duration.ofSeconds(1);

  private final PodSyncer syncer;
  private final ContainerRuntime runtime;
  private final String uid;
  private final AtomicBoolean queued = new AtomicBoolean();
  private volatile Pod pod;
  private volatile boolean goneFromStore;
  private volatile boolean finished;

  // Everything below is guarded by "this" (only touched inside sync or by probe callbacks).
  private final Map<String, Record> records = new LinkedHashMap<>();
  private boolean adopted;
  private String sandboxId;
  // The sandbox's start while this pass creates the app containers; null when none is pending.
  private PendingSandbox sandboxStart;
  // A sandbox started by this pass whose address is still being read; null when none.
  private PendingSandbox sandboxAddress;
  private String podIp = "";
  private List<HostPortAllocation> hostPorts = List.of();
  private boolean volumesReady;
  // Set when a sandbox may have been left behind by a failed or replaced attempt.
  private boolean straySandboxes;
  private Instant startTime;
  private Instant terminationDeadline;
  private boolean killSent;
  private final Map<String, Instant> conditionTimes = new HashMap<>();
  private final Map<String, Boolean> conditionValues = new HashMap<>();
  private PodStatus lastStatus;
  private final WakeupTimer wakeup;

  PodWorker(PodSyncer syncer, Pod pod) {
    this.syncer = syncer;
    this.runtime = syncer.runtime();
    this.pod = pod;
    this.uid = pod.getMetadata().getUid();
    this.wakeup = new WakeupTimer(syncer.scheduler(), this::requestSync);
    // A pod first seen after the initial list was swept can only have containers this agent
    // process made: no need to look for ones to adopt (one Docker call less per new pod).
    this.adopted = syncer.initialListSwept();
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
    synchronized (this) {
      if (finished) {
        return;
      }
      Duration next = syncer.config().syncPeriod();
      try {
        Duration asked = sync();
        if (asked != null && asked.compareTo(next) < 0) {
          next = asked;
        }
      } catch (RuntimeUnavailableException e) {
        log.debug("pod {}: runtime unavailable: {}", name(), e.getMessage());
        syncer.runtimeFailed();
      } catch (RuntimeException e) {
        log.warn("pod {}: sync failed, will retry", name(), e);
      }
      if (!finished) {
        wakeup.wakeIn(next);
      }
      log.trace("pod {}: synced, next in {}", name(), next);
    }
  }

  private String name() {
    return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
  }

  // ------------------------------------------------------------------------------------------
  // The sync itself
  // ------------------------------------------------------------------------------------------

  /** One level-triggered pass; returns when the next pass is wanted (null: the sync period). */
  private Duration sync() {
    if (!adopted) {
      adopt();
      adopted = true;
    }
    if (goneFromStore || pod.getMetadata().hasDeletionTime()) {
      return terminate();
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
    PodInputs inputs = null;
    List<Container> containers = pod.getSpec().getContainersList();
    for (int i = 0; i < containers.size(); i++) {
      if (sandboxId == null && !pod.getSpec().getHostNetwork()) {
        // The sandbox failed to start while the containers before this one were made.
        break;
      }
      Container c = containers.get(i);
      Record rec = records.computeIfAbsent(c.getName(), n -> new Record(syncer.config()));
      Duration asked = syncContainer(c, i, rec, inputs == null ? null : inputs);
      if (rec.inputs != null) {
        inputs = rec.inputs;
        rec.inputs = null;
      }
      if (asked != null && (next == null || asked.compareTo(next) < 0)) {
        next = asked;
      }
    }
    if (!awaitSandbox()) {
      reportStatus();
      return syncer.config().syncPeriod();
    }
    reportStatus();
    return next;
  }

  /** Steps one container; returns the delay of a timer it needs, or null. */
  /**
   * Records why a container could not be created or started: its waiting reason for the status and
   * a Warning event. Returns null, the "no timed re-sync needed" answer of the sync steps.
   */
  private Duration failed(Container c, Record rec, String reason, String message) {
    rec.waiting = new Waiting(reason, message);
    warningEvent(c.getName(), "Failed", message);
    return null;
  }

  /** Records a Normal event about one container of the pod. */
  private void normalEvent(String container, String reason, String message) {
    syncer.reporter().event(pod, container, EventType.EVENT_TYPE_NORMAL, reason, message);
  }

  /** Records a Warning event about one container of the pod. */
  private void warningEvent(String container, String reason, String message) {
    syncer.reporter().event(pod, container, EventType.EVENT_TYPE_WARNING, reason, message);
  }

  private Duration syncContainer(Container c, int index, Record rec, PodInputs known) {
    Instant now = Instant.now();
    ContainerInfo info = rec.currentId == null ? null : runtime.inspect(rec.currentId).orElse(null);
    if (rec.currentId != null && info == null) {
      // Removed behind our back: it has to be created again.
      log.info("pod {}: container {} disappeared", name(), c.getName());
      rec.currentId = null;
      rec.stopProbes();
    }
    if (info != null && info.state() == ContainerInfo.State.CREATED) {
      if (!awaitSandbox()) {
        return null;
      }
      runtime.start(info.id());
      info = runtime.inspect(info.id()).orElse(info);
    }
    if (info != null && info.running()) {
      rec.current = info;
      rec.waiting = null;
      if (!info.id().equals(rec.probesFor)) {
        startProbes(c, rec, info.id());
      }
      if (rec.killReason == null && specChanged(c, info)) {
        rec.killReason = "Container " + c.getName() + " definition changed, will be restarted";
        rec.killDeadline = null;
        rec.killGrace = Duration.ofSeconds(graceSeconds());
        rec.replaceForSpec = true;
      }
      if (rec.killReason != null) {
        if (rec.killDeadline == null) {
          normalEvent(c.getName(), "Killing", rec.killReason);
          runtime.signal(info.id(), "TERM");
          rec.killDeadline = now.plus(rec.killGrace);
        } else if (!now.isBefore(rec.killDeadline)) {
          runtime.signal(info.id(), "KILL");
        }
        return TERMINATION_POLL;
      }
      return null;
    }
    if (info != null) {
      // Exited.
      rec.current = info;
      rec.stopProbes();
      if (!info.id().equals(rec.exitSeenFor)) {
        rec.exitSeenFor = info.id();
        rec.killReason = null;
        rec.killDeadline = null;
        if (!rec.replaceForSpec) {
          // Replacing a container for a new spec is not a failure: no back-off for it.
          Instant finished = info.finishedAt() == null ? now : info.finishedAt();
          Duration ran =
              info.startedAt() == null
                  ? Duration.ZERO
                  : Duration.between(info.startedAt(), finished);
          rec.restartBackoff.failed(finished, ran);
          rec.backoffEventSent = false;
        }
      }
      if (rec.replaceForSpec) {
        // Falls through to the creation below whatever the restart policy (as the kubelet).
        rec.waiting = null;
      } else if (!shouldRestart(info)) {
        rec.waiting = null;
        return null;
      }
      if (rec.restartBackoff.waiting(now)) {
        Duration delay = rec.restartBackoff.lastDelay();
        rec.waiting =
            new Waiting(
                "CrashLoopBackOff",
                "back-off "
                    + delay.toMillis() / 1000.0
                    + "s restarting failed container "
                    + c.getName());
        if (!rec.backoffEventSent) {
          rec.backoffEventSent = true;
          warningEvent(c.getName(), "BackOff", rec.waiting.message());
        }
        return Duration.between(now, rec.restartBackoff.until());
      }
    }
    // Create (first run or restart).
    if (rec.currentId == null
        && rec.current != null
        && !rec.replaceForSpec
        && !shouldRestart(rec.current)) {
      return null;
    }
    if (rec.pullBackoff.waiting(now)) {
      // ErrImagePull stays visible for a moment (longer than a status flush) before the
      // waiting reason turns into ImagePullBackOff.
      Instant backOffShownAt = rec.pullFailedAt.plus(ERR_IMAGE_PULL_VISIBLE);
      if (now.isBefore(backOffShownAt)) {
        return Duration.between(now, backOffShownAt);
      }
      rec.waiting =
          new Waiting(
              "ImagePullBackOff",
              "Back-off "
                  + rec.pullBackoff.lastDelay().toMillis()
                  + "ms pulling image \""
                  + c.getImage()
                  + "\"");
      return Duration.between(now, rec.pullBackoff.until());
    }
    PodInputs inputs = known;
    try {
      if (inputs == null) {
        inputs = PodInputs.fetch(pod, syncer.master());
        rec.inputs = inputs;
      }
    } catch (RuntimeException e) {
      rec.waiting =
          new Waiting("ContainerCreating", "fetching Secrets and ConfigMaps: " + e.getMessage());
      return null;
    }
    if (!ensureImage(c, rec, inputs, now)) {
      return rec.pullBackoff.waiting(now) ? ERR_IMAGE_PULL_VISIBLE : null;
    }
    ContainerSpec spec;
    try {
      if (!volumesReady) {
        prepareVolumes(inputs);
        volumesReady = true;
      }
      spec = containerSpec(c, index, rec.nextAttempt(), inputs);
    } catch (PodInputs.ConfigError | IllegalArgumentException e) {
      return failed(c, rec, "CreateContainerConfigError", e.getMessage());
    } catch (IOException e) {
      rec.waiting = new Waiting("CreateContainerError", "preparing volumes: " + e.getMessage());
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
      return failed(c, rec, "CreateContainerError", e.getMessage());
    }
    normalEvent(c.getName(), "Created", "Created container " + c.getName());
    boolean restart = rec.current != null || rec.attempt > 0 || rec.currentId != null;
    if (rec.previousId != null) {
      // Keep one dead container per container (for "logs --previous"), like the kubelet.
      runtime.remove(rec.previousId);
    }
    if (rec.current != null && rec.current.state() == ContainerInfo.State.EXITED) {
      rec.previousId = rec.current.id();
      rec.lastTerminated = rec.current;
    }
    if (restart) {
      rec.restartCount++;
    }
    rec.attempt =
        spec.labels().containsKey(Labels.ATTEMPT)
            ? Integer.parseInt(spec.labels().get(Labels.ATTEMPT))
            : 0;
    rec.currentId = id;
    rec.current = null;
    rec.replaceForSpec = false;
    rec.waiting = new Waiting("ContainerCreating", "");
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
      return failed(c, rec, "RunContainerError", e.getMessage());
    }
    normalEvent(c.getName(), "Started", "Started container " + c.getName());
    runtime
        .inspect(id)
        .ifPresent(
            i -> {
              rec.current = i;
              if (i.running()) {
                rec.waiting = null;
                startProbes(c, rec, id);
              }
            });
    // Look again soon: a container that dies at once should show up quickly.
    return Duration.ofMillis(500);
  }

  /**
   * True when a container was created from another definition than the pod's current one. A
   * container without the label (made by an older agent) is never replaced for this reason.
   */
  private static boolean specChanged(Container c, ContainerInfo info) {
    String created = info.labels().get(Labels.SPEC_HASH);
    return created != null && !created.equals(specHash(c));
  }

  /** A stable hash of a container's definition: deterministic serialization, then SHA-256. */
  static String specHash(Container c) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      CodedOutputStream out = CodedOutputStream.newInstance(bytes);
      // Map fields (e.g. resource limits) serialize in key order only in deterministic mode.
      out.useDeterministicSerialization();
      c.writeTo(out);
      out.flush();
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes.toByteArray());
      return HexFormat.of().formatHex(digest, 0, 8);
    } catch (IOException | NoSuchAlgorithmException e) {
      throw new IllegalStateException("hashing a container spec", e);
    }
  }

  private boolean shouldRestart(ContainerInfo exited) {
    return switch (pod.getSpec().getRestartPolicy()) {
      case RESTART_POLICY_NEVER -> false;
      case RESTART_POLICY_ON_FAILURE -> exited.exitCode() != 0;
      default -> true;
    };
  }

  /** Makes sure the image is there per pull policy; false (with a waiting reason) if not. */
  private boolean ensureImage(Container c, Record rec, PodInputs inputs, Instant now) {
    ImagePullPolicy policy = effectivePolicy(c);
    boolean present =
        policy != ImagePullPolicy.IMAGE_PULL_POLICY_ALWAYS && imagePresent(c.getImage());
    if (present) {
      return true;
    }
    if (policy == ImagePullPolicy.IMAGE_PULL_POLICY_NEVER) {
      rec.waiting =
          new Waiting(
              "ErrImageNeverPull",
              "image " + c.getImage() + " is not present and the pull policy is Never");
      return false;
    }
    RegistryAuth auth = inputs.registryAuth(pod, c.getImage()).orElse(null);
    normalEvent(c.getName(), "Pulling", "Pulling image \"" + c.getImage() + "\"");
    try {
      long started = System.nanoTime();
      runtime.pullImage(c.getImage(), auth, syncer.config().pullTimeout());
      syncer.images().present(c.getImage());
      rec.pullBackoff.reset();
      normalEvent(
          c.getName(),
          "Pulled",
          "Successfully pulled image "
              + c.getImage()
              + " in "
              + (System.nanoTime() - started) / 1_000_000
              + "ms");
      return true;
    } catch (ImagePullException e) {
      Duration delay = rec.pullBackoff.failed(now, Duration.ZERO);
      rec.waiting = new Waiting("ErrImagePull", e.getMessage());
      rec.pullFailedAt = now;
      warningEvent(c.getName(), "Failed", e.getMessage());
      normalEvent(
          c.getName(),
          "BackOff",
          "Back-off " + delay.toMillis() + "ms pulling image " + c.getImage());
      return false;
    }
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

  private static ImagePullPolicy effectivePolicy(Container c) {
    if (c.getImagePullPolicy() != ImagePullPolicy.IMAGE_PULL_POLICY_UNSPECIFIED) {
      return c.getImagePullPolicy();
    }
    // Kubernetes' default: Always for ":latest" or no tag, IfNotPresent otherwise.
    boolean latest =
        ImageReference.tryParse(c.getImage())
            .map(r -> r.digest().isEmpty() && r.effectiveTag().orElse("").equals("latest"))
            .orElse(false);
    return latest
        ? ImagePullPolicy.IMAGE_PULL_POLICY_ALWAYS
        : ImagePullPolicy.IMAGE_PULL_POLICY_IF_NOT_PRESENT;
  }

  // ------------------------------------------------------------------------------------------
  // Sandbox, volumes, container specs
  // ------------------------------------------------------------------------------------------

  /** Makes sure the pod's network namespace exists; false when it could not be made yet. */
  private boolean ensureSandbox() {
    if (pod.getSpec().getHostNetwork()) {
      podIp = syncer.config().hostIp();
      if (hostPorts.isEmpty()) {
        List<HostPortAllocation> ports = new ArrayList<>();
        for (Container c : pod.getSpec().getContainersList()) {
          for (ContainerPort p : c.getPortsList()) {
            ports.add(allocation(c.getName(), p, p.getContainerPort()));
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
      for (Record rec : records.values()) {
        rec.stopProbes();
        if (rec.currentId != null) {
          ContainerInfo app = runtime.inspect(rec.currentId).orElse(null);
          if (app != null && app.running()) {
            runtime.signal(rec.currentId, "KILL");
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
        for (Container c : pod.getSpec().getContainersList()) {
          records.computeIfAbsent(c.getName(), n -> new Record(syncer.config())).waiting =
              new Waiting("ContainerCreating", "sandbox image: " + e.getMessage());
        }
        return false;
      }
    }
    List<HostPortAllocation> ports = new ArrayList<>();
    List<ContainerSpec.PortBinding> bindings = new ArrayList<>();
    try {
      for (Container c : pod.getSpec().getContainersList()) {
        for (ContainerPort p : c.getPortsList()) {
          int host = p.getHostPort();
          if (host == 0 && syncer.ports().enabled()) {
            host = syncer.ports().allocate();
          } else if (host != 0) {
            syncer.ports().reserve(host);
          }
          if (host != 0) {
            HostPortAllocation a = allocation(c.getName(), p, host);
            ports.add(a);
            bindings.add(
                new ContainerSpec.PortBinding(
                    p.getContainerPort(), host, protocolName(a.getProtocol())));
          }
        }
      }
    } catch (IllegalStateException e) {
      ports.forEach(a -> syncer.ports().release(a.getHostPort()));
      log.warn("pod {}: {}", name(), e.getMessage());
      return false;
    }
    Map<String, String> labels = baseLabels(Labels.SANDBOX);
    labels.put(Labels.HOST_PORTS, encodePorts(ports));
    String hostname =
        pod.getSpec().getHostname().isEmpty()
            ? pod.getMetadata().getName()
            : pod.getSpec().getHostname();
    ContainerSpec spec =
        new ContainerSpec(
            containerName(Labels.SANDBOX.substring(1), 0)
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
            List.of());
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
                started.completeExceptionally(e);
                ip.completeExceptionally(e);
                throw e;
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
    for (Record rec : records.values()) {
      if (rec.currentId != null && pending.joined().contains(rec.currentId)) {
        try {
          runtime.remove(rec.currentId);
        } catch (RuntimeException e) {
          // Labelled with the pod: the orphan sweep removes it once the pod is gone.
          log.debug("pod {}: could not remove {}: {}", name(), rec.currentId, e.getMessage());
        }
        rec.currentId = null;
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
    for (Container c : pod.getSpec().getContainersList()) {
      records.computeIfAbsent(c.getName(), n -> new Record(syncer.config())).waiting =
          new Waiting("ContainerCreating", "sandbox: " + e.getMessage());
    }
    return false;
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

  private static HostPortAllocation allocation(String container, ContainerPort p, int hostPort) {
    return HostPortAllocation.newBuilder()
        .setContainerName(container)
        .setContainerPort(p.getContainerPort())
        .setHostPort(hostPort)
        .setProtocol(
            p.getProtocol() == Protocol.PROTOCOL_UDP
                ? Protocol.PROTOCOL_UDP
                : Protocol.PROTOCOL_TCP)
        .build();
  }

  private static String protocolName(Protocol p) {
    return p == Protocol.PROTOCOL_UDP ? "UDP" : "TCP";
  }

  private static String encodePorts(List<HostPortAllocation> ports) {
    return String.join(
        ",",
        ports.stream()
            .map(
                a ->
                    a.getContainerName()
                        + ":"
                        + a.getContainerPort()
                        + ":"
                        + a.getHostPort()
                        + ":"
                        + protocolName(a.getProtocol()))
            .toList());
  }

  private static List<HostPortAllocation> decodePorts(String text) {
    List<HostPortAllocation> out = new ArrayList<>();
    if (text == null || text.isEmpty()) {
      return out;
    }
    for (String part : text.split(",")) {
      String[] f = part.split(":");
      if (f.length != 4) {
        continue;
      }
      out.add(
          HostPortAllocation.newBuilder()
              .setContainerName(f[0])
              .setContainerPort(Integer.parseInt(f[1]))
              .setHostPort(Integer.parseInt(f[2]))
              .setProtocol("UDP".equals(f[3]) ? Protocol.PROTOCOL_UDP : Protocol.PROTOCOL_TCP)
              .build());
    }
    return out;
  }

  private Path podDir() {
    return syncer.config().dataDir().resolve("pods").resolve(uid);
  }

  private Path volumeDir(String volume) {
    return podDir().resolve("volumes").resolve(volume);
  }

  /** Creates emptyDir directories and writes ConfigMap and Secret files. */
  private void prepareVolumes(PodInputs inputs) throws IOException, PodInputs.ConfigError {
    List<Volume> volumes = pod.getSpec().getVolumesList();
    for (int i = 0; i < volumes.size(); i++) {
      Volume v = volumes.get(i);
      if (v.hasEmptyDir()) {
        Files.createDirectories(volumeDir(v.getName()));
      } else if (v.hasHostPath()) {
        String type = v.getHostPath().getType();
        Path path = Path.of(v.getHostPath().getPath());
        if ("DirectoryOrCreate".equals(type)) {
          Files.createDirectories(path);
        } else if ("Directory".equals(type) && !Files.isDirectory(path)) {
          throw new PodInputs.ConfigError(
              "spec.volumes[" + i + "].host_path.path: " + path + " is not a directory");
        } else if ("File".equals(type) && !Files.isRegularFile(path)) {
          throw new PodInputs.ConfigError(
              "spec.volumes[" + i + "].host_path.path: " + path + " is not a file");
        } else if ("FileOrCreate".equals(type) && !Files.exists(path)) {
          Files.createDirectories(path.getParent());
          Files.createFile(path);
        }
      } else if (v.hasConfigMap() || v.hasSecret()) {
        Map<String, PodInputs.FileContent> files = inputs.volumeFiles(v, i);
        Path dir = volumeDir(v.getName());
        deleteTree(dir);
        Files.createDirectories(dir);
        for (Map.Entry<String, PodInputs.FileContent> f : files.entrySet()) {
          Path file = dir.resolve(f.getKey());
          Files.createDirectories(file.getParent());
          Files.write(file, f.getValue().data());
          try {
            Files.setPosixFilePermissions(file, permissions(f.getValue().mode()));
          } catch (UnsupportedOperationException e) {
            // Not a POSIX file system: keep the default mode.
          }
        }
      }
    }
  }

  private static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] order = {
      PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE,
          PosixFilePermission.OTHERS_READ,
      PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.GROUP_READ,
      PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE,
          PosixFilePermission.OWNER_READ
    };
    for (int bit = 0; bit < order.length; bit++) {
      if ((mode & (1 << bit)) != 0) {
        set.add(order[bit]);
      }
    }
    return set;
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private ContainerSpec containerSpec(Container c, int index, int attempt, PodInputs inputs)
      throws PodInputs.ConfigError {
    Map<String, String> labels = baseLabels(c.getName());
    labels.put(Labels.ATTEMPT, Integer.toString(attempt));
    labels.put(Labels.SPEC_HASH, specHash(c));
    String prefix = "spec.containers[" + index + "].resources.limits";
    long nanoCpus = Limits.nanoCpus(c.getResources().getLimitsMap().get("cpu"), prefix + "[cpu]");
    long memory =
        Limits.memoryBytes(c.getResources().getLimitsMap().get("memory"), prefix + "[memory]");
    List<ContainerSpec.Mount> mounts = new ArrayList<>();
    for (int m = 0; m < c.getVolumeMountsCount(); m++) {
      VolumeMount vm = c.getVolumeMounts(m);
      String field = "spec.containers[" + index + "].volume_mounts[" + m + "].name";
      Volume v =
          pod.getSpec().getVolumesList().stream()
              .filter(x -> x.getName().equals(vm.getName()))
              .findFirst()
              .orElseThrow(
                  () ->
                      new PodInputs.ConfigError(
                          field + ": no volume named \"" + vm.getName() + "\""));
      Path source;
      boolean readOnly = vm.getReadOnly();
      if (v.hasHostPath()) {
        source = Path.of(v.getHostPath().getPath());
      } else {
        source = volumeDir(v.getName());
        readOnly |= v.hasConfigMap() || v.hasSecret();
      }
      if (!vm.getSubPath().isEmpty()) {
        source = source.resolve(vm.getSubPath());
      }
      mounts.add(new ContainerSpec.Mount(source.toString(), vm.getMountPath(), readOnly));
    }
    ContainerSpec.Network network =
        pod.getSpec().getHostNetwork()
            ? new ContainerSpec.HostNetwork()
            : new ContainerSpec.JoinNetwork(Objects.requireNonNull(sandboxId, "sandbox"));
    return new ContainerSpec(
        containerName(c.getName(), attempt),
        c.getImage(),
        labels,
        c.getCommandList(),
        c.getArgsList(),
        inputs.environment(c, index),
        c.getWorkingDir(),
        network,
        "",
        List.of(),
        nanoCpus,
        memory,
        mounts);
  }

  private Map<String, String> baseLabels(String container) {
    Map<String, String> labels = new HashMap<>();
    labels.put(Labels.POD_UID, uid);
    labels.put(Labels.POD_NAMESPACE, pod.getMetadata().getNamespace());
    labels.put(Labels.POD_NAME, pod.getMetadata().getName());
    labels.put(Labels.CONTAINER_NAME, container);
    labels.put(Labels.NODE, syncer.config().nodeName());
    return labels;
  }

  private String containerName(String container, int attempt) {
    return "drover_"
        + pod.getMetadata().getNamespace()
        + "_"
        + pod.getMetadata().getName()
        + "_"
        + container
        + "_"
        + uid.substring(0, Math.min(8, uid.length()))
        + "_"
        + attempt;
  }

  // ------------------------------------------------------------------------------------------
  // Adoption
  // ------------------------------------------------------------------------------------------

  /** Takes over containers a previous agent left for this pod, without restarting them. */
  private void adopt() {
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
      hostPorts = decodePorts(sandbox.labels().get(Labels.HOST_PORTS));
      hostPorts.forEach(a -> syncer.ports().reserve(a.getHostPort()));
      volumesReady = true;
      startTime = sandbox.startedAt();
      log.info("pod {}: adopted sandbox {}", name(), shortId(sandbox.id()));
    }
    for (Container c : pod.getSpec().getContainersList()) {
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
      runs.sort(Comparator.comparingInt(PodWorker::attemptOf).reversed());
      Record rec = records.computeIfAbsent(c.getName(), n -> new Record(syncer.config()));
      ContainerInfo latest = runs.get(0);
      rec.currentId = latest.id();
      rec.current = latest;
      rec.attempt = attemptOf(latest);
      rec.restartCount = rec.attempt;
      if (runs.size() > 1) {
        rec.previousId = runs.get(1).id();
        rec.lastTerminated = runs.get(1);
      }
      for (int i = 2; i < runs.size(); i++) {
        runtime.remove(runs.get(i).id());
      }
      log.info(
          "pod {}: adopted container {} ({}, attempt {})",
          name(),
          c.getName(),
          shortId(latest.id()),
          rec.attempt);
    }
    // Containers named in no current spec entry (the spec lost a container): remove them.
    byName.remove(Labels.SANDBOX);
    byName.values().forEach(list -> list.forEach(info -> runtime.remove(info.id())));
  }

  private static int attemptOf(ContainerInfo info) {
    try {
      return Integer.parseInt(info.labels().getOrDefault(Labels.ATTEMPT, "0"));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static String shortId(String id) {
    return id.length() > 12 ? id.substring(0, 12) : id;
  }

  // ------------------------------------------------------------------------------------------
  // Termination
  // ------------------------------------------------------------------------------------------

  /** Graceful stop: SIGTERM, wait up to the grace period, SIGKILL, remove, confirm. */
  private Duration terminate() {
    Instant now = Instant.now();
    if (terminationDeadline == null) {
      long grace = graceSeconds();
      terminationDeadline = now.plusSeconds(grace);
      log.info("pod {}: terminating with a grace period of {}s", name(), grace);
      records.values().forEach(Record::stopProbes);
      for (Map.Entry<String, Record> e : records.entrySet()) {
        String id = e.getValue().currentId;
        if (id != null && runtime.inspect(id).map(ContainerInfo::running).orElse(false)) {
          normalEvent(e.getKey(), "Killing", "Stopping container " + e.getKey());
          runtime.signal(id, "TERM");
        }
      }
    }
    boolean allStopped = true;
    for (Record rec : records.values()) {
      if (rec.currentId != null
          && runtime.inspect(rec.currentId).map(ContainerInfo::running).orElse(false)) {
        allStopped = false;
      }
    }
    if (!allStopped) {
      if (!now.isBefore(terminationDeadline) && !killSent) {
        log.info("pod {}: grace period over, killing", name());
        for (Record rec : records.values()) {
          if (rec.currentId != null) {
            runtime.signal(rec.currentId, "KILL");
          }
        }
        killSent = true;
      }
      return TERMINATION_POLL;
    }
    for (ContainerInfo info :
        runtime.list(Map.of(Labels.POD_UID, uid, Labels.NODE, syncer.config().nodeName()))) {
      runtime.remove(info.id());
    }
    hostPorts.forEach(a -> syncer.ports().release(a.getHostPort()));
    try {
      deleteTree(podDir());
    } catch (IOException e) {
      log.warn("pod {}: could not delete {}: {}", name(), podDir(), e.getMessage());
    }
    if (!goneFromStore) {
      syncer
          .master()
          .confirmPodTermination(
              pod.getMetadata().getNamespace(), pod.getMetadata().getName(), uid);
    }
    log.info("pod {}: terminated", name());
    finished = true;
    wakeup.cancel();
    syncer.workerFinished(this);
    return null;
  }

  private long graceSeconds() {
    if (pod.getMetadata().hasDeletionGracePeriodSeconds()) {
      return Math.max(0, pod.getMetadata().getDeletionGracePeriodSeconds());
    }
    if (pod.getSpec().hasTerminationGracePeriodSeconds()) {
      return Math.max(0, pod.getSpec().getTerminationGracePeriodSeconds());
    }
    return DEFAULT_GRACE_SECONDS;
  }

  /** Stops probe timers; used when the agent closes (containers keep running). */
  synchronized void stop() {
    finished = true;
    records.values().forEach(Record::stopProbes);
    wakeup.cancel();
  }

  // ------------------------------------------------------------------------------------------
  // Probes
  // ------------------------------------------------------------------------------------------

  private void startProbes(Container c, Record rec, String containerId) {
    settleSandboxAddress();
    rec.stopProbes();
    rec.probesFor = containerId;
    rec.started = !c.hasStartupProbe();
    rec.ready = !c.hasReadinessProbe();
    if (c.hasStartupProbe()) {
      rec.probes.add(new ProbeTask(c, rec, containerId, c.getStartupProbe(), Kind.STARTUP));
    } else {
      startLiveAndReady(c, rec, containerId);
    }
    rec.probes.forEach(ProbeTask::schedule);
  }

  private void startLiveAndReady(Container c, Record rec, String containerId) {
    if (c.hasLivenessProbe()) {
      rec.probes.add(new ProbeTask(c, rec, containerId, c.getLivenessProbe(), Kind.LIVENESS));
    }
    if (c.hasReadinessProbe()) {
      rec.probes.add(new ProbeTask(c, rec, containerId, c.getReadinessProbe(), Kind.READINESS));
    }
  }

  private enum Kind {
    STARTUP,
    LIVENESS,
    READINESS
  }

  /** Periodic checks of one probe of one container run. */
  private final class ProbeTask {
    final Container container;
    final Record rec;
    final String containerId;
    final Probe probe;
    final Kind kind;
    int successes;
    int failures;
    volatile boolean cancelled;
    ScheduledFuture<?> future;

    ProbeTask(Container container, Record rec, String containerId, Probe probe, Kind kind) {
      this.container = container;
      this.rec = rec;
      this.containerId = containerId;
      this.probe = probe;
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
      synchronized (PodWorker.this) {
        ip = podIp.isEmpty() ? "127.0.0.1" : podIp;
      }
      Prober.Result result = syncer.prober().check(probe, container, containerId, ip);
      boolean changed = false;
      synchronized (PodWorker.this) {
        if (cancelled) {
          return;
        }
        int successThreshold =
            probe.hasSuccessThreshold() ? Math.max(1, probe.getSuccessThreshold()) : 1;
        int failureThreshold =
            probe.hasFailureThreshold() ? Math.max(1, probe.getFailureThreshold()) : 3;
        if (result.success()) {
          successes++;
          failures = 0;
        } else {
          failures++;
          successes = 0;
          warningEvent(
              container.getName(), "Unhealthy", kindName() + " probe failed: " + result.message());
        }
        switch (kind) {
          case STARTUP -> {
            if (successes >= 1) {
              rec.started = true;
              cancel();
              rec.probes.remove(this);
              List<ProbeTask> before = new ArrayList<>(rec.probes);
              startLiveAndReady(container, rec, containerId);
              rec.probes.stream().filter(p -> !before.contains(p)).forEach(ProbeTask::schedule);
              changed = true;
            } else if (failures >= failureThreshold) {
              requestKill(
                  "Container " + container.getName() + " failed startup probe, will be restarted");
              cancel();
              changed = true;
            }
          }
          case LIVENESS -> {
            if (failures >= failureThreshold) {
              requestKill(
                  "Container " + container.getName() + " failed liveness probe, will be restarted");
              cancel();
              changed = true;
            }
          }
          case READINESS -> {
            if (successes >= successThreshold && !rec.ready) {
              rec.ready = true;
              changed = true;
            } else if (failures >= failureThreshold && rec.ready) {
              rec.ready = false;
              changed = true;
            }
          }
          default -> throw new IllegalStateException(kind.toString());
        }
      }
      if (changed) {
        requestSync();
      }
    }

    private void requestKill(String reason) {
      rec.killReason = reason;
      rec.killDeadline = null;
      long grace =
          probe.hasTerminationGracePeriodSeconds()
              ? probe.getTerminationGracePeriodSeconds()
              : pod.getSpec().hasTerminationGracePeriodSeconds()
                  ? pod.getSpec().getTerminationGracePeriodSeconds()
                  : DEFAULT_GRACE_SECONDS;
      rec.killGrace = Duration.ofSeconds(Math.max(0, grace));
    }

    private String kindName() {
      return switch (kind) {
        case STARTUP -> "Startup";
        case LIVENESS -> "Liveness";
        case READINESS -> "Readiness";
      };
    }
  }

  // ------------------------------------------------------------------------------------------
  // Status
  // ------------------------------------------------------------------------------------------

  private void reportStatus() {
    settleSandboxAddress();
    PodStatus status = buildStatus();
    if (!status.equals(lastStatus)) {
      lastStatus = status;
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
  }

  /** Offers the last computed status to the reporter again. */
  synchronized void reportAgain() {
    if (lastStatus != null) {
      syncer
          .reporter()
          .offer(
              PodStatusUpdate.newBuilder()
                  .setNamespace(pod.getMetadata().getNamespace())
                  .setName(pod.getMetadata().getName())
                  .setUid(uid)
                  .setStatus(lastStatus)
                  .build());
    }
  }

  /** The last status computed (for tests and the node summary). */
  synchronized PodStatus lastStatus() {
    return lastStatus;
  }

  private PodStatus buildStatus() {
    PodStatus.Builder b = PodStatus.newBuilder();
    b.setHostIp(syncer.config().hostIp());
    b.setPodIp(pod.getSpec().getHostNetwork() ? syncer.config().hostIp() : podIp);
    if (startTime != null) {
      b.setStartTime(ts(startTime));
    }
    b.addAllHostPorts(hostPorts);
    boolean allReady = true;
    boolean anyRunning = false;
    boolean anyStarted = false;
    boolean allTerminal = true;
    boolean anyFailed = false;
    for (Container c : pod.getSpec().getContainersList()) {
      Record rec = records.get(c.getName());
      ContainerStatus.Builder cs =
          ContainerStatus.newBuilder().setName(c.getName()).setImage(c.getImage());
      if (rec == null) {
        cs.setState(waiting("ContainerCreating", ""));
        allReady = false;
        allTerminal = false;
        b.addContainerStatuses(cs);
        continue;
      }
      cs.setRestartCount(rec.restartCount);
      ContainerInfo info = rec.current;
      if (info != null) {
        cs.setContainerId("docker://" + info.id());
        cs.setImageId(info.imageId() == null ? "" : info.imageId());
      }
      if (rec.lastTerminated != null) {
        cs.setLastState(ContainerState.newBuilder().setTerminated(terminated(rec.lastTerminated)));
      }
      boolean ready = false;
      if (info != null && info.running()) {
        cs.setState(
            ContainerState.newBuilder()
                .setRunning(ContainerStateRunning.newBuilder().setStartedAt(ts(info.startedAt()))));
        anyRunning = true;
        anyStarted = true;
        allTerminal = false;
        cs.setStarted(rec.started);
        ready = rec.started && rec.ready && rec.killReason == null;
      } else if (rec.waiting != null) {
        cs.setState(waiting(rec.waiting.reason(), rec.waiting.message()));
        allTerminal = false;
        if (info != null && info.state() == ContainerInfo.State.EXITED) {
          // Waiting to restart: show the run that just ended as the last state.
          cs.setLastState(ContainerState.newBuilder().setTerminated(terminated(info)));
          anyStarted = true;
        }
      } else if (info != null && info.state() == ContainerInfo.State.EXITED) {
        cs.setState(ContainerState.newBuilder().setTerminated(terminated(info)));
        anyStarted = true;
        if (shouldRestart(info)) {
          allTerminal = false;
        } else if (info.exitCode() != 0) {
          anyFailed = true;
        }
      } else {
        cs.setState(waiting("ContainerCreating", ""));
        allTerminal = false;
      }
      cs.setReady(ready);
      allReady &= ready;
      b.addContainerStatuses(cs);
    }
    if (pod.getSpec().getContainersCount() > 0 && allTerminal) {
      b.setPhase(anyFailed ? PodPhase.POD_PHASE_FAILED : PodPhase.POD_PHASE_SUCCEEDED);
    } else if (anyRunning || anyStarted) {
      b.setPhase(PodPhase.POD_PHASE_RUNNING);
    } else {
      b.setPhase(PodPhase.POD_PHASE_PENDING);
    }
    b.addConditions(condition("Initialized", true));
    b.addConditions(condition("ContainersReady", allReady));
    b.addConditions(condition("Ready", allReady));
    b.setObservedGeneration(pod.getMetadata().getGeneration());
    return b.build();
  }

  private Condition condition(String type, boolean value) {
    Boolean before = conditionValues.get(type);
    if (before == null || before != value) {
      conditionValues.put(type, value);
      conditionTimes.put(type, Instant.now());
    }
    return Condition.newBuilder()
        .setType(type)
        .setStatus(
            value ? ConditionStatus.CONDITION_STATUS_TRUE : ConditionStatus.CONDITION_STATUS_FALSE)
        .setLastTransitionTime(ts(conditionTimes.get(type)))
        .build();
  }

  private static ContainerState waiting(String reason, String message) {
    return ContainerState.newBuilder()
        .setWaiting(ContainerStateWaiting.newBuilder().setReason(reason).setMessage(message))
        .build();
  }

  private static ContainerStateTerminated terminated(ContainerInfo info) {
    String reason = info.oomKilled() ? "OOMKilled" : info.exitCode() == 0 ? "Completed" : "Error";
    ContainerStateTerminated.Builder t =
        ContainerStateTerminated.newBuilder()
            .setExitCode(info.exitCode())
            .setReason(reason)
            .setMessage(info.error())
            .setContainerId("docker://" + info.id());
    if (info.exitCode() > 128 && info.exitCode() < 160) {
      t.setSignal(info.exitCode() - 128);
    }
    if (info.startedAt() != null) {
      t.setStartedAt(ts(info.startedAt()));
    }
    if (info.finishedAt() != null) {
      t.setFinishedAt(ts(info.finishedAt()));
    }
    return t.build();
  }

  private static Timestamp ts(Instant i) {
    if (i == null) {
      return Timestamp.getDefaultInstance();
    }
    return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
  }

  // ------------------------------------------------------------------------------------------
  // Lookups for logs
  // ------------------------------------------------------------------------------------------

  /** Runtime id of the current (or previous) run of a container; null if none. */
  synchronized String containerId(String container, boolean previous) {
    Record rec = records.get(container);
    if (rec == null) {
      return null;
    }
    return previous ? rec.previousId : rec.currentId;
  }

  /** A waiting reason and message. */
  record Waiting(String reason, String message) {}

  /** What the worker knows about one container of the pod. */
  private static final class Record {
    String currentId;
    ContainerInfo current;
    String previousId;
    ContainerInfo lastTerminated;
    int attempt = -1;
    int restartCount;
    String exitSeenFor;
    boolean backoffEventSent;
    final Backoff restartBackoff;
    final Backoff pullBackoff;
    Instant pullFailedAt = Instant.MIN;
    Waiting waiting;
    PodInputs inputs;
    String probesFor;
    final List<ProbeTask> probes = new ArrayList<>();
    boolean started;
    boolean ready;
    String killReason;
    Instant killDeadline;
    // The running container is being replaced because its spec changed.
    boolean replaceForSpec;
    Duration killGrace = Duration.ZERO;

    Record(SyncConfig config) {
      restartBackoff =
          new Backoff(
              config.restartBackoffInitial(),
              config.restartBackoffMax(),
              config.backoffResetAfter());
      pullBackoff =
          new Backoff(
              config.restartBackoffInitial(),
              config.restartBackoffMax(),
              config.backoffResetAfter());
    }

    int nextAttempt() {
      return attempt + 1;
    }

    void stopProbes() {
      probes.forEach(ProbeTask::cancel);
      probes.clear();
      probesFor = null;
      started = false;
      ready = false;
    }
  }
}
