package dev.drover.agent.sync;

import com.google.protobuf.Timestamp;
import dev.drover.agent.runtime.ContainerInfo;
import dev.drover.api.Conditions;
import dev.drover.api.v1.Condition;
import dev.drover.api.v1.ConditionStatus;
import dev.drover.api.v1.Container;
import dev.drover.api.v1.ContainerState;
import dev.drover.api.v1.ContainerStateRunning;
import dev.drover.api.v1.ContainerStateTerminated;
import dev.drover.api.v1.ContainerStateWaiting;
import dev.drover.api.v1.ContainerStatus;
import dev.drover.api.v1.HostPortAllocation;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodPhase;
import dev.drover.api.v1.PodStatus;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a pod's reported status from what its executor knows: container states with their waiting
 * and terminated reasons, restart counts, the phase and the conditions. Keeps only the conditions'
 * last values and transition times; owned by one pod's executor.
 */
final class PodStatusBuilder {

  private final Map<String, Instant> conditionTimes = new HashMap<>();
  private final Map<String, Boolean> conditionValues = new HashMap<>();

  /**
   * The status of {@code pod} from what is known of its containers: their states, the pod's phase
   * and its conditions (whose transition times this builder keeps).
   */
  PodStatus build(
      Pod pod,
      String hostIp,
      String podIp,
      Instant startTime,
      List<HostPortAllocation> hostPorts,
      Map<String, KnownContainer> states) {
    PodStatus.Builder b = PodStatus.newBuilder();
    b.setHostIp(hostIp);
    b.setPodIp(pod.getSpec().getHostNetwork() ? hostIp : podIp);
    if (startTime != null) {
      b.setStartTime(ts(startTime));
    }
    b.addAllHostPorts(hostPorts);
    boolean initialized = InitOrder.initialized(pod, states);
    boolean allReady = true;
    for (Container c : pod.getSpec().getInitContainersList()) {
      Seen seen = seen(pod, c, states.get(c.getName()), "PodInitializing");
      b.addInitContainerStatuses(seen.status());
      if (InitOrder.sidecar(c)) {
        // Sidecars count towards readiness as Kubernetes does; they never hold back completion.
        allReady &= seen.ready();
      }
    }
    boolean anyRunning = false;
    boolean anyStarted = false;
    boolean allTerminal = true;
    boolean anyFailed = false;
    String notYet = initialized ? "ContainerCreating" : "PodInitializing";
    for (Container c : pod.getSpec().getContainersList()) {
      Seen seen = seen(pod, c, states.get(c.getName()), notYet);
      b.addContainerStatuses(seen.status());
      anyRunning |= seen.running();
      anyStarted |= seen.started();
      allTerminal &= seen.terminal();
      anyFailed |= seen.failed();
      allReady &= seen.ready();
    }
    if (InitOrder.initFailed(pod, states)) {
      b.setPhase(PodPhase.POD_PHASE_FAILED);
    } else if (pod.getSpec().getContainersCount() > 0 && allTerminal) {
      b.setPhase(anyFailed ? PodPhase.POD_PHASE_FAILED : PodPhase.POD_PHASE_SUCCEEDED);
    } else if (initialized && (anyRunning || anyStarted)) {
      b.setPhase(PodPhase.POD_PHASE_RUNNING);
    } else {
      b.setPhase(PodPhase.POD_PHASE_PENDING);
    }
    b.addConditions(condition("Initialized", initialized));
    b.addConditions(condition("ContainersReady", allReady));
    b.addConditions(condition(Conditions.READY, allReady));
    b.setObservedGeneration(pod.getMetadata().getGeneration());
    return b.build();
  }

  /**
   * One container's status and what it means for the pod's phase.
   *
   * @param running it runs
   * @param started it ran at least once
   * @param terminal it exited and will not be restarted
   * @param failed it exited with an error and will not be restarted
   * @param ready it counts as ready
   */
  private record Seen(
      ContainerStatus status,
      boolean running,
      boolean started,
      boolean terminal,
      boolean failed,
      boolean ready) {}

  /** The status of container {@code c}; {@code notYet} is its waiting reason before any run. */
  private static Seen seen(Pod pod, Container c, KnownContainer rec, String notYet) {
    ContainerStatus.Builder cs =
        ContainerStatus.newBuilder().setName(c.getName()).setImage(c.getImage());
    if (rec == null) {
      cs.setState(waiting(notYet, ""));
      return new Seen(cs.build(), false, false, false, false, false);
    }
    cs.setRestartCount(rec.restartCount());
    ContainerInfo info = rec.current();
    if (info != null) {
      cs.setContainerId("docker://" + info.id());
      cs.setImageId(info.imageId() == null ? "" : info.imageId());
    }
    if (rec.lastTerminated() != null) {
      cs.setLastState(ContainerState.newBuilder().setTerminated(terminated(rec.lastTerminated())));
    }
    boolean running = false;
    boolean started = false;
    boolean terminal = false;
    boolean failed = false;
    boolean ready = false;
    if (info != null && info.running()) {
      cs.setState(
          ContainerState.newBuilder()
              .setRunning(ContainerStateRunning.newBuilder().setStartedAt(ts(info.startedAt()))));
      running = true;
      started = true;
      cs.setStarted(rec.started());
      ready = rec.started() && rec.ready() && rec.kill() == null;
    } else if (rec.waiting() != null) {
      cs.setState(waiting(rec.waiting().reason(), rec.waiting().message()));
      if (info != null && info.state() == ContainerInfo.State.EXITED) {
        // Waiting to restart: show the run that just ended as the last state.
        cs.setLastState(ContainerState.newBuilder().setTerminated(terminated(info)));
        started = true;
      }
    } else if (info != null && info.state() == ContainerInfo.State.EXITED) {
      cs.setState(ContainerState.newBuilder().setTerminated(terminated(info)));
      started = true;
      if (!PodActions.shouldRestart(pod, c, info)) {
        terminal = true;
        failed = info.exitCode() != 0;
      }
    } else {
      cs.setState(waiting("ContainerCreating", ""));
    }
    cs.setReady(ready);
    return new Seen(cs.build(), running, started, terminal, failed, ready);
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

  static ContainerState waiting(String reason, String message) {
    return ContainerState.newBuilder()
        .setWaiting(ContainerStateWaiting.newBuilder().setReason(reason).setMessage(message))
        .build();
  }

  private static ContainerStateTerminated terminated(ContainerInfo info) {
    String reason = PodActions.terminatedReason(info);
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
}
