package dev.drover.agent.sync;

import dev.drover.agent.runtime.ContainerInfo;
import dev.drover.client.Backoff;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;

/**
 * What a pod worker knows about one container of its pod, as an immutable value: the runs it made,
 * the back-offs, the waiting reason to report, the probe results and a pending kill. {@link
 * PodActions} takes it and hands back the next one; {@link PodExecutor} keeps the latest per
 * container name (the probe timers of the run named by {@code probesFor} live there too).
 *
 * @param currentId runtime id of the current run; null when none exists
 * @param current the current (or, once it is gone, the last) run as last inspected; null if none
 * @param previousId runtime id of the dead run kept for "logs --previous"; null if none
 * @param lastTerminated that previous run as last inspected; null if none
 * @param attempt attempt number of the current run (-1 before the first)
 * @param restartCount restarts reported in the status
 * @param exitSeenFor id of the run whose exit was last counted in the restart back-off
 * @param backoffEventSent true once the BackOff event of the current back-off was sent
 * @param restartBackoff back-off between restarts
 * @param pullBackoff back-off between failed image pulls
 * @param pullFailedAt when the last pull failed ({@link Instant#MIN} if none)
 * @param waiting waiting reason to report; null if none
 * @param probesFor id of the run whose probes are running; null if none
 * @param started result of the startup probe (true without one)
 * @param ready result of the readiness probe (true without one)
 * @param kill a stop asked for the running container; null if none
 * @param replaceForSpec true while the running container is replaced because its spec changed
 */
record KnownContainer(
    String currentId,
    ContainerInfo current,
    String previousId,
    ContainerInfo lastTerminated,
    int attempt,
    int restartCount,
    String exitSeenFor,
    boolean backoffEventSent,
    Backoff restartBackoff,
    Backoff pullBackoff,
    Instant pullFailedAt,
    Waiting waiting,
    String probesFor,
    boolean started,
    boolean ready,
    KillRequest kill,
    boolean replaceForSpec) {

  /** A waiting reason and message. */
  record Waiting(String reason, String message) {}

  /**
   * A stop of the running container, asked by a failed probe or a changed spec.
   *
   * @param reason the Killing event's message
   * @param grace time between SIGTERM and SIGKILL
   * @param deadline when SIGKILL is due; null until SIGTERM was sent
   */
  record KillRequest(String reason, Duration grace, Instant deadline) {}

  /** A container nothing was done for yet. */
  static KnownContainer initial(Backoff backoff) {
    return new KnownContainer(
        null,
        null,
        null,
        null,
        -1,
        0,
        null,
        false,
        backoff,
        backoff,
        Instant.MIN,
        null,
        null,
        false,
        false,
        null,
        false);
  }

  /** The attempt number of the next run. */
  int nextAttempt() {
    return attempt + 1;
  }

  KnownContainer withCurrentId(String id) {
    return with(e -> e.currentId = id);
  }

  KnownContainer withCurrent(ContainerInfo info) {
    return with(e -> e.current = info);
  }

  /** The state after a new run {@code id} (attempt {@code attempt}) was created. */
  KnownContainer withNewRun(
      String id, int attempt, String previousId, ContainerInfo lastTerminated, int restartCount) {
    return with(
        e -> {
          e.currentId = id;
          e.current = null;
          e.previousId = previousId;
          e.lastTerminated = lastTerminated;
          e.attempt = attempt;
          e.restartCount = restartCount;
          e.waiting = new Waiting("ContainerCreating", "");
          e.replaceForSpec = false;
        });
  }

  /** The state after adopting runs a previous agent left. */
  KnownContainer withAdopted(
      ContainerInfo latest, int attempt, String previousId, ContainerInfo lastTerminated) {
    return with(
        e -> {
          e.currentId = latest.id();
          e.current = latest;
          e.attempt = attempt;
          e.restartCount = attempt;
          e.previousId = previousId;
          e.lastTerminated = lastTerminated;
        });
  }

  /** The state after the exit of run {@code id} was seen: no kill pending any more. */
  KnownContainer withExitSeen(String id, Backoff restartBackoff, boolean backoffEventSent) {
    return with(
        e -> {
          e.exitSeenFor = id;
          e.restartBackoff = restartBackoff;
          e.backoffEventSent = backoffEventSent;
          e.kill = null;
        });
  }

  /** The state after a failure that is retried with the restart back-off (a failed start). */
  KnownContainer withRestartBackoff(Backoff restartBackoff) {
    return with(e -> e.restartBackoff = restartBackoff);
  }

  KnownContainer withBackoffEventSent() {
    return with(e -> e.backoffEventSent = true);
  }

  /** The state after a pull outcome: its back-off and when it last failed. */
  KnownContainer withPull(Backoff pullBackoff, Instant pullFailedAt) {
    return with(
        e -> {
          e.pullBackoff = pullBackoff;
          e.pullFailedAt = pullFailedAt;
        });
  }

  KnownContainer withWaiting(Waiting waiting) {
    return with(e -> e.waiting = waiting);
  }

  KnownContainer withWaiting(String reason, String message) {
    return withWaiting(new Waiting(reason, message));
  }

  /** The state with the probes of run {@code id} (null: none) and their first results. */
  KnownContainer withProbes(String id, boolean started, boolean ready) {
    return with(
        e -> {
          e.probesFor = id;
          e.started = started;
          e.ready = ready;
        });
  }

  /** The state with no probe running. */
  KnownContainer withoutProbes() {
    return withProbes(null, false, false);
  }

  KnownContainer withStarted() {
    return with(e -> e.started = true);
  }

  KnownContainer withReady(boolean ready) {
    return with(e -> e.ready = ready);
  }

  KnownContainer withKill(KillRequest kill) {
    return with(e -> e.kill = kill);
  }

  /** The state with a stop asked because the container's definition changed. */
  KnownContainer withReplacement(KillRequest kill) {
    return with(
        e -> {
          e.kill = kill;
          e.replaceForSpec = true;
        });
  }

  /** A copy with some components changed: the one place that lists them all. */
  private KnownContainer with(Consumer<Edit> change) {
    Edit e = new Edit(this);
    change.accept(e);
    return new KnownContainer(
        e.currentId,
        e.current,
        e.previousId,
        e.lastTerminated,
        e.attempt,
        e.restartCount,
        e.exitSeenFor,
        e.backoffEventSent,
        e.restartBackoff,
        e.pullBackoff,
        e.pullFailedAt,
        e.waiting,
        e.probesFor,
        e.started,
        e.ready,
        e.kill,
        e.replaceForSpec);
  }

  /** The components of a state being copied; lives only inside {@link #with}. */
  private static final class Edit {
    String currentId;
    ContainerInfo current;
    String previousId;
    ContainerInfo lastTerminated;
    int attempt;
    int restartCount;
    String exitSeenFor;
    boolean backoffEventSent;
    Backoff restartBackoff;
    Backoff pullBackoff;
    Instant pullFailedAt;
    Waiting waiting;
    String probesFor;
    boolean started;
    boolean ready;
    KillRequest kill;
    boolean replaceForSpec;

    Edit(KnownContainer s) {
      currentId = s.currentId;
      current = s.current;
      previousId = s.previousId;
      lastTerminated = s.lastTerminated;
      attempt = s.attempt;
      restartCount = s.restartCount;
      exitSeenFor = s.exitSeenFor;
      backoffEventSent = s.backoffEventSent;
      restartBackoff = s.restartBackoff;
      pullBackoff = s.pullBackoff;
      pullFailedAt = s.pullFailedAt;
      waiting = s.waiting;
      probesFor = s.probesFor;
      started = s.started;
      ready = s.ready;
      kill = s.kill;
      replaceForSpec = s.replaceForSpec;
    }
  }
}
