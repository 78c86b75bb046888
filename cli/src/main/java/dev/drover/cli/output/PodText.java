package dev.drover.cli.output;

import dev.drover.api.Conditions;
import dev.drover.api.KubeEnums;
import dev.drover.api.v1.Condition;
import dev.drover.api.v1.ConditionStatus;
import dev.drover.api.v1.ContainerState;
import dev.drover.api.v1.ContainerStatus;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodPhase;

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
    for (int i = 0; i < pod.getStatus().getInitContainerStatusesCount(); i++) {
      ContainerState state = pod.getStatus().getInitContainerStatuses(i).getState();
      if (state.hasTerminated() && state.getTerminated().getExitCode() == 0) {
        continue;
      }
      if (state.hasTerminated()) {
        return "Init:"
            + (state.getTerminated().getReason().isEmpty()
                ? "ExitCode:" + state.getTerminated().getExitCode()
                : state.getTerminated().getReason());
      }
      if (state.hasWaiting()
          && !state.getWaiting().getReason().isEmpty()
          && !state.getWaiting().getReason().equals("PodInitializing")) {
        return "Init:" + state.getWaiting().getReason();
      }
      return "Init:" + i + "/" + inits;
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

  /** The READY column: ready containers / containers. */
  public static String ready(Pod pod) {
    int ready = 0;
    for (ContainerStatus container : pod.getStatus().getContainerStatusesList()) {
      if (container.getReady()) {
        ready++;
      }
    }
    return ready + "/" + pod.getSpec().getContainersCount();
  }

  /** The RESTARTS column. */
  public static int restarts(Pod pod) {
    int restarts = 0;
    for (ContainerStatus container : pod.getStatus().getContainerStatusesList()) {
      restarts += container.getRestartCount();
    }
    return restarts;
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
