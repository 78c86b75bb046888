package dev.drover.agent.sync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.agent.runtime.ContainerInfo;
import dev.drover.api.v1.Container;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodSpec;
import dev.drover.api.v1.RestartPolicy;
import dev.drover.client.Backoff;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The order of init containers, sidecars and main containers, step by step, with the states a pod
 * goes through: who is stepped, who waits, when the pod is initialized, and when sidecars stop.
 */
class InitOrderTest {

  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final KnownContainer FRESH =
      KnownContainer.initial(
          new Backoff(Duration.ofSeconds(10), Duration.ofMinutes(5), Duration.ofMinutes(10)));

  private static Container plain(String name) {
    return Container.newBuilder().setName(name).setImage("busybox:1").build();
  }

  private static Container sidecar(String name) {
    return plain(name).toBuilder().setRestartPolicy(RestartPolicy.RESTART_POLICY_ALWAYS).build();
  }

  private static Pod pod(RestartPolicy policy, List<Container> inits, Container... mains) {
    return Pod.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName("p").setNamespace("default").setUid("u1"))
        .setSpec(
            PodSpec.newBuilder()
                .setRestartPolicy(policy)
                .addAllInitContainers(inits)
                .addAllContainers(List.of(mains)))
        .build();
  }

  private static ContainerInfo info(String id, ContainerInfo.State state, int exitCode) {
    return new ContainerInfo(
        id,
        "n",
        "busybox:1",
        "sha256:1",
        Map.of(),
        state,
        exitCode,
        false,
        T0,
        state == ContainerInfo.State.EXITED ? T0.plusSeconds(1) : null,
        "",
        "");
  }

  private static KnownContainer exited(int code) {
    return PodActions.created(FRESH, "x", 0)
        .withCurrent(info("x", ContainerInfo.State.EXITED, code))
        .withWaiting(null);
  }

  private static KnownContainer running(boolean started) {
    return PodActions.created(FRESH, "r", 0)
        .withCurrent(info("r", ContainerInfo.State.RUNNING, 0))
        .withWaiting(null)
        .withProbes("r", started, true);
  }

  private static Map<String, InitOrder.Turn> turns(Pod pod, Map<String, KnownContainer> states) {
    Map<String, InitOrder.Turn> out = new java.util.LinkedHashMap<>();
    for (InitOrder.Entry e : InitOrder.plan(pod, states)) {
      out.put(e.container().getName(), e.turn());
    }
    return out;
  }

  @Test
  void initContainersRunOneAtATimeBeforeTheMainOnes() {
    Pod pod =
        pod(RestartPolicy.RESTART_POLICY_ALWAYS, List.of(plain("a"), plain("b")), plain("app"));
    Map<String, KnownContainer> states = new HashMap<>();
    assertThat(turns(pod, states))
        .containsExactly(
            Map.entry("a", InitOrder.Turn.SYNC),
            Map.entry("b", InitOrder.Turn.SKIP),
            Map.entry("app", InitOrder.Turn.SKIP));
    assertThat(InitOrder.initialized(pod, states)).isFalse();

    states.put("a", running(true));
    assertThat(turns(pod, states).values())
        .containsExactly(InitOrder.Turn.SYNC, InitOrder.Turn.SKIP, InitOrder.Turn.SKIP);

    // Found exited by the inspect right after its start: one more step must see the exit.
    states.put("a", exited(0).withWaiting("ContainerCreating", ""));
    assertThat(turns(pod, states).values())
        .containsExactly(InitOrder.Turn.SYNC, InitOrder.Turn.SKIP, InitOrder.Turn.SKIP);

    states.put("a", exited(0));
    assertThat(turns(pod, states).values())
        .containsExactly(InitOrder.Turn.SKIP, InitOrder.Turn.SYNC, InitOrder.Turn.SKIP);

    states.put("b", exited(0));
    assertThat(turns(pod, states).values())
        .containsExactly(InitOrder.Turn.SKIP, InitOrder.Turn.SKIP, InitOrder.Turn.SYNC);
    assertThat(InitOrder.initialized(pod, states)).isTrue();
    assertThat(List.copyOf(InitOrder.plan(pod, states)).get(1).path())
        .isEqualTo("spec.initContainers[1]");
  }

  @Test
  void aFailedInitContainerBlocksAndIsRetriedUnlessThePodNeverRestarts() {
    List<Container> inits = List.of(plain("a"));
    Pod always = pod(RestartPolicy.RESTART_POLICY_ALWAYS, inits, plain("app"));
    Map<String, KnownContainer> states = new HashMap<>(Map.of("a", exited(1)));
    assertThat(turns(always, states).values())
        .containsExactly(InitOrder.Turn.SYNC, InitOrder.Turn.SKIP);
    // Always means OnFailure for an init container: a failure is retried, a success is final.
    assertThat(InitOrder.restartPolicy(always, inits.get(0)))
        .isEqualTo(RestartPolicy.RESTART_POLICY_ON_FAILURE);
    assertThat(InitOrder.initFailed(always, states)).isFalse();
    assertThat(InitOrder.restartPolicy(always, plain("app")))
        .isEqualTo(RestartPolicy.RESTART_POLICY_ALWAYS);

    Pod never = pod(RestartPolicy.RESTART_POLICY_NEVER, inits, plain("app"));
    assertThat(InitOrder.initFailed(never, states)).isTrue();
    assertThat(InitOrder.initialized(never, states)).isFalse();
    // While it waits out its back-off it is not failed for good.
    states.put("a", exited(1).withWaiting("CrashLoopBackOff", ""));
    assertThat(InitOrder.initFailed(never, states)).isFalse();
  }

  @Test
  void aSidecarLetsTheNextGoOnceStartedAndKeepsBeingStepped() {
    Pod pod =
        pod(
            RestartPolicy.RESTART_POLICY_ALWAYS,
            List.of(sidecar("proxy"), plain("migrate")),
            plain("app"));
    Map<String, KnownContainer> states = new HashMap<>();
    states.put("proxy", running(false));
    // Running but its startup probe has not passed: the next init container waits.
    assertThat(turns(pod, states).values())
        .containsExactly(InitOrder.Turn.SYNC, InitOrder.Turn.SKIP, InitOrder.Turn.SKIP);
    states.put("proxy", running(true));
    assertThat(turns(pod, states).values())
        .containsExactly(InitOrder.Turn.SYNC, InitOrder.Turn.SYNC, InitOrder.Turn.SKIP);
    states.put("migrate", exited(0));
    assertThat(turns(pod, states).values())
        .containsExactly(InitOrder.Turn.SYNC, InitOrder.Turn.SKIP, InitOrder.Turn.SYNC);
    assertThat(InitOrder.restartPolicy(pod, sidecar("proxy")))
        .isEqualTo(RestartPolicy.RESTART_POLICY_ALWAYS);

    // Once the app was made, a sidecar that exited is restarted beside it: never blocks again.
    states.put("app", running(true));
    states.put("proxy", exited(0));
    assertThat(InitOrder.initialized(pod, states)).isTrue();
    assertThat(turns(pod, states).values())
        .containsExactly(InitOrder.Turn.SYNC, InitOrder.Turn.SKIP, InitOrder.Turn.SYNC);
    assertThat(PodActions.shouldRestart(pod, sidecar("proxy"), exited(0).current())).isTrue();
  }

  @Test
  void sidecarsStopOnceTheMainContainersFinishedForGood() {
    Pod job = pod(RestartPolicy.RESTART_POLICY_NEVER, List.of(sidecar("log")), plain("work"));
    Map<String, KnownContainer> states = new HashMap<>();
    states.put("log", running(true));
    states.put("work", running(true));
    assertThat(InitOrder.mainFinished(job, states)).isFalse();
    states.put("work", exited(1));
    assertThat(InitOrder.mainFinished(job, states)).isTrue();
    assertThat(turns(job, states).values())
        .containsExactly(InitOrder.Turn.STOP, InitOrder.Turn.SYNC);

    // With OnFailure a failed main container is restarted: the sidecar keeps running.
    Pod retried =
        pod(RestartPolicy.RESTART_POLICY_ON_FAILURE, List.of(sidecar("log")), plain("work"));
    assertThat(InitOrder.mainFinished(retried, states)).isFalse();
    states.put("work", exited(0));
    assertThat(InitOrder.mainFinished(retried, states)).isTrue();
  }
}
