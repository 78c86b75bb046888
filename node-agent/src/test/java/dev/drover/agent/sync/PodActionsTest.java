package dev.drover.agent.sync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.agent.runtime.ContainerInfo;
import dev.drover.agent.sync.KnownContainer.KillRequest;
import dev.drover.agent.sync.PodActions.CheckImage;
import dev.drover.agent.sync.PodActions.Create;
import dev.drover.agent.sync.PodActions.Event;
import dev.drover.agent.sync.PodActions.Image;
import dev.drover.agent.sync.PodActions.Observed;
import dev.drover.agent.sync.PodActions.ProbeCounts;
import dev.drover.agent.sync.PodActions.ProbeKind;
import dev.drover.agent.sync.PodActions.ProbeStep;
import dev.drover.agent.sync.PodActions.PullImage;
import dev.drover.agent.sync.PodActions.Signal;
import dev.drover.agent.sync.PodActions.StartCreated;
import dev.drover.agent.sync.PodActions.StartProbes;
import dev.drover.agent.sync.PodActions.Step;
import dev.drover.agent.sync.PodActions.StopProbes;
import dev.drover.agent.sync.PodActions.Termination;
import dev.drover.agent.sync.PodActions.TerminationAction;
import dev.drover.agent.sync.PodActions.Wait;
import dev.drover.api.v1.Container;
import dev.drover.api.v1.ExecAction;
import dev.drover.api.v1.ImagePullPolicy;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodSpec;
import dev.drover.api.v1.Probe;
import dev.drover.api.v1.RestartPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The pod decisions as a table: each row feeds {@link PodActions} a pod, what is known of a
 * container, what was observed and the time, and names the step (action and waiting reason), probe
 * verdict, termination action or reason it must answer. No runtime, no threads, no clock.
 */
class PodActionsTest {

  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final String IMAGE = "127.0.0.1:5000/busybox:1";
  private static final Backoff BACKOFF =
      new Backoff(Duration.ofSeconds(10), Duration.ofMinutes(5), Duration.ofMinutes(10));
  private static final KnownContainer FRESH = KnownContainer.initial(BACKOFF);

  private static final Probe EXEC_PROBE =
      Probe.newBuilder()
          .setExec(ExecAction.newBuilder().addCommand("true"))
          .setFailureThreshold(3)
          .build();
  private static final Container APP =
      Container.newBuilder().setName("app").setImage(IMAGE).build();
  private static final Container LATEST =
      Container.newBuilder().setName("app").setImage("127.0.0.1:5000/busybox").build();
  private static final Container NEVER_PULL =
      APP.toBuilder().setImagePullPolicy(ImagePullPolicy.IMAGE_PULL_POLICY_NEVER).build();
  private static final Container LIVE = APP.toBuilder().setLivenessProbe(EXEC_PROBE).build();
  private static final Container STARTUP_AND_LIVE =
      LIVE.toBuilder().setStartupProbe(EXEC_PROBE).build();

  /** The first exit of run c1 (exited 2 s before T0) under a restarting policy. */
  private static final Outcome CRASH_LOOP_FIRST =
      new Outcome(
          new Wait(
              Duration.ofSeconds(8),
              new Event(true, "BackOff", "back-off 10.0s restarting failed container app")),
          "CrashLoopBackOff");

  /** What a container step comes to: the action and the waiting reason it leaves. */
  record Outcome(Object action, String waiting) {}

  /** A probe result's verdict and the kill it asked for (null if none). */
  record ProbeOutcome(PodActions.ProbeVerdict verdict, String killReason) {}

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void decides(String row, Supplier<Object> decision, Object expected) {
    assertThat(decision.get()).isEqualTo(expected);
  }

  static Stream<Arguments> table() {
    return Stream.of(
        // Fresh pod: look for the image, pull it, create the first run.
        row(
            "fresh pod -> look whether the image is here",
            () -> next(pod(RestartPolicy.RESTART_POLICY_ALWAYS), APP, FRESH, fresh(Image.UNKNOWN)),
            new Outcome(new CheckImage(IMAGE), null)),
        row(
            "fresh pod, image absent -> pull",
            () -> next(always(), APP, FRESH, fresh(Image.ABSENT)),
            new Outcome(new PullImage(IMAGE), null)),
        row(
            "fresh pod, :latest image -> pull without looking (policy Always)",
            () -> next(always(), LATEST, FRESH, fresh(Image.UNKNOWN)),
            new Outcome(new PullImage("127.0.0.1:5000/busybox"), null)),
        row(
            "image present -> create the first run",
            () -> next(always(), APP, FRESH, fresh(Image.PRESENT)),
            new Outcome(new Create(0), null)),
        row(
            "image just pulled -> create the first run",
            () -> next(always(), LATEST, FRESH, fresh(Image.PULLED)),
            new Outcome(new Create(0), null)),
        row(
            "image absent, pull policy Never -> ErrImageNeverPull",
            () -> next(always(), NEVER_PULL, FRESH, fresh(Image.ABSENT)),
            new Outcome(Wait.NOTHING, "ErrImageNeverPull")),
        // Image pull failures: ErrImagePull for a moment, then ImagePullBackOff.
        row(
            "image pull failed just now -> ErrImagePull stays visible for 1 s",
            () -> next(always(), APP, pullFailed(), fresh(Image.UNKNOWN)),
            new Outcome(Wait.in(Duration.ofSeconds(1)), "ErrImagePull")),
        row(
            "image pull failed 1 s ago -> ImagePullBackOff until the back-off ends",
            () -> next(always(), APP, pullFailed(), fresh(Image.UNKNOWN), T0.plusSeconds(1)),
            new Outcome(Wait.in(Duration.ofSeconds(9)), "ImagePullBackOff")),
        row(
            "pull back-off over -> look for the image again",
            () -> next(always(), APP, pullFailed(), fresh(Image.UNKNOWN), T0.plusSeconds(10)),
            new Outcome(new CheckImage(IMAGE), "ErrImagePull")),
        // Exits and restart policies.
        row(
            "exit 0, policy Always -> CrashLoopBackOff, BackOff event, wait the remaining delay",
            () -> exit(RestartPolicy.RESTART_POLICY_ALWAYS, 0),
            CRASH_LOOP_FIRST),
        row(
            "exit 1, policy Always -> CrashLoopBackOff",
            () -> exit(RestartPolicy.RESTART_POLICY_ALWAYS, 1),
            CRASH_LOOP_FIRST),
        row(
            "exit 1, policy OnFailure -> CrashLoopBackOff",
            () -> exit(RestartPolicy.RESTART_POLICY_ON_FAILURE, 1),
            CRASH_LOOP_FIRST),
        row(
            "exit 0, policy OnFailure -> completed, nothing to do",
            () -> exit(RestartPolicy.RESTART_POLICY_ON_FAILURE, 0),
            new Outcome(Wait.NOTHING, null)),
        row(
            "exit 1, policy Never -> failed, nothing to do",
            () -> exit(RestartPolicy.RESTART_POLICY_NEVER, 1),
            new Outcome(Wait.NOTHING, null)),
        row(
            "exit 0, policy Never -> completed, nothing to do",
            () -> exit(RestartPolicy.RESTART_POLICY_NEVER, 0),
            new Outcome(Wait.NOTHING, null)),
        row(
            "completed pod seen again -> still nothing to do",
            () -> exitThen(pod(RestartPolicy.RESTART_POLICY_NEVER), 0, 60, Image.UNKNOWN),
            new Outcome(Wait.NOTHING, null)),
        row(
            "back-off not yet elapsed, event already sent -> wait the remaining delay only",
            () -> exitThen(always(), 1, 5, Image.UNKNOWN),
            new Outcome(Wait.in(Duration.ofSeconds(3)), "CrashLoopBackOff")),
        row(
            "back-off elapsed -> restart (CrashLoopBackOff shows until the new run exists)",
            () -> exitThen(always(), 1, 8, Image.UNKNOWN),
            new Outcome(new CheckImage(IMAGE), "CrashLoopBackOff")),
        row(
            "restart after back-off with the image present -> create the next attempt",
            () -> exitThen(always(), 1, 8, Image.PRESENT),
            new Outcome(new Create(1), "CrashLoopBackOff")),
        row(
            "the restart is counted and the dead run kept as the previous one",
            () -> {
              KnownContainer after =
                  PodActions.next(always(), APP, ran("c1"), seen(exited("c1", 1, false)), T0)
                      .state();
              KnownContainer made = PodActions.created(after, "c2", 1);
              return List.of(made.currentId(), made.previousId(), made.restartCount());
            },
            List.of("c2", "c1", 1)),
        // Terminated reasons.
        row(
            "killed for memory -> OOMKilled",
            () -> PodActions.terminatedReason(exited("c1", 137, true)),
            "OOMKilled"),
        row(
            "exit 0 -> Completed",
            () -> PodActions.terminatedReason(exited("c1", 0, false)),
            "Completed"),
        row("exit 2 -> Error", () -> PodActions.terminatedReason(exited("c1", 2, false)), "Error"),
        // Runs found in the runtime.
        row(
            "run created but not started -> start it",
            () -> next(always(), APP, ran("c1"), seen(info("c1", ContainerInfo.State.CREATED))),
            new Outcome(new StartCreated("c1"), "ContainerCreating")),
        row(
            "run gone behind our back -> stop its probes, then create again",
            () -> {
              Step gone = PodActions.next(always(), APP, ran("c1"), Observed.of(null), T0);
              return List.of(gone.action(), gone.state().currentId() == null);
            },
            List.of(new StopProbes(), true)),
        row(
            "running, no probe started -> start the liveness probe",
            () -> next(always(), LIVE, ran("c1"), seen(info("c1", ContainerInfo.State.RUNNING))),
            new Outcome(new StartProbes("c1", List.of(ProbeKind.LIVENESS)), null)),
        row(
            "running with a startup probe -> only the startup probe starts (liveness held back)",
            () ->
                next(
                    always(),
                    STARTUP_AND_LIVE,
                    ran("c1"),
                    seen(info("c1", ContainerInfo.State.RUNNING))),
            new Outcome(new StartProbes("c1", List.of(ProbeKind.STARTUP)), null)),
        row(
            "startup probe passes -> the liveness probe starts",
            () -> {
              ProbeStep step =
                  PodActions.probed(
                      always(),
                      STARTUP_AND_LIVE,
                      ProbeKind.STARTUP,
                      ProbeCounts.NONE,
                      true,
                      probing(STARTUP_AND_LIVE));
              return List.of(
                  step.verdict(),
                  step.state().started(),
                  PodActions.afterStartup(STARTUP_AND_LIVE));
            },
            List.of(PodActions.ProbeVerdict.STARTED, true, List.of(ProbeKind.LIVENESS))),
        row(
            "liveness probe fails below the threshold -> nothing yet",
            () -> probeOutcome(new ProbeCounts(0, 1)),
            new ProbeOutcome(PodActions.ProbeVerdict.NONE, null)),
        row(
            "liveness probe fails the third time -> kill for a restart",
            () -> probeOutcome(new ProbeCounts(0, 2)),
            new ProbeOutcome(
                PodActions.ProbeVerdict.KILL,
                "Container app failed liveness probe, will be restarted")),
        row(
            "liveness kill asked -> SIGTERM with a Killing event",
            () ->
                next(
                    always(), LIVE, killAsked(null), seen(info("c1", ContainerInfo.State.RUNNING))),
            new Outcome(
                new Signal(
                    "c1",
                    "TERM",
                    new Event(false, "Killing", "Container app failed liveness probe")),
                null)),
        row(
            "SIGTERM sent, grace not over -> wait",
            () ->
                next(
                    always(),
                    LIVE,
                    killAsked(T0.plusSeconds(1)),
                    seen(info("c1", ContainerInfo.State.RUNNING))),
            new Outcome(Wait.in(PodActions.TERMINATION_POLL), null)),
        row(
            "SIGTERM sent, grace over -> SIGKILL",
            () ->
                next(always(), LIVE, killAsked(T0), seen(info("c1", ContainerInfo.State.RUNNING))),
            new Outcome(new Signal("c1", "KILL", null), null)),
        row(
            "running, spec changed -> SIGTERM to replace it",
            () ->
                next(
                    always(),
                    APP,
                    ran("c1").withProbes("c1", true, true),
                    seen(
                        withLabels(
                            info("c1", ContainerInfo.State.RUNNING),
                            Map.of(Labels.SPEC_HASH, "old")))),
            new Outcome(
                new Signal(
                    "c1",
                    "TERM",
                    new Event(
                        false, "Killing", "Container app definition changed, will be restarted")),
                null)),
        row(
            "running and healthy -> nothing to do",
            () ->
                next(
                    always(),
                    APP,
                    ran("c1").withProbes("c1", true, true),
                    seen(info("c1", ContainerInfo.State.RUNNING))),
            new Outcome(Wait.NOTHING, null)),
        // Pod deletion: graceful stop, then kill after the grace period.
        row(
            "pod deleted -> stop gracefully, SIGKILL due after the grace period",
            () -> PodActions.terminating(null, true, PodActions.grace(deleted(5)), T0),
            new PodActions.TerminationStep(
                new Termination(T0.plusSeconds(5), false), TerminationAction.STOP_GRACEFULLY)),
        row(
            "deleted pod still running within the grace period -> wait",
            () ->
                PodActions.terminating(
                        new Termination(T0.plusSeconds(5), false), true, Duration.ZERO, T0)
                    .action(),
            TerminationAction.WAIT),
        row(
            "deleted pod still running after the grace period -> kill",
            () ->
                PodActions.terminating(
                        new Termination(T0.plusSeconds(5), false),
                        true,
                        Duration.ZERO,
                        T0.plusSeconds(5))
                    .action(),
            TerminationAction.KILL),
        row(
            "killed pod still running -> wait, no second kill",
            () ->
                PodActions.terminating(
                        new Termination(T0.plusSeconds(5), true),
                        true,
                        Duration.ZERO,
                        T0.plusSeconds(9))
                    .action(),
            TerminationAction.WAIT),
        row(
            "deleted pod with every container stopped -> clean up",
            () ->
                PodActions.terminating(
                        new Termination(T0.plusSeconds(5), false), false, Duration.ZERO, T0)
                    .action(),
            TerminationAction.CLEAN_UP),
        row(
            "no grace period anywhere -> 30 s",
            () -> PodActions.grace(pod(RestartPolicy.RESTART_POLICY_ALWAYS)),
            Duration.ofSeconds(30)));
  }

  private static Arguments row(String name, Supplier<Object> decision, Object expected) {
    return Arguments.of(name, decision, expected);
  }

  private static Outcome outcome(Step step) {
    KnownContainer.Waiting waiting = step.state().waiting();
    return new Outcome(step.action(), waiting == null ? null : waiting.reason());
  }

  private static Outcome next(Pod pod, Container c, KnownContainer s, Observed observed) {
    return next(pod, c, s, observed, T0);
  }

  private static Outcome next(
      Pod pod, Container c, KnownContainer s, Observed observed, Instant now) {
    return outcome(PodActions.next(pod, c, s, observed, now));
  }

  /** The step when run c1 of APP is first seen exited with {@code exitCode}, at T0. */
  private static Outcome exit(RestartPolicy policy, int exitCode) {
    return next(pod(policy), APP, ran("c1"), seen(exited("c1", exitCode, false)));
  }

  /**
   * The step {@code seconds} after run c1 was first seen exited with {@code exitCode} at T0, with
   * {@code image} known of the image.
   */
  private static Outcome exitThen(Pod pod, int exitCode, long seconds, Image image) {
    Observed dead = seen(exited("c1", exitCode, false));
    KnownContainer after = PodActions.next(pod, APP, ran("c1"), dead, T0).state();
    return next(pod, APP, after, dead.withImage(image), T0.plusSeconds(seconds));
  }

  private static Pod pod(RestartPolicy policy) {
    return Pod.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName("p").setNamespace("default").setUid("u1"))
        .setSpec(PodSpec.newBuilder().setRestartPolicy(policy).addContainers(APP))
        .build();
  }

  private static Pod always() {
    return pod(RestartPolicy.RESTART_POLICY_ALWAYS);
  }

  private static Pod deleted(long graceSeconds) {
    Pod pod = always();
    return pod.toBuilder()
        .setMetadata(
            pod.getMetadata().toBuilder()
                .setDeletionTime(com.google.protobuf.Timestamp.newBuilder().setSeconds(1))
                .setDeletionGracePeriodSeconds(graceSeconds))
        .build();
  }

  private static Observed fresh(Image image) {
    return Observed.of(null).withImage(image);
  }

  private static Observed seen(ContainerInfo info) {
    return Observed.of(info);
  }

  /** A container whose first run {@code id} was created. */
  private static KnownContainer ran(String id) {
    return PodActions.created(FRESH, id, 0);
  }

  private static KnownContainer pullFailed() {
    return PodActions.pullFailed(FRESH, "manifest unknown", T0);
  }

  /** Run c1 running with its probes, a liveness kill asked (SIGTERM sent when deadline is set). */
  private static KnownContainer killAsked(Instant deadline) {
    return ran("c1")
        .withProbes("c1", true, true)
        .withKill(
            new KillRequest(
                "Container app failed liveness probe", Duration.ofSeconds(1), deadline));
  }

  private static KnownContainer probing(Container c) {
    return PodActions.probesStarted(c, ran("c1"), "c1");
  }

  private static ProbeOutcome probeOutcome(ProbeCounts before) {
    ProbeStep step =
        PodActions.probed(always(), LIVE, ProbeKind.LIVENESS, before, false, probing(LIVE));
    KillRequest kill = step.state().kill();
    return new ProbeOutcome(step.verdict(), kill == null ? null : kill.reason());
  }

  private static ContainerInfo info(String id, ContainerInfo.State state) {
    return new ContainerInfo(
        id,
        "drover_default_p_app_u1_0",
        IMAGE,
        "sha256:1",
        Map.of(),
        state,
        0,
        false,
        state == ContainerInfo.State.CREATED ? null : T0.minusSeconds(60),
        null,
        "",
        "");
  }

  /** Run {@code id} that ran one minute and exited two seconds before T0. */
  private static ContainerInfo exited(String id, int exitCode, boolean oomKilled) {
    return new ContainerInfo(
        id,
        "drover_default_p_app_u1_0",
        IMAGE,
        "sha256:1",
        Map.of(),
        ContainerInfo.State.EXITED,
        exitCode,
        oomKilled,
        T0.minusSeconds(62),
        T0.minusSeconds(2),
        "",
        "");
  }

  private static ContainerInfo withLabels(ContainerInfo i, Map<String, String> labels) {
    return new ContainerInfo(
        i.id(),
        i.name(),
        i.image(),
        i.imageId(),
        labels,
        i.state(),
        i.exitCode(),
        i.oomKilled(),
        i.startedAt(),
        i.finishedAt(),
        i.ipAddress(),
        i.error());
  }
}
