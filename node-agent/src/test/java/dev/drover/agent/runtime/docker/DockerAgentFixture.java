package dev.drover.agent.runtime.docker;

import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import dev.drover.agent.AgentConfig;
import dev.drover.agent.NodeAgent;
import dev.drover.agent.testing.FakeNodeService;
import dev.drover.api.v1.AgentServiceGrpc;
import dev.drover.api.v1.LogChunk;
import dev.drover.api.v1.LogsRequest;
import dev.drover.api.v1.PodStatus;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * One fake master, one Docker runtime and agents for one unique node name; {@link #close()} stops
 * the agents and removes every container labelled with that node, whatever the test did.
 */
final class DockerAgentFixture implements AutoCloseable {

  final String node = "it-" + UUID.randomUUID().toString().substring(0, 8);
  final FakeNodeService master = new FakeNodeService();
  final DockerClient docker;
  final DockerRuntime runtime;
  final Path dataDir;
  private NodeAgent agent;

  DockerAgentFixture() throws IOException {
    this(DockerTestSupport.DOCKER_HOST);
  }

  /** A fixture whose agents and client talk to the daemon at {@code dockerHost}. */
  DockerAgentFixture(String dockerHost) throws IOException {
    docker = DockerTestSupport.newClient(dockerHost, Duration.ofMinutes(2));
    runtime = DockerRuntime.connect(dockerHost, Duration.ofMinutes(2));
    dataDir = Files.createTempDirectory("drover-agent-it");
  }

  AgentConfig.Builder config() {
    return AgentConfig.builder()
        .nodeName(node)
        .masterEndpoint(master.endpoint())
        .dataDir(dataDir)
        .hostIp("127.0.0.1")
        .bindAddress("127.0.0.1")
        .infraImage(DockerTestSupport.LOCAL_IMAGE)
        .restartBackoff(Duration.ofSeconds(1), Duration.ofSeconds(8))
        .syncPeriod(Duration.ofMillis(500))
        .heartbeatInterval(Duration.ofSeconds(1))
        .orphanSweepDelay(Duration.ofSeconds(3));
  }

  NodeAgent start(Consumer<AgentConfig.Builder> tweak) {
    AgentConfig.Builder b = config();
    tweak.accept(b);
    agent = NodeAgent.create(b.build(), runtime, FakeNodeService::channel).start();
    return agent;
  }

  NodeAgent start() {
    return start(b -> {});
  }

  /** Closes the current agent without touching its containers (as a crash would leave them). */
  void stopAgent() {
    if (agent != null) {
      agent.close();
      agent = null;
    }
  }

  PodStatus awaitStatus(String uid, Predicate<PodStatus> condition, Duration timeout) {
    return await()
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(200))
        .until(() -> master.status(uid).orElse(null), s -> s != null && condition.test(s));
  }

  /**
   * The output of a pod's container read through the agent's AgentService, as the masters read it;
   * {@code tailLines} null reads all of it.
   */
  static String logs(NodeAgent agent, String pod, String container, Integer tailLines)
      throws InterruptedException {
    ManagedChannel ch =
        NettyChannelBuilder.forAddress("127.0.0.1", agent.agentPort()).usePlaintext().build();
    try {
      LogsRequest.Builder request =
          LogsRequest.newBuilder().setNamespace("default").setPod(pod).setContainer(container);
      if (tailLines != null) {
        request.setTailLines(tailLines);
      }
      Iterator<LogChunk> it =
          AgentServiceGrpc.newBlockingStub(ch)
              .withDeadlineAfter(20, TimeUnit.SECONDS)
              .logs(request.build());
      StringBuilder sb = new StringBuilder();
      it.forEachRemaining(c -> sb.append(c.getData().toString(StandardCharsets.UTF_8)));
      return sb.toString();
    } finally {
      ch.shutdownNow();
      ch.awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  List<Container> containers(Map<String, String> labels) {
    return docker.listContainersCmd().withShowAll(true).withLabelFilter(labels).exec();
  }

  @Override
  public void close() throws IOException {
    stopAgent();
    for (Container c : containers(Map.of("drover.node", node))) {
      try {
        docker.removeContainerCmd(c.getId()).withForce(true).exec();
      } catch (RuntimeException e) {
        // Already gone.
      }
    }
    runtime.close();
    docker.close();
    master.close();
    try (Stream<Path> walk = Files.walk(dataDir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
