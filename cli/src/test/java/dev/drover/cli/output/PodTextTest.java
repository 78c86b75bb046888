package dev.drover.cli.output;

import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.api.v1.Condition;
import dev.drover.api.v1.ConditionStatus;
import dev.drover.api.v1.Container;
import dev.drover.api.v1.ContainerState;
import dev.drover.api.v1.ContainerStateRunning;
import dev.drover.api.v1.ContainerStateTerminated;
import dev.drover.api.v1.ContainerStateWaiting;
import dev.drover.api.v1.ContainerStatus;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodPhase;
import dev.drover.api.v1.PodSpec;
import dev.drover.api.v1.PodStatus;
import dev.drover.api.v1.RestartPolicy;
import org.junit.jupiter.api.Test;

/** The STATUS, READY and RESTARTS columns of pods with init containers and sidecars, as kubectl. */
class PodTextTest {

  private static final ContainerState RUNNING =
      ContainerState.newBuilder().setRunning(ContainerStateRunning.getDefaultInstance()).build();

  private static ContainerState waiting(String reason) {
    return ContainerState.newBuilder()
        .setWaiting(ContainerStateWaiting.newBuilder().setReason(reason))
        .build();
  }

  private static ContainerState terminated(int code, String reason) {
    return ContainerState.newBuilder()
        .setTerminated(ContainerStateTerminated.newBuilder().setExitCode(code).setReason(reason))
        .build();
  }

  private static ContainerStatus status(String name, ContainerState state) {
    return ContainerStatus.newBuilder().setName(name).setState(state).build();
  }

  private static Pod pod(boolean sidecar, boolean initialized, ContainerStatus... inits) {
    PodSpec.Builder spec = PodSpec.newBuilder();
    spec.addInitContainers(
        Container.newBuilder()
            .setName("first")
            .setRestartPolicy(
                sidecar
                    ? RestartPolicy.RESTART_POLICY_ALWAYS
                    : RestartPolicy.RESTART_POLICY_UNSPECIFIED));
    spec.addInitContainers(Container.newBuilder().setName("second"));
    spec.addContainers(Container.newBuilder().setName("app"));
    PodStatus.Builder status =
        PodStatus.newBuilder()
            .setPhase(initialized ? PodPhase.POD_PHASE_RUNNING : PodPhase.POD_PHASE_PENDING)
            .addAllInitContainerStatuses(java.util.List.of(inits))
            .addContainerStatuses(
                initialized
                    ? status("app", RUNNING).toBuilder().setReady(true).setRestartCount(1).build()
                    : status("app", waiting("PodInitializing")))
            .addConditions(
                Condition.newBuilder()
                    .setType("Initialized")
                    .setStatus(
                        initialized
                            ? ConditionStatus.CONDITION_STATUS_TRUE
                            : ConditionStatus.CONDITION_STATUS_FALSE));
    return Pod.newBuilder().setSpec(spec).setStatus(status).build();
  }

  @Test
  void initProgressAndFailuresShowAsKubectlShowsThem() {
    ContainerStatus secondWaits = status("second", waiting("PodInitializing"));
    assertThat(PodText.status(pod(false, false, status("first", RUNNING), secondWaits)))
        .isEqualTo("Init:0/2");
    assertThat(
            PodText.status(
                pod(
                    false,
                    false,
                    status("first", terminated(0, "Completed")),
                    status("second", RUNNING))))
        .isEqualTo("Init:1/2");
    assertThat(
            PodText.status(pod(false, false, status("first", terminated(1, "Error")), secondWaits)))
        .isEqualTo("Init:Error");
    assertThat(PodText.status(pod(false, false, status("first", terminated(3, "")), secondWaits)))
        .isEqualTo("Init:ExitCode:3");
    assertThat(
            PodText.status(
                pod(false, false, status("first", waiting("CrashLoopBackOff")), secondWaits)))
        .isEqualTo("Init:CrashLoopBackOff");
  }

  @Test
  void aStartedSidecarIsPastAndCountsInReadyAndRestarts() {
    ContainerStatus sidecar =
        status("first", RUNNING).toBuilder()
            .setStarted(true)
            .setReady(true)
            .setRestartCount(2)
            .build();
    assertThat(PodText.status(pod(true, false, sidecar, status("second", RUNNING))))
        .isEqualTo("Init:1/2");
    // A sidecar not started yet holds the pod at its place.
    assertThat(
            PodText.status(
                pod(
                    true,
                    false,
                    sidecar.toBuilder().setStarted(false).build(),
                    status("second", waiting("PodInitializing")))))
        .isEqualTo("Init:0/2");

    Pod running = pod(true, true, sidecar, status("second", terminated(0, "Completed")));
    assertThat(PodText.status(running)).isEqualTo("Running");
    assertThat(PodText.ready(running)).isEqualTo("2/2");
    assertThat(PodText.restarts(running)).isEqualTo(3);
    // A sidecar restarting after initialization shows, as in kubectl, while the app's READY holds.
    Pod restarting =
        pod(
            true,
            true,
            status("first", waiting("CrashLoopBackOff")),
            status("second", terminated(0, "Completed")));
    assertThat(PodText.status(restarting)).isEqualTo("Init:CrashLoopBackOff");
    assertThat(PodText.ready(restarting)).isEqualTo("1/2");
  }
}
