package dev.drover.agent.runtime.docker;

import static dev.drover.agent.testing.Pods.container;
import static dev.drover.testing.TestObjects.boundPod;
import static dev.drover.testing.TestObjects.shell;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.model.Container;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodPhase;
import dev.drover.api.v1.PodStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A Docker daemon restart while pods run: the agent notices the daemon went away, reconnects when
 * it is back and brings every pod to Running again in new containers, with exactly one sandbox and
 * one app container per pod (nothing duplicated, nothing stale left). Runs on a private daemon
 * ({@link PrivateDockerd}) so the shared one is never restarted.
 */
class DockerdRestartTest {

  private static final Duration LONG = Duration.ofSeconds(90);
  private static final String IMAGE = DockerTestSupport.LOCAL_IMAGE;
  private static final int PODS = 3;

  private PrivateDockerd dockerd;
  private DockerAgentFixture fx;

  @AfterEach
  void tearDown() throws Exception {
    try {
      if (fx != null) {
        fx.close();
      }
    } finally {
      if (dockerd != null) {
        dockerd.close();
      }
    }
  }

  @Test
  void agentReconnectsAfterADaemonRestartAndThePodsRunAgain() throws Exception {
    dockerd = PrivateDockerd.start();
    dockerd.loadImage(IMAGE);
    fx = new DockerAgentFixture(dockerd.host());
    fx.start();
    List<Pod> pods = new ArrayList<>();
    for (int i = 0; i < PODS; i++) {
      pods.add(
          fx.master.putPod(
              boundPod(
                      "survivor-" + i,
                      fx.node,
                      shell("main", IMAGE, "trap 'exit 0' TERM; while true; do sleep 1; done")
                          .build())
                  .build()));
    }
    List<String> before = new ArrayList<>();
    for (Pod p : pods) {
      PodStatus s =
          fx.awaitStatus(
              p.getMetadata().getUid(), st -> st.getPhase() == PodPhase.POD_PHASE_RUNNING, LONG);
      before.add(container(s, "main").getContainerId());
    }
    int registrations = fx.master.registrations().size();

    dockerd.restart();

    for (int i = 0; i < PODS; i++) {
      String uid = pods.get(i).getMetadata().getUid();
      String old = before.get(i);
      PodStatus s =
          fx.awaitStatus(
              uid,
              st ->
                  st.getPhase() == PodPhase.POD_PHASE_RUNNING
                      && container(st, "main").hasState()
                      && container(st, "main").getState().hasRunning()
                      && !container(st, "main").getContainerId().equals(old),
              LONG);
      String id = container(s, "main").getContainerId().replace("docker://", "");
      assertThat(dockerd.client().inspectContainerCmd(id).exec().getState().getRunning())
          .as("new container of pod %s runs in the restarted daemon", uid)
          .isTrue();
      assertThat(container(s, "main").getRestartCount()).isPositive();
    }
    // One running sandbox and one running app container per pod; the dead ones were replaced,
    // not kept next to the new ones (apart from one exited app container kept for "logs -p").
    // A container the daemon itself failed to remove while restarting ("removing", "dead": its
    // overlay mount busy) is the daemon's to finish; the agent keeps asking, but it is not
    // counted here.
    for (Pod p : pods) {
      String uid = p.getMetadata().getUid();
      await()
          .atMost(LONG)
          .untilAsserted(
              () -> {
                List<Container> all = fx.containers(Map.of("drover.pod.uid", uid));
                assertThat(all.stream().filter(c -> "running".equals(c.getState())).count())
                    .as("running containers of pod %s: %s", uid, all)
                    .isEqualTo(2);
                assertThat(
                        all.stream()
                            .filter(c -> !Set.of("removing", "dead").contains(c.getState())))
                    .as("containers of pod %s: %s", uid, all)
                    .hasSizeLessThanOrEqualTo(3);
              });
    }
    // The session with the master was never torn down by the daemon's outage.
    assertThat(fx.master.registrations()).hasSize(registrations);
  }
}
