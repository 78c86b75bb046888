package dev.drover.cluster;

import static dev.drover.cluster.Workloads.image;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import dev.drover.agent.AgentConfig;
import dev.drover.agent.NodeAgent;
import dev.drover.agent.runtime.ContainerInfo;
import dev.drover.agent.runtime.RuntimeKind;
import dev.drover.agent.runtime.docker.DockerRuntime;
import dev.drover.agent.sync.Labels;
import dev.drover.api.v1.ContainerPort;
import dev.drover.api.v1.DeploymentSpec;
import dev.drover.api.v1.IntOrString;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.Probe;
import dev.drover.api.v1.RollbackRequest;
import dev.drover.api.v1.TaintEffect;
import dev.drover.api.v1.TcpSocketAction;
import dev.drover.api.v1.Toleration;
import dev.drover.api.v1.TolerationOperator;
import dev.drover.client.DroverClient;
import dev.drover.master.Master;
import dev.drover.master.controller.node.NodeLifecycleController;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Deployment on real containers: one master and one node agent on the local Docker daemon run
 * three busybox httpd pods (ready once their port accepts connections), roll them to another image
 * and roll them back.
 *
 * <p>Without a reachable daemon (or the test images of {@code scripts/test-env.sh}) the test fails
 * under {@code CI=true} and is skipped, with the reason, elsewhere.
 */
class DockerDeploymentTest {
  private static final String DOCKER_HOST = "unix:///var/run/docker.sock";
  private static final String V1 = "drover.local/busybox:1";

  /** The same image under a second name (tagged by scripts/test-env.sh): a new revision. */
  private static final String V2 = "busybox:1.36";

  private static final Duration PATIENCE = Duration.ofSeconds(90);

  @TempDir Path dir;
  private final String node = "docker-it-" + UUID.randomUUID().toString().substring(0, 8);
  private DockerRuntime docker;
  private Master master;
  private NodeAgent agent;
  private DroverClient client;

  @BeforeEach
  void start() {
    docker = DockerRuntime.connect(DOCKER_HOST, Duration.ofMinutes(2));
    String missing = null;
    try {
      docker.ping();
      for (String img : List.of(V1, V2)) {
        if (!docker.imagePresent(img)) {
          missing = "image " + img + " is missing (run scripts/test-env.sh)";
        }
      }
    } catch (RuntimeException e) {
      missing = "Docker at " + DOCKER_HOST + " is not reachable: " + e.getMessage();
    }
    if (missing != null) {
      docker.close();
      docker = null;
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        fail(missing + "; CI=true requires the Docker tests to run");
      }
      System.err.println("SKIPPED DockerDeploymentTest: " + missing);
      Assumptions.abort(missing);
    }
    master = Master.builder().apiPort(0).start();
    client =
        DroverClient.builder()
            .endpoint(master.apiAddress())
            .deadline(Duration.ofSeconds(15))
            .build();
    agent =
        NodeAgent.create(
                AgentConfig.builder()
                    .nodeName(node)
                    .masterEndpoint(master.apiAddress())
                    .runtime(RuntimeKind.DOCKER)
                    .dockerHost(DOCKER_HOST)
                    .dataDir(dir.resolve("agent"))
                    .bindAddress("127.0.0.1")
                    .build(),
                docker,
                target -> NettyChannelBuilder.forTarget(target).usePlaintext().build())
            .start();
  }

  @AfterEach
  void stop() {
    try {
      if (client != null) {
        client.deployments().delete("web", "httpd");
        // The agent stops the pods it runs; wait for that, then remove anything left over.
        await().atMost(PATIENCE).ignoreExceptions().until(() -> containers().isEmpty());
      }
    } finally {
      if (docker != null) {
        for (ContainerInfo c : containers()) {
          docker.remove(c.id());
        }
      }
      if (agent != null) {
        agent.close();
      }
      if (client != null) {
        client.close();
      }
      if (master != null) {
        master.close();
      }
      if (docker != null) {
        docker.close();
      }
    }
  }

  private List<ContainerInfo> containers() {
    return docker.list(Map.of(Labels.NODE, node));
  }

  @Test
  void threeHttpdPodsBecomeReadyRollToANewImageAndRollBack() {
    DeploymentSpec.Builder spec = Workloads.deployment("httpd", 3, V1, 1, 0);
    // This test is about rollouts, not node failure: on the shared machine at load ~40 this
    // one agent's heartbeats were seen to lapse past the 6 s grace, and the unreachable taint
    // evicted the pods mid-rollout. Tolerating the taints keeps them through such a lapse.
    for (String taint :
        List.of(
            NodeLifecycleController.UNREACHABLE_TAINT, NodeLifecycleController.NOT_READY_TAINT)) {
      spec.getTemplateBuilder()
          .getSpecBuilder()
          .addTolerations(
              Toleration.newBuilder()
                  .setKey(taint)
                  .setOperator(TolerationOperator.TOLERATION_OPERATOR_EXISTS)
                  .setEffect(TaintEffect.TAINT_EFFECT_NO_EXECUTE));
    }
    spec.getTemplateBuilder()
        .getSpecBuilder()
        .setTerminationGracePeriodSeconds(2)
        .getContainersBuilder(0)
        .clearResources()
        .addAllCommand(List.of("httpd", "-f", "-p", "8080"))
        .addPorts(ContainerPort.newBuilder().setName("http").setContainerPort(8080))
        .setReadinessProbe(
            Probe.newBuilder()
                .setPeriodSeconds(1)
                .setTcpSocket(
                    TcpSocketAction.newBuilder()
                        .setPort(IntOrString.newBuilder().setIntValue(8080))));
    Workloads.namespace(client, "web");
    Workloads.create(client, "web", "httpd", spec);
    awaitRunning(V1);

    Workloads.editSpec(client, "web", "httpd", Workloads.image(V2));
    awaitRunning(V2);
    assertThat(client.deployments().get("web", "httpd").getStatus().getCurrentRevision())
        .isEqualTo(2);

    client
        .control()
        .rollback(RollbackRequest.newBuilder().setNamespace("web").setName("httpd").build());
    awaitRunning(V1);
    assertThat(
            client
                .deployments()
                .get("web", "httpd")
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers(0)
                .getImage())
        .isEqualTo(V1);
  }

  // Three ready pods of the image, and Docker runs exactly their three httpd containers.
  private void awaitRunning(String img) {
    Workloads.awaitRolledOut(client, "web", "httpd", 3, img);
    await()
        .atMost(PATIENCE)
        .untilAsserted(
            () -> {
              List<Pod> pods = Workloads.livePods(client, "web", "httpd");
              assertThat(pods).allSatisfy(p -> assertThat(image(p)).isEqualTo(img));
              List<ContainerInfo> httpd =
                  containers().stream()
                      .filter(c -> c.state() == ContainerInfo.State.RUNNING)
                      .filter(c -> !Labels.SANDBOX.equals(c.labels().get(Labels.CONTAINER_NAME)))
                      .toList();
              assertThat(httpd).hasSize(3).allSatisfy(c -> assertThat(c.image()).isEqualTo(img));
              assertThat(httpd.stream().map(c -> c.labels().get(Labels.POD_NAME)))
                  .containsExactlyInAnyOrderElementsOf(
                      pods.stream().map(p -> p.getMetadata().getName()).toList());
            });
  }
}
