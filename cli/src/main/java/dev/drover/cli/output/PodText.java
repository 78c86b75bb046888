package dev.drover.cli.output;

import dev.drover.api.Conditions;
import dev.drover.api.KubeEnums;
import dev.drover.api.v1.Condition;
import dev.drover.api.v1.ConditionStatus;
import dev.drover.api.v1.Container;
import dev.drover.api.v1.ContainerState;
import dev.drover.api.v1.ContainerStateTerminated;
import dev.drover.api.v1.ContainerStatus;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodPhase;
import dev.drover.api.v1.RestartPolicy;

/**
 * How a pod's state reads in a table, computed as kubectl does: the STATUS column prefers the most
 * telling reason (Terminating, Evicted, ImagePullBackOff, CrashLoopBackOff, Init:...) over the bare
 * phase; READY counts ready containers.
 */
public final class PodText {

  private PodText() {}

  /** The STATUS column. */
  public static String status(Pod pod) {
    if (pod.getMetadata().hasDeletionTime()) {
      return "Terminating";
    }
    String reason =
        pod.getStatus().getPhase() == PodPhase.POD_PHASE_UNSPECIFIED
            ? "Pending"
            : KubeEnums.text(pod.getStatus().getPhase());
    if (!pod.getStatus().getReason().isEmpty()) {
      reason = pod.getStatus().getReason();
    }
    int inits = pod.getSpec().getInitContainersCount();
    boolean initializing = false;
    for (int i = 0; i < pod.getStatus().getInitContainerStatusesCount(); i++) {
      ContainerStatus status = pod.getStatus().getInitContainerStatuses(i);
      ContainerState state = status.getState();
      if (state.hasTerminated() && state.getTerminated().getExitCode() == 0) {
        continue;
      }
      if (sidecar(pod, status.getName()) && status.getStarted()) {
        // A started sidecar is past, as kubectl counts it.
        continue;
      }
      initializing = true;
      if (state.hasTerminated()) {
        ContainerStateTerminated t = state.getTerminated();
        reason =
            "Init:"
                + (!t.getReason().isEmpty()
                    ? t.getReason()
                    : t.getSignal() != 0
                        ? "Signal:" + t.getSignal()
                        : "ExitCode:" + t.getExitCode());
      } else if (state.hasWaiting()
          && !state.getWaiting().getReason().isEmpty()
          && !state.getWaiting().getReason().equals("PodInitializing")) {
        reason = "Init:" + state.getWaiting().getReason();
      } else {
        reason = "Init:" + i + "/" + inits;
      }
      break;
    }
    if (initializing && !Conditions.isTrue(pod.getStatus().getConditionsList(), "Initialized")) {
      return reason;
    }
    boolean running = false;
    for (ContainerStatus container : pod.getStatus().getContainerStatusesList()) {
      ContainerState state = container.getState();
      if (state.hasWaiting() && !state.getWaiting().getReason().isEmpty()) {
        reason = state.getWaiting().getReason();
      } else if (state.hasTerminated()) {
        reason =
            !state.getTerminated().getReason().isEmpty()
                ? state.getTerminated().getReason()
                : state.getTerminated().getSignal() != 0
                    ? "Signal:" + state.getTerminated().getSignal()
                    : "ExitCode:" + state.getTerminated().getExitCode();
      } else if (state.hasRunning()) {
        running = true;
      }
    }
    if (running && reason.equals("Completed")) {
      reason = "Running";
    }
    return reason;
  }

  /** The READY column: ready containers / containers, sidecars counted as kubectl does. */
  public static String ready(Pod pod) {
    int ready = 0;
    int total = pod.getSpec().getContainersCount();
    for (ContainerStatus container : pod.getStatus().getContainerStatusesList()) {
      if (container.getReady()) {
        ready++;
      }
    }
    for (Container c : pod.getSpec().getInitContainersList()) {
      if (c.getRestartPolicy() == RestartPolicy.RESTART_POLICY_ALWAYS) {
        total++;
      }
    }
    for (ContainerStatus container : pod.getStatus().getInitContainerStatusesList()) {
      if (container.getReady() && sidecar(pod, container.getName())) {
        ready++;
      }
    }
    return ready + "/" + total;
  }

  /** The RESTARTS column: of every container, init containers included. */
  public static int restarts(Pod pod) {
    int restarts = 0;
    for (ContainerStatus container : pod.getStatus().getInitContainerStatusesList()) {
      restarts += container.getRestartCount();
    }
    for (ContainerStatus container : pod.getStatus().getContainerStatusesList()) {
      restarts += container.getRestartCount();
    }
    return restarts;
  }

  /** True when the pod's init container {@code name} is a sidecar (restartPolicy Always). */
  private static boolean sidecar(Pod pod, String name) {
    for (Container c : pod.getSpec().getInitContainersList()) {
      if (c.getName().equals(name)) {
        return c.getRestartPolicy() == RestartPolicy.RESTART_POLICY_ALWAYS;
      }
    }
    return false;
  }

  /** True when the pod's Ready condition holds. */
  public static boolean isReady(Pod pod) {
    return Conditions.isReady(pod);
  }

  /**
   * Why a pod does not progress, or null when nothing is wrong: a container waiting for a reason
   * other than creation (ImagePullBackOff, CrashLoopBackOff, ...) or an unschedulable pod.
   */
  public static String stuckReason(Pod pod) {
    for (ContainerStatus container : pod.getStatus().getInitContainerStatusesList()) {
      String why = waiting(container);
      if (why != null) {
        return why;
      }
    }
    for (ContainerStatus container : pod.getStatus().getContainerStatusesList()) {
      String why = waiting(container);
      if (why != null) {
        return why;
      }
    }
    for (Condition condition : pod.getStatus().getConditionsList()) {
      if (condition.getType().equals("PodScheduled")
          && condition.getStatus() == ConditionStatus.CONDITION_STATUS_FALSE) {
        return join(
            condition.getReason().isEmpty() ? "Unschedulable" : condition.getReason(),
            condition.getMessage());
      }
    }
    if (pod.getStatus().getPhase() == PodPhase.POD_PHASE_FAILED) {
      return join(
          pod.getStatus().getReason().isEmpty() ? "Failed" : pod.getStatus().getReason(),
          pod.getStatus().getMessage());
    }
    return null;
  }

  private static String waiting(ContainerStatus container) {
    if (!container.getState().hasWaiting()) {
      return null;
    }
    String reason = container.getState().getWaiting().getReason();
    if (reason.isEmpty()
        || reason.equals("ContainerCreating")
        || reason.equals("PodInitializing")) {
      return null;
    }
    return container.getName()
        + ": "
        + join(reason, container.getState().getWaiting().getMessage());
  }

  private static String join(String reason, String message) {
    return message.isEmpty() ? reason : reason + " (" + message + ")";
  }
}
