package dev.drover.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Container;
import dev.drover.agent.runtime.docker.DockerTestSupport;
import dev.drover.agent.testing.AgentProcess;
import dev.drover.agent.testing.Pods;
import dev.drover.api.v1.ConditionStatus;
import dev.drover.api.v1.ContainerStatus;
import dev.drover.api.v1.DeleteRequest;
import dev.drover.api.v1.Deployment;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Node;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodPhase;
import dev.drover.api.v1.TaintEffect;
import dev.drover.api.v1.Toleration;
import dev.drover.client.DroverClient;
import dev.drover.master.Master;
import dev.drover.testing.TestObjects;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The agent as its own process against a real master (API server, scheduler, controllers) over
 * gRPC, on the real Docker daemon: a Deployment's pods, bound by the scheduler, run as containers
 * and their status reaches the master; the agent killed with SIGKILL and started again adopts the
 * same containers, removes those of pods deleted while it was down and resumes reporting status;
 * deleting pods through the API removes their containers and the pod objects.
 */
class RealMasterAgentTest {

  private static final Duration LONG = Duration.ofSeconds(90);
  private static final String APP = "web";
  private static final int REPLICAS = 5;

  private final String node = "rm-" + UUID.randomUUID().toString().substring(0, 8);
  private Path dir;
  private Master master;
  private DroverClient client;
  private DockerClient docker;
  private Process agent;

  @BeforeEach
  void setUp() throws IOException {
    DockerTestSupport.assumeDocker();
    dir = Files.createTempDirectory("drover-real-master-it");
    docker = DockerTestSupport.newClient();
    master = Master.builder().apiHost("127.0.0.1").apiPort(0).metricsPort(-1).start();
    client = DroverClient.builder().endpoint(master.apiAddress()).build();
    await().atMost(LONG).until(master::isActive);
  }

  @AfterEach
  void tearDown() throws Exception {
    try {
      stopAgent();
      if (docker != null) {
        for (Container c :
            docker
                .listContainersCmd()
                .withShowAll(true)
                .withLabelFilter(Map.of("drover.node", node))
                .exec()) {
          try {
            docker.removeContainerCmd(c.getId()).withForce(true).exec();
          } catch (RuntimeException e) {
            // Already gone.
          }
        }
        docker.close();
      }
    } finally {
      if (client != null) {
        client.close();
      }
      if (master != null) {
        master.close();
      }
      if (dir != null) {
        try (Stream<Path> walk = Files.walk(dir)) {
          walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      }
    }
  }

  @Test
  void scheduledPodsRunOnDockerAndSurviveAnAgentKilledWithSigkill() throws Exception {
    startAgent();
    await().atMost(LONG).ignoreExceptions().until(() -> nodeReady(client.nodes().get("", node)));
    client.deployments().create(deployment(REPLICAS));

    List<Pod> running = awaitRunning(REPLICAS);
    Map<String, String> ids = containerIds(running);
    assertThat(ids).hasSize(REPLICAS);
    Map<String, String> startedAt = new HashMap<>();
    for (String id : ids.values()) {
      InspectContainerResponse r = docker.inspectContainerCmd(id).exec();
      assertThat(r.getState().getRunning()).isTrue();
      assertThat(r.getConfig().getLabels()).containsEntry("drover.node", node);
      startedAt.put(id, r.getState().getStartedAt());
    }

    // A crash: no shutdown hook runs, nothing is flushed or closed.
    agent.destroyForcibly();
    assertThat(agent.waitFor(30, TimeUnit.SECONDS)).isTrue();

    // While the agent is down, two pods are deleted: one forcibly (its object is gone at once,
    // so its containers belong to no pod any more), one gracefully (its object waits for the
    // agent's confirmation). Nobody stops their containers yet.
    Pod forced = running.get(0);
    Pod graceful = running.get(1);
    client.delete(
        DeleteRequest.newBuilder()
            .setKind(Kind.KIND_POD)
            .setNamespace("default")
            .setName(forced.getMetadata().getName())
            .setForce(true)
            .build());
    client.pods().delete("default", graceful.getMetadata().getName());
    assertThat(podNames()).doesNotContain(forced.getMetadata().getName());
    assertThat(client.pods().get("default", graceful.getMetadata().getName()).getMetadata())
        .matches(m -> m.hasDeletionTime(), "has a deletion time");
    for (Pod p : List.of(forced, graceful)) {
      assertThat(containersOfPod(p.getMetadata().getUid()))
          .isNotEmpty()
          .allMatch(c -> c.getState().equals("running"), "still running");
    }
    Map<String, String> kept = new HashMap<>(ids);
    kept.remove(forced.getMetadata().getName());
    kept.remove(graceful.getMetadata().getName());

    startAgent();

    // The new agent removes the containers of both deleted pods (the forced one's by the orphan
    // sweep: no pod owns them), and confirms the graceful deletion so that its object goes.
    await()
        .atMost(LONG)
        .untilAsserted(
            () -> {
              assertThat(containersOfPod(forced.getMetadata().getUid())).isEmpty();
              assertThat(containersOfPod(graceful.getMetadata().getUid())).isEmpty();
              assertThat(podNames()).doesNotContain(graceful.getMetadata().getName());
            });

    // It adopts the other containers: the same ids keep running, never restarted.
    for (Map.Entry<String, String> e : kept.entrySet()) {
      InspectContainerResponse r = docker.inspectContainerCmd(e.getValue()).exec();
      assertThat(r.getState().getRunning()).isTrue();
      assertThat(r.getRestartCount()).isZero();
      assertThat(r.getState().getStartedAt()).isEqualTo(startedAt.get(e.getValue()));
    }

    // Status resumes: the ReplicaSet's two replacements are reported Running by the new agent,
    // next to the adopted pods, whose status still names the same containers, zero restarts.
    List<Pod> after = awaitRunning(REPLICAS);
    Map<String, String> afterIds = containerIds(after);
    assertThat(afterIds).containsAllEntriesOf(kept);
    assertThat(afterIds.keySet())
        .doesNotContain(forced.getMetadata().getName(), graceful.getMetadata().getName());
    for (Pod p : after) {
      if (kept.containsKey(p.getMetadata().getName())) {
        assertThat(Pods.container(p.getStatus(), "main").getRestartCount()).isZero();
      }
    }
    // ... and follows what happens to an adopted container: killed behind the agent's back, it
    // is restarted and the pod's status shows the new container and one restart.
    String adoptedPod = kept.keySet().iterator().next();
    String adoptedId = kept.get(adoptedPod);
    docker.killContainerCmd(adoptedId).exec();
    await()
        .atMost(LONG)
        .untilAsserted(
            () -> {
              ContainerStatus c =
                  Pods.container(client.pods().get("default", adoptedPod).getStatus(), "main");
              assertThat(c.getRestartCount()).isEqualTo(1);
              assertThat(c.getState().hasRunning()).isTrue();
              assertThat(c.getContainerId()).isNotEqualTo("docker://" + adoptedId);
            });

    // Many heartbeats later the node still offers what it registered: heartbeats carry the
    // allocatable resources, so they never wipe what the scheduler places pods by.
    assertThat(client.nodes().get("", node).getStatus().getAllocatableMap())
        .containsEntry("pods", "110")
        .containsKeys("cpu", "memory");

    // Deleting the Deployment removes every pod and container of it.
    client.delete(
        DeleteRequest.newBuilder()
            .setKind(Kind.KIND_DEPLOYMENT)
            .setNamespace("default")
            .setName(APP)
            .build());
    await()
        .atMost(LONG)
        .untilAsserted(
            () -> {
              assertThat(client.pods().list("default", "app=" + APP)).isEmpty();
              assertThat(
                      docker
                          .listContainersCmd()
                          .withShowAll(true)
                          .withLabelFilter(Map.of("drover.node", node))
                          .exec())
                  .isEmpty();
            });
  }

  private List<Pod> awaitRunning(int n) {
    return await()
        .atMost(LONG)
        .until(
            () -> client.pods().list("default", "app=" + APP),
            pods ->
                pods.size() == n
                    && pods.stream()
                        .allMatch(
                            p ->
                                p.getSpec().getNodeName().equals(node)
                                    && p.getStatus().getPhase() == PodPhase.POD_PHASE_RUNNING
                                    && !p.getMetadata().hasDeletionTime()
                                    && Pods.container(p.getStatus(), "main")
                                        .getState()
                                        .hasRunning()));
  }

  private List<String> podNames() {
    return client.pods().list("default", "app=" + APP).stream()
        .map(p -> p.getMetadata().getName())
        .toList();
  }

  /** Pod name to Docker id of its "main" container. */
  private static Map<String, String> containerIds(List<Pod> pods) {
    return pods.stream()
        .collect(
            Collectors.toMap(
                p -> p.getMetadata().getName(),
                p -> {
                  ContainerStatus c = Pods.container(p.getStatus(), "main");
                  return c.getContainerId().replace("docker://", "");
                }));
  }

  private List<Container> containersOfPod(String uid) {
    return docker
        .listContainersCmd()
        .withShowAll(true)
        .withLabelFilter(Map.of("drover.pod.uid", uid))
        .exec();
  }

  private static boolean nodeReady(Node n) {
    return n.getStatus().getConditionsList().stream()
        .anyMatch(
            c ->
                c.getType().equals("Ready")
                    && c.getStatus() == ConditionStatus.CONDITION_STATUS_TRUE);
  }

  private Deployment deployment(int replicas) {
    Deployment.Builder d =
        TestObjects.deployment(
            "default",
            APP,
            replicas,
            TestObjects.shell(
                "main",
                DockerTestSupport.LOCAL_IMAGE,
                "trap 'exit 0' TERM; while true; do sleep 1; done"));
    d.getSpecBuilder()
        .getTemplateBuilder()
        .getSpecBuilder()
        .setTerminationGracePeriodSeconds(2)
        // Kubernetes gives every pod these (300 s); Drover's built-in few seconds would evict the
        // pods while the agent is down, and this test is about adoption, not eviction.
        .addTolerations(toleration("node.kubernetes.io/not-ready"))
        .addTolerations(toleration("node.kubernetes.io/unreachable"));
    return d.build();
  }

  private static Toleration toleration(String key) {
    return TestObjects.tolerate(key, TaintEffect.TAINT_EFFECT_NO_EXECUTE, 300);
  }

  private void startAgent() throws IOException {
    // Surefire runs tests from a manifest-only jar; the real class path is in this property.
    String cp =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx128m");
    cmd.add("-cp");
    cmd.add(cp);
    cmd.add(AgentProcess.class.getName());
    cmd.add(node);
    cmd.add(master.apiAddress());
    cmd.add(dir.resolve("agent-data").toString());
    cmd.add(DockerTestSupport.DOCKER_HOST);
    agent =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("agent.log").toFile()))
            .start();
  }

  private void stopAgent() throws InterruptedException {
    if (agent == null) {
      return;
    }
    try {
      // The agent process ends when its standard input closes.
      agent.getOutputStream().close();
    } catch (IOException e) {
      // Already gone.
    }
    if (!agent.waitFor(30, TimeUnit.SECONDS)) {
      agent.destroyForcibly();
      agent.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
