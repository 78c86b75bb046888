package dev.drover.embed;

import dev.drover.agent.AgentConfig;
import dev.drover.agent.NodeAgent;
import dev.drover.agent.runtime.RuntimeKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Settings of an in-process node agent: which master it joins, its node name, its container runtime
 * (Docker, or simulated for tests without Docker) and where it keeps its state. Defaults suit one
 * machine: loopback addresses, a free agent port, host ports 20000-29999 (below the node port range
 * 30000-32767 and the kernel's ephemeral ports).
 */
public final class AgentBuilder {

  private final List<String> masters = new ArrayList<>();
  private String nodeName = "node-1";
  private RuntimeKind runtime = RuntimeKind.SIMULATED;
  private String dockerHost = "unix:///var/run/docker.sock";
  private Path dataDir;
  private String joinToken;
  private boolean tls;
  private int metricsPort = -1;

  AgentBuilder() {}

  /**
   * The port of the agent's {@code /metrics} and {@code /healthz} on 127.0.0.1; 0 picks a free one,
   * -1 (the default) serves none.
   */
  public AgentBuilder metricsPort(int port) {
    this.metricsPort = port;
    return this;
  }

  /** Joins a secured cluster with this token (mutual TLS from then on). */
  public AgentBuilder joinToken(String token) {
    this.joinToken = Objects.requireNonNull(token, "token");
    return this;
  }

  // Set by MasterBuilder: the secured master hands the agent its certificate directly.
  void tls() {
    this.tls = true;
  }

  /** The data directory, made a temporary one if none was given. */
  Path resolveDataDir() {
    if (dataDir == null) {
      try {
        dataDir = Files.createTempDirectory("drover-agent-");
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException("cannot create a temporary agent directory", e);
      }
    }
    return dataDir;
  }

  /** The master endpoint (host:port) to join; repeat for several masters. */
  public AgentBuilder master(String endpoint) {
    masters.add(Objects.requireNonNull(endpoint, "endpoint"));
    return this;
  }

  /** The node's name (default node-1). */
  public AgentBuilder nodeName(String name) {
    this.nodeName = Objects.requireNonNull(name, "name");
    return this;
  }

  /** The container runtime (default {@link RuntimeKind#SIMULATED}). */
  public AgentBuilder runtime(RuntimeKind runtime) {
    this.runtime = Objects.requireNonNull(runtime, "runtime");
    return this;
  }

  /** The Docker daemon, e.g. unix:///var/run/docker.sock (the default). */
  public AgentBuilder dockerHost(String host) {
    this.dockerHost = Objects.requireNonNull(host, "host");
    return this;
  }

  /** Where the agent keeps its state (default: a new temporary directory). */
  public AgentBuilder dataDir(Path dir) {
    this.dataDir = Objects.requireNonNull(dir, "dir");
    return this;
  }

  String nodeName() {
    return nodeName;
  }

  RuntimeKind runtime() {
    return runtime;
  }

  boolean hasMaster() {
    return !masters.isEmpty();
  }

  /** Starts the agent; it registers its node with the master in the background. */
  public DroverAgent start() {
    return new DroverAgent(create().start(), nodeName);
  }

  /**
   * Creates, but does not start, the agent: connecting to the runtime (docker-java's set-up is the
   * slow part) can then overlap the master's start.
   */
  NodeAgent create() {
    if (masters.isEmpty()) {
      throw new IllegalStateException("the agent needs a master endpoint: call master(host:port)");
    }
    Path dir = resolveDataDir();
    return NodeAgent.create(
        AgentConfig.builder()
            .nodeName(nodeName)
            .masterEndpoints(List.copyOf(masters))
            .runtime(runtime)
            .dockerHost(dockerHost)
            .dataDir(dir)
            .hostIp("127.0.0.1")
            .bindAddress("127.0.0.1")
            .agentPort(0)
            .metricsPort(metricsPort)
            .hostPortRange(20000, 29999)
            .tls(tls)
            .joinToken(joinToken)
            .build());
  }
}
