package dev.drover.agent.testing;

import dev.drover.agent.AgentConfig;
import dev.drover.agent.NodeAgent;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Entry point of a node agent in a JVM of its own, for tests that need the agent as a separate
 * process (killed with SIGKILL, restarted). Arguments: {@code NODE MASTER DATA_DIR DOCKER_HOST}.
 * Runs until its standard input closes (the test ended or died) or it is killed; on a normal end it
 * stops the agent and leaves the containers running, as the real daemon does.
 */
public final class AgentProcess {

  private AgentProcess() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 4) {
      throw new IllegalArgumentException("usage: AgentProcess NODE MASTER DATA_DIR DOCKER_HOST");
    }
    AgentConfig config =
        AgentConfig.builder()
            .nodeName(args[0])
            .masterEndpoint(args[1])
            .dataDir(Path.of(args[2]))
            .dockerHost(args[3])
            .hostIp("127.0.0.1")
            .bindAddress("127.0.0.1")
            .agentPort(0)
            .restartBackoff(Duration.ofSeconds(1), Duration.ofSeconds(8))
            .syncPeriod(Duration.ofMillis(500))
            .heartbeatInterval(Duration.ofSeconds(1))
            .orphanSweepDelay(Duration.ofSeconds(3))
            .build();
    NodeAgent agent = NodeAgent.create(config).start();
    Runtime.getRuntime().addShutdownHook(new Thread(agent::close, "agent-shutdown"));
    // Parent gone or done: its end of the pipe closes and read() returns -1.
    while (System.in.read() != -1) {
      // Nothing is ever sent; keep waiting.
    }
    System.exit(0);
  }
}
