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
import dev.drover.api.v1.DeploymentSpec;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.LabelSelector;
import dev.drover.api.v1.Node;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodPhase;
import dev.drover.api.v1.PodSpec;
import dev.drover.api.v1.PodTemplateSpec;
import dev.drover.client.DroverClient;
import dev.drover.master.Master;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
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
 * same containers; deleting pods through the API removes their containers and the pod objects.
 */
class RealMasterAgentTest {

  private static final Duration LONG = Duration.ofSeconds(90);
  private static final String APP = "web";

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
    client.deployments().create(deployment(2));

    List<Pod> running = awaitRunning(2);
    Map<String, String> ids = containerIds(running);
    for (String id : ids.values()) {
      InspectContainerResponse r = docker.inspectContainerCmd(id).exec();
      assertThat(r.getState().getRunning()).isTrue();
      assertThat(r.getConfig().getLabels()).containsEntry("drover.node", node);
    }

    // A crash: no shutdown hook runs, nothing is flushed or closed.
    agent.destroyForcibly();
    assertThat(agent.waitFor(30, TimeUnit.SECONDS)).isTrue();
    startAgent();

    // The new agent adopts the containers: the same ids keep running, never restarted.
    await()
        .atMost(LONG)
        .untilAsserted(
            () -> {
              List<Pod> now = client.pods().list("default", "app=" + APP);
              assertThat(containerIds(now)).isEqualTo(ids);
            });
    for (String id : ids.values()) {
      InspectContainerResponse r = docker.inspectContainerCmd(id).exec();
      assertThat(r.getState().getRunning()).isTrue();
      assertThat(r.getRestartCount()).isZero();
    }

    // The restarted agent acts on new work: a deleted pod's containers go and the pod object
    // goes once the agent confirms; the ReplicaSet's replacement runs on Docker.
    String victim = running.get(0).getMetadata().getName();
    String victimUid = running.get(0).getMetadata().getUid();
    client.pods().delete("default", victim);
    await()
        .atMost(LONG)
        .untilAsserted(
            () -> {
              assertThat(containersOfPod(victimUid)).isEmpty();
              assertThat(
                      client.pods().list("default", "app=" + APP).stream()
                          .map(p -> p.getMetadata().getName()))
                  .doesNotContain(victim);
            });
    List<Pod> after = awaitRunning(2);
    assertThat(after.stream().map(p -> p.getMetadata().getName())).doesNotContain(victim);

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
    return Deployment.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName(APP))
        .setSpec(
            DeploymentSpec.newBuilder()
                .setReplicas(replicas)
                .setSelector(LabelSelector.newBuilder().putMatchLabels("app", APP))
                .setTemplate(
                    PodTemplateSpec.newBuilder()
                        .setMetadata(ObjectMeta.newBuilder().putLabels("app", APP))
                        .setSpec(
                            PodSpec.newBuilder()
                                .setTerminationGracePeriodSeconds(2)
                                .addContainers(
                                    Pods.shell(
                                        "main",
                                        DockerTestSupport.LOCAL_IMAGE,
                                        "trap 'exit 0' TERM; while true; do sleep 1; done")))))
        .build();
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
