package dev.drover.agent.sync;

import com.google.protobuf.CodedOutputStream;
import dev.drover.agent.runtime.ContainerInfo;
import dev.drover.agent.sync.KnownContainer.KillRequest;
import dev.drover.agent.sync.KnownContainer.Waiting;
import dev.drover.api.ImageReference;
import dev.drover.api.v1.Container;
import dev.drover.api.v1.ImagePullPolicy;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.Probe;
import dev.drover.client.Backoff;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Decides what to do next for a pod, without doing it: from the pod, what is known about a
 * container ({@link KnownContainer}), what the runtime was last seen to have and the clock's now,
 * it returns the next state and one action (pull, create, start, signal, wait with a reason...). It
 * also decides probe results and a deleted pod's stop. Pure: no I/O, no runtime calls, no threads,
 * no clock of its own; {@link PodExecutor} carries the actions out and feeds back what it observes,
 * calling again until the action is to wait (as SwarmKit's exec.Do steps a task).
 */
final class PodActions {

  /** How often a terminating pod or container is looked at again. */
  static final Duration TERMINATION_POLL = Duration.ofMillis(250);

  /** How long ErrImagePull shows (longer than a status flush) before ImagePullBackOff. */
  static final Duration ERR_IMAGE_PULL_VISIBLE = Duration.ofSeconds(1);

  /** How soon a container just started is looked at again: one that dies at once shows soon. */
  static final Duration AFTER_START = Duration.ofMillis(500);

  static final long DEFAULT_GRACE_SECONDS = 30;

  private PodActions() {}

  /** What the executor knows about a container's image in this pass. */
  enum Image {
    /** Not looked at yet. */
    UNKNOWN,
    /** Present on the node. */
    PRESENT,
    /** Not on the node. */
    ABSENT,
    /** Pulled by this pass. */
    PULLED
  }

  /**
   * What the executor observed of a container in this pass.
   *
   * @param info the current run as inspected; null when there is none or it is gone
   * @param image what is known of the image
   * @param startTried true once this pass started a run found created but not started
   */
  record Observed(ContainerInfo info, Image image, boolean startTried) {
    static Observed of(ContainerInfo info) {
      return new Observed(info, Image.UNKNOWN, false);
    }

    Observed withInfo(ContainerInfo info) {
      return new Observed(info, image, true);
    }

    Observed withImage(Image image) {
      return new Observed(info, image, startTried);
    }
  }

  /** An event to record about the container; warning or normal. */
  record Event(boolean warning, String reason, String message) {}

  /** One thing to do for a container. */
  sealed interface Action
      permits StopProbes, StartCreated, StartProbes, Signal, Wait, CheckImage, PullImage, Create {}

  /** The current run disappeared: stop its probes, then decide again. */
  record StopProbes() implements Action {}

  /** Start run {@code id}, found created but never started, then decide again. */
  record StartCreated(String id) implements Action {}

  /** Start the probes {@code kinds} of run {@code id}, then decide again. */
  record StartProbes(String id, List<ProbeKind> kinds) implements Action {}

  /** Send {@code signal} to run {@code id} after {@code event} (if any); the pass ends here. */
  record Signal(String id, String signal, Event event) implements Action {
    Duration wakeIn() {
      return TERMINATION_POLL;
    }
  }

  /**
   * Nothing more to do in this pass but record {@code event} (if any); look again within {@code
   * wakeIn} (null: at the sync period).
   */
  record Wait(Duration wakeIn, Event event) implements Action {
    static final Wait NOTHING = new Wait(null, null);

    static Wait in(Duration wakeIn) {
      return new Wait(wakeIn, null);
    }
  }

  /** Look whether {@code image} is on the node, then decide again. */
  record CheckImage(String image) implements Action {}

  /** Pull {@code image}, then decide again. */
  record PullImage(String image) implements Action {}

  /** Create run number {@code attempt} and start it; the pass ends here. */
  record Create(int attempt) implements Action {}

  /** The next state of a container and what to do. */
  record Step(KnownContainer state, Action action) {}

  /** The next step for container {@code c} of {@code pod}. */
  static Step next(Pod pod, Container c, KnownContainer state, Observed observed, Instant now) {
    ContainerInfo info = observed.info();
    KnownContainer s = state;
    if (s.currentId() != null && info == null) {
      // Removed behind our back: it has to be created again.
      return new Step(s.withCurrentId(null).withoutProbes(), new StopProbes());
    }
    boolean toStart = info != null && info.state() == ContainerInfo.State.CREATED;
    if (toStart && !observed.startTried()) {
      return new Step(s, new StartCreated(info.id()));
    }
    if (info != null && info.running()) {
      return running(pod, c, s.withCurrent(info).withWaiting(null), info, now);
    }
    if (info != null) {
      // Exited (or still not running after a start).
      s = s.withCurrent(info).withoutProbes();
      if (!info.id().equals(s.exitSeenFor())) {
        Backoff backoff = s.restartBackoff();
        boolean eventSent = s.backoffEventSent();
        if (!s.replaceForSpec()) {
          // Replacing a container for a new spec is not a failure: no back-off for it.
          Instant finished = info.finishedAt() == null ? now : info.finishedAt();
          Duration ran =
              info.startedAt() == null
                  ? Duration.ZERO
                  : Duration.between(info.startedAt(), finished);
          backoff = backoff.failed(finished, ran);
          eventSent = false;
        }
        s = s.withExitSeen(info.id(), backoff, eventSent);
      }
      if (s.replaceForSpec()) {
        // Created again below whatever the restart policy (as the kubelet).
        s = s.withWaiting(null);
      } else if (!shouldRestart(pod, c, info)) {
        return new Step(s.withWaiting(null), Wait.NOTHING);
      }
      if (s.restartBackoff().waiting(now)) {
        Waiting waiting =
            new Waiting(
                "CrashLoopBackOff",
                "back-off "
                    + s.restartBackoff().lastDelay().toMillis() / 1000.0
                    + "s restarting failed container "
                    + c.getName());
        Event event = null;
        if (!s.backoffEventSent()) {
          event = new Event(true, "BackOff", waiting.message());
          s = s.withBackoffEventSent();
        }
        Duration remaining = Duration.between(now, s.restartBackoff().until());
        return new Step(s.withWaiting(waiting), new Wait(remaining, event));
      }
    }
    return create(pod, c, s, observed, now);
  }

  /** The steps of a running container: probes, then a kill asked by a probe or a new spec. */
  private static Step running(
      Pod pod, Container c, KnownContainer s, ContainerInfo info, Instant now) {
    if (!info.id().equals(s.probesFor())) {
      return new Step(probesStarted(c, s, info.id()), new StartProbes(info.id(), probesToStart(c)));
    }
    if (s.kill() == null && specChanged(c, info)) {
      s =
          s.withReplacement(
              new KillRequest(
                  "Container " + c.getName() + " definition changed, will be restarted",
                  grace(pod),
                  null));
    }
    KillRequest kill = s.kill();
    if (kill == null) {
      return new Step(s, Wait.NOTHING);
    }
    if (kill.deadline() == null) {
      KillRequest sent = new KillRequest(kill.reason(), kill.grace(), now.plus(kill.grace()));
      return new Step(
          s.withKill(sent),
          new Signal(info.id(), "TERM", new Event(false, "Killing", kill.reason())));
    }
    if (!now.isBefore(kill.deadline())) {
      return new Step(s, new Signal(info.id(), "KILL", null));
    }
    return new Step(s, Wait.in(TERMINATION_POLL));
  }

  /** The steps towards a new run: pull back-off, image, then creation. */
  private static Step create(
      Pod pod, Container c, KnownContainer s, Observed observed, Instant now) {
    if (s.currentId() == null
        && s.current() != null
        && !s.replaceForSpec()
        && !shouldRestart(pod, c, s.current())) {
      return new Step(s, Wait.NOTHING);
    }
    if (s.pullBackoff().waiting(now)) {
      Instant backOffShownAt = s.pullFailedAt().plus(ERR_IMAGE_PULL_VISIBLE);
      if (now.isBefore(backOffShownAt)) {
        return new Step(s, Wait.in(Duration.between(now, backOffShownAt)));
      }
      Waiting waiting =
          new Waiting(
              "ImagePullBackOff",
              "Back-off "
                  + s.pullBackoff().lastDelay().toMillis()
                  + "ms pulling image \""
                  + c.getImage()
                  + "\"");
      return new Step(
          s.withWaiting(waiting), Wait.in(Duration.between(now, s.pullBackoff().until())));
    }
    ImagePullPolicy policy = effectivePolicy(c);
    Image image = observed.image();
    if (image == Image.UNKNOWN && policy != ImagePullPolicy.IMAGE_PULL_POLICY_ALWAYS) {
      return new Step(s, new CheckImage(c.getImage()));
    }
    if (image == Image.PULLED
        || (image == Image.PRESENT && policy != ImagePullPolicy.IMAGE_PULL_POLICY_ALWAYS)) {
      return new Step(s, new Create(s.nextAttempt()));
    }
    if (policy == ImagePullPolicy.IMAGE_PULL_POLICY_NEVER) {
      Waiting waiting =
          new Waiting(
              "ErrImageNeverPull",
              "image " + c.getImage() + " is not present and the pull policy is Never");
      return new Step(s.withWaiting(waiting), Wait.NOTHING);
    }
    return new Step(s, new PullImage(c.getImage()));
  }

  /** The state after a pull that failed at {@code now} with {@code message}. */
  static KnownContainer pullFailed(KnownContainer s, String message, Instant now) {
    return s.withPull(s.pullBackoff().failed(now, Duration.ZERO), now)
        .withWaiting("ErrImagePull", message);
  }

  /** The state after a pull that succeeded. */
  static KnownContainer pulled(KnownContainer s) {
    return s.withPull(s.pullBackoff().reset(), s.pullFailedAt());
  }

  /** The state after run {@code id} (attempt {@code attempt}) was created. */
  static KnownContainer created(KnownContainer s, String id, int attempt) {
    boolean restart = s.current() != null || s.attempt() > 0 || s.currentId() != null;
    String previousId = s.previousId();
    ContainerInfo lastTerminated = s.lastTerminated();
    if (s.current() != null && s.current().state() == ContainerInfo.State.EXITED) {
      // Keep one dead run per container (for "logs --previous"), like the kubelet.
      previousId = s.current().id();
      lastTerminated = s.current();
    }
    return s.withNewRun(
        id, attempt, previousId, lastTerminated, s.restartCount() + (restart ? 1 : 0));
  }

  /** The state when the probes of run {@code id} start: without a probe, its result is true. */
  static KnownContainer probesStarted(Container c, KnownContainer s, String id) {
    return s.withProbes(id, !c.hasStartupProbe(), !c.hasReadinessProbe());
  }

  /** The probes a new run starts with: the startup probe holds back the others. */
  static List<ProbeKind> probesToStart(Container c) {
    return c.hasStartupProbe() ? List.of(ProbeKind.STARTUP) : afterStartup(c);
  }

  /** The probes that run once the startup probe succeeded. */
  static List<ProbeKind> afterStartup(Container c) {
    List<ProbeKind> kinds = new ArrayList<>();
    if (c.hasLivenessProbe()) {
      kinds.add(ProbeKind.LIVENESS);
    }
    if (c.hasReadinessProbe()) {
      kinds.add(ProbeKind.READINESS);
    }
    return List.copyOf(kinds);
  }

  // ------------------------------------------------------------------------------------------
  // Probes
  // ------------------------------------------------------------------------------------------

  /** The three kinds of probe. */
  enum ProbeKind {
    STARTUP("Startup"),
    LIVENESS("Liveness"),
    READINESS("Readiness");

    private final String label;

    ProbeKind(String label) {
      this.label = label;
    }

    String label() {
      return label;
    }

    Probe of(Container c) {
      return switch (this) {
        case STARTUP -> c.getStartupProbe();
        case LIVENESS -> c.getLivenessProbe();
        case READINESS -> c.getReadinessProbe();
      };
    }
  }

  /** Consecutive results of one probe. */
  record ProbeCounts(int successes, int failures) {
    static final ProbeCounts NONE = new ProbeCounts(0, 0);

    ProbeCounts after(boolean success) {
      return success ? new ProbeCounts(successes + 1, 0) : new ProbeCounts(0, failures + 1);
    }
  }

  /** What a probe result means for its task. */
  enum ProbeVerdict {
    /** Nothing changed. */
    NONE,
    /** The startup probe passed: it stops and the liveness and readiness probes start. */
    STARTED,
    /** The container is to be killed: the probe stops. */
    KILL,
    /** Readiness changed. */
    READY_CHANGED
  }

  /** The probe's counts, the container's state and the verdict after one result. */
  record ProbeStep(ProbeCounts counts, KnownContainer state, ProbeVerdict verdict) {}

  /** Applies one result of probe {@code kind} of container {@code c}. */
  static ProbeStep probed(
      Pod pod, Container c, ProbeKind kind, ProbeCounts before, boolean success, KnownContainer s) {
    Probe probe = kind.of(c);
    ProbeCounts counts = before.after(success);
    int successThreshold =
        probe.hasSuccessThreshold() ? Math.max(1, probe.getSuccessThreshold()) : 1;
    int failureThreshold =
        probe.hasFailureThreshold() ? Math.max(1, probe.getFailureThreshold()) : 3;
    boolean failed = counts.failures() >= failureThreshold;
    switch (kind) {
      case STARTUP -> {
        if (counts.successes() >= 1) {
          return new ProbeStep(counts, s.withStarted(), ProbeVerdict.STARTED);
        }
        if (failed) {
          return new ProbeStep(counts, killFor(pod, c, probe, "startup", s), ProbeVerdict.KILL);
        }
      }
      case LIVENESS -> {
        if (failed) {
          return new ProbeStep(counts, killFor(pod, c, probe, "liveness", s), ProbeVerdict.KILL);
        }
      }
      case READINESS -> {
        if (counts.successes() >= successThreshold && !s.ready()) {
          return new ProbeStep(counts, s.withReady(true), ProbeVerdict.READY_CHANGED);
        }
        if (failed && s.ready()) {
          return new ProbeStep(counts, s.withReady(false), ProbeVerdict.READY_CHANGED);
        }
      }
      default -> throw new IllegalStateException(kind.toString());
    }
    return new ProbeStep(counts, s, ProbeVerdict.NONE);
  }

  private static KnownContainer killFor(
      Pod pod, Container c, Probe probe, String kind, KnownContainer s) {
    long grace =
        probe.hasTerminationGracePeriodSeconds()
            ? probe.getTerminationGracePeriodSeconds()
            : pod.getSpec().hasTerminationGracePeriodSeconds()
                ? pod.getSpec().getTerminationGracePeriodSeconds()
                : DEFAULT_GRACE_SECONDS;
    return s.withKill(
        new KillRequest(
            "Container " + c.getName() + " failed " + kind + " probe, will be restarted",
            Duration.ofSeconds(Math.max(0, grace)),
            null));
  }

  // ------------------------------------------------------------------------------------------
  // Termination of the pod
  // ------------------------------------------------------------------------------------------

  /**
   * A pod's graceful stop in progress.
   *
   * @param deadline when SIGKILL is due
   * @param killSent true once SIGKILL was sent
   */
  record Termination(Instant deadline, boolean killSent) {}

  /** What to do for a terminating pod. */
  enum TerminationAction {
    /** Send SIGTERM to every running container and stop the probes. */
    STOP_GRACEFULLY,
    /** Look again soon. */
    WAIT,
    /** The grace period is over: send SIGKILL to every container. */
    KILL,
    /** Every container stopped: remove them and the pod's files, confirm. */
    CLEAN_UP
  }

  /** The next termination state and what to do. */
  record TerminationStep(Termination termination, TerminationAction action) {}

  /**
   * The next step of a pod's stop: {@code termination} is null before the first; {@code anyRunning}
   * says whether a container still runs.
   */
  static TerminationStep terminating(
      Termination termination, boolean anyRunning, Duration grace, Instant now) {
    if (termination == null) {
      return new TerminationStep(
          new Termination(now.plus(grace), false), TerminationAction.STOP_GRACEFULLY);
    }
    if (!anyRunning) {
      return new TerminationStep(termination, TerminationAction.CLEAN_UP);
    }
    if (!now.isBefore(termination.deadline()) && !termination.killSent()) {
      return new TerminationStep(
          new Termination(termination.deadline(), true), TerminationAction.KILL);
    }
    return new TerminationStep(termination, TerminationAction.WAIT);
  }

  // ------------------------------------------------------------------------------------------
  // Rules
  // ------------------------------------------------------------------------------------------

  /** The grace period of a pod's stop: the deletion's, the spec's, or 30 s. */
  static Duration grace(Pod pod) {
    if (pod.getMetadata().hasDeletionGracePeriodSeconds()) {
      return Duration.ofSeconds(Math.max(0, pod.getMetadata().getDeletionGracePeriodSeconds()));
    }
    if (pod.getSpec().hasTerminationGracePeriodSeconds()) {
      return Duration.ofSeconds(Math.max(0, pod.getSpec().getTerminationGracePeriodSeconds()));
    }
    return Duration.ofSeconds(DEFAULT_GRACE_SECONDS);
  }

  /**
   * True when container {@code c} of the pod is restarted after exiting as {@code exited}, by the
   * restart policy it follows ({@link InitOrder#restartPolicy}).
   */
  static boolean shouldRestart(Pod pod, Container c, ContainerInfo exited) {
    return InitOrder.restarts(InitOrder.restartPolicy(pod, c), exited);
  }

  /** The reason a terminated run reports. */
  static String terminatedReason(ContainerInfo info) {
    return info.oomKilled() ? "OOMKilled" : info.exitCode() == 0 ? "Completed" : "Error";
  }

  /** The pull policy in force: Kubernetes' default is Always for ":latest" or no tag. */
  static ImagePullPolicy effectivePolicy(Container c) {
    if (c.getImagePullPolicy() != ImagePullPolicy.IMAGE_PULL_POLICY_UNSPECIFIED) {
      return c.getImagePullPolicy();
    }
    boolean latest =
        ImageReference.tryParse(c.getImage())
            .map(r -> r.digest().isEmpty() && r.effectiveTag().orElse("").equals("latest"))
            .orElse(false);
    return latest
        ? ImagePullPolicy.IMAGE_PULL_POLICY_ALWAYS
        : ImagePullPolicy.IMAGE_PULL_POLICY_IF_NOT_PRESENT;
  }

  /**
   * True when a run was created from another definition than the container's current one. A run
   * without the label (made by an older agent) is never replaced for this reason.
   */
  static boolean specChanged(Container c, ContainerInfo info) {
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
}
