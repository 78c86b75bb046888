package dev.drover.e2e.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.drover.api.v1.ConditionStatus;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodPhase;
import dev.drover.api.v1.TaintEffect;
import dev.drover.client.DroverClient;
import dev.drover.testing.TestObjects;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two agent hosts, each a node agent JVM with its own Docker daemon in its own namespace, and one
 * master on a third host: a pod bound to each node runs as a container of that host's daemon and of
 * no other; after a power cut of one host and its boot, its pod runs there again; an orderly
 * restart of the other host's daemon brings its pod back too.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class AgentHostTest {

  private static final Duration PATIENCE = Duration.ofSeconds(90);

  private Hosts hosts;
  private Masters masters;
  private DroverClient client;

  @BeforeEach
  void setUp() {
    Hosts.assumeAvailable();
    AgentHost.assumeAvailable();
    hosts = Hosts.create(3);
    Path dir = Path.of("target", "faults", hosts.run());
    masters = new Masters(hosts, List.of(hosts.host(1)), dir).startAll();
    client = DroverClient.builder().endpoints(masters.endpoints()).build();
  }

  @AfterEach
  void tearDown() {
    try {
      if (client != null) {
        client.close();
      }
      if (masters != null) {
        masters.close();
      }
    } finally {
      if (hosts != null) {
        hosts.close();
      }
    }
  }

  @Test
  void podsRunOnTheirOwnHostsDaemonAndComeBackAfterAPowerCut() {
    Path dir = Path.of("target", "faults", hosts.run());
    List<AgentHost> both =
        AgentHost.startAll(hosts, List.of(hosts.host(2), hosts.host(3)), masters.endpoints(), dir);
    AgentHost a = both.get(0);
    AgentHost b = both.get(1);
    // Two daemons, two bridges on different subnets, each in its host's namespace only.
    assertThat(hosts.exec(a.host(), "ip", "-4", "addr", "show", "docker0")).contains("172.31.2.1");
    assertThat(hosts.exec(b.host(), "ip", "-4", "addr", "show", "docker0")).contains("172.31.3.1");
    await().atMost(PATIENCE).ignoreExceptions().until(() -> ready(a) && ready(b));

    for (AgentHost h : List.of(a, b)) {
      Pod.Builder pod =
          TestObjects.boundPod(
              "p-" + h.host().index(),
              h.nodeName(),
              TestObjects.shell(
                      "main", h.image(), "trap 'exit 0' TERM; while true; do sleep 1; done")
                  .build());
      // Kubernetes' 300 s: the pod must outlast its host's power cut, not be evicted meanwhile.
      for (String taint :
          List.of("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable")) {
        pod.getSpecBuilder()
            .addTolerations(TestObjects.tolerate(taint, TaintEffect.TAINT_EFFECT_NO_EXECUTE, 300));
      }
      client.pods().create(pod.build());
    }
    String uidA = awaitRunning("p-2").getMetadata().getUid();
    String uidB = awaitRunning("p-3").getMetadata().getUid();
    assertThat(a.runningByPod()).containsOnlyKeys(uidA);
    assertThat(b.runningByPod()).containsOnlyKeys(uidB);
    assertThat(a.runningByPod().get(uidA)).hasSize(1);
    // The sandbox of each pod is there too, from the same registry.
    assertThat(a.dockerPs()).anyMatch(c -> c.sandbox() && c.podUid().equals(uidA));

    // A power cut of a: every process and container of it gone; b's pod untouched.
    String containerB = b.runningByPod().get(uidB).get(0).id();
    a.kill();
    assertThat(a.isUp()).isFalse();
    assertThat(b.runningByPod().get(uidB))
        .extracting(AgentHost.DockerContainer::id)
        .containsExactly(containerB);

    a.boot();
    await()
        .atMost(PATIENCE)
        .ignoreExceptions()
        .untilAsserted(() -> assertThat(a.runningByPod().get(uidA)).hasSize(1));
    awaitRunning("p-2");

    // An orderly restart of b's daemon stops its containers; the agent starts the pod again.
    b.restartDocker();
    await()
        .atMost(PATIENCE)
        .ignoreExceptions()
        .untilAsserted(() -> assertThat(b.runningByPod().get(uidB)).hasSize(1));
    assertThat(b.runningByPod().get(uidB).get(0).id()).isNotEqualTo(containerB);
  }

  private boolean ready(AgentHost h) {
    return client.nodes().get("", h.nodeName()).getStatus().getConditionsList().stream()
        .anyMatch(
            c ->
                c.getType().equals("Ready")
                    && c.getStatus() == ConditionStatus.CONDITION_STATUS_TRUE);
  }

  private Pod awaitRunning(String name) {
    return await()
        .atMost(PATIENCE)
        .ignoreExceptions()
        .until(
            () -> client.pods().get("default", name),
            p -> p.getStatus().getPhase() == PodPhase.POD_PHASE_RUNNING);
  }
}
