package dev.drover.cluster;

import dev.drover.agent.AgentConfig;
import dev.drover.agent.NodeAgent;
import dev.drover.agent.runtime.RuntimeKind;
import dev.drover.agent.runtime.docker.DockerRuntime;
import dev.drover.agent.runtime.docker.DockerTestSupport;
import dev.drover.agent.sync.Labels;
import dev.drover.client.DroverClient;
import dev.drover.master.Master;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

/**
 * One master and one node agent on the local Docker daemon, for tests of real containers: the agent
 * keeps its data in {@code dir/agent} (provisioned volumes under {@code volumes/}), can be
 * restarted, and closing removes the node's containers first, then stops everything. Call {@link
 * DockerTestSupport#assumeDocker()} before creating one.
 */
final class DockerNodeCluster implements AutoCloseable {
  final String node;
  final Master master;
  final DroverClient client;
  private final Path dir;
  private NodeAgent agent;

  DockerNodeCluster(String nodePrefix, Path dir) {
    this.node = nodePrefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    this.dir = dir;
    this.master = Master.builder().apiHost("127.0.0.1").apiPort(0).metricsPort(-1).start();
    this.client = DroverClient.builder().endpoint(master.apiAddress()).build();
    this.agent = startAgent();
  }

  private NodeAgent startAgent() {
    return NodeAgent.create(
            AgentConfig.builder()
                .nodeName(node)
                .masterEndpoint(master.apiAddress())
                .runtime(RuntimeKind.DOCKER)
                .dockerHost(DockerTestSupport.DOCKER_HOST)
                .dataDir(agentDataDir())
                .bindAddress("127.0.0.1")
                .heartbeatInterval(Duration.ofSeconds(1))
                .build(),
            DockerRuntime.connect(DockerTestSupport.DOCKER_HOST, Duration.ofMinutes(2)),
            target -> NettyChannelBuilder.forTarget(target).usePlaintext().build())
        .start();
  }

  /** The agent's data directory. */
  Path agentDataDir() {
    return dir.resolve("agent");
  }

  /** Where the agent keeps the data of provisioned volume {@code name}. */
  Path volumeDir(String name) {
    return agentDataDir().resolve("volumes").resolve(name);
  }

  /** Stops the agent (its containers keep running) and starts a new one on the same data. */
  void restartAgent() {
    agent.close();
    agent = startAgent();
  }

  @Override
  public void close() throws Exception {
    // The containers first (the agent would only stop them), then everything in reverse order.
    try (DockerRuntime docker =
        DockerRuntime.connect(DockerTestSupport.DOCKER_HOST, Duration.ofMinutes(2))) {
      docker.list(Map.of(Labels.NODE, node)).forEach(c -> docker.remove(c.id()));
    }
    for (AutoCloseable c : new AutoCloseable[] {agent, client, master}) {
      if (c != null) {
        c.close();
      }
    }
  }
}
