package dev.drover.cli.command;

import dev.drover.agent.AgentConfig;
import dev.drover.agent.NodeAgent;
import dev.drover.api.v1.Condition;
import dev.drover.api.v1.ConditionStatus;
import dev.drover.api.v1.GetRequest;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Object;
import dev.drover.cli.Cli;
import dev.drover.cli.CliException;
import dev.drover.cli.ClusterClient;
import dev.drover.cli.DevContexts;
import dev.drover.cli.DockerProbe;
import dev.drover.master.Master;
import dev.drover.store.KvStore;
import dev.drover.store.KvStores;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code drover dev}: a whole cluster in one process, like {@code nomad agent -dev}: a single
 * master with a persistent embedded store under {@code ~/.drover/dev} and a node agent on the
 * local Docker daemon (or the simulated runtime). It waits until the node is Ready, writes the
 * {@code dev} context so the other commands just work, prints what to type next, and runs until
 * Ctrl-C; the next start finds the same state.
 */
@Command(
    name = "dev",
    mixinStandardHelpOptions = true,
    description = {
      "Run a single-process development cluster: one master and one node agent.",
      "State persists in --data-dir across restarts; Ctrl-C stops it cleanly."
    })
final class DevCommand implements Callable<Integer> {

  /** The container runtimes dev mode can use. */
  enum Runtime { docker, simulated }

  /** Name of the dev node. */
  static final String NODE = "dev-node";

  private final Cli cli;

  @Option(names = "--data-dir", paramLabel = "DIR",
      description = "Where the cluster state lives (default ~/.drover/dev).")
  Path dataDir;

  @Option(names = "--runtime", paramLabel = "RUNTIME",
      description = "docker (real containers) or simulated (no Docker needed; pods are"
          + " simulated). Default ${DEFAULT-VALUE}.")
  Runtime runtime = Runtime.docker;

  @Option(names = "--port", paramLabel = "PORT",
      description = "Port of the control API on 127.0.0.1; 0 picks a free one"
          + " (default ${DEFAULT-VALUE}).")
  int port = 7070;

  @Option(names = "--ready-timeout", paramLabel = "DURATION", defaultValue = "60s",
      description = "How long to wait for the node to become Ready (default ${DEFAULT-VALUE}).")
  String readyTimeout;

  DevCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    long started = System.nanoTime();
    Duration timeout = dev.drover.cli.Durations.parse(readyTimeout);
    Path dir = dataDir != null ? dataDir : cli.home().resolve(".drover/dev");
    String dockerHost = DockerProbe.dockerHost(cli.environment());
    if (runtime == Runtime.docker) {
      DockerProbe.Result docker = DockerProbe.probe(dockerHost, Duration.ofSeconds(3));
      if (!docker.reachable()) {
        throw new CliException("Docker is not reachable at " + dockerHost + ": "
            + docker.problem() + ".\nStart Docker (on Debian: `sudo scripts/test-env.sh`), or run"
            + " without containers: drover dev --runtime simulated");
      }
    }
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new CliException("cannot create the data directory " + dir + ": " + e.getMessage(), e);
    }
    KvStore store;
    try {
      store = KvStores.embedded(dir.resolve("store")).start();
    } catch (IOException | RuntimeException e) {
      throw new CliException("cannot open the store in " + dir.resolve("store") + ": "
          + e.getMessage() + " (is another `drover dev` using this directory?)", e);
    }
    // An interrupt (the embedding thread's Ctrl-C) ends the wait below, but the interrupt flag
    // is restored only after everything is closed: set during close(), it would cut short the
    // waits that let the store and agent finish writing before this method returns.
    boolean interrupted = false;
    try (ShutdownSignal signal = new ShutdownSignal();
        Master master = ClusterParts.startMaster(store, b -> b.apiHost("127.0.0.1").apiPort(port));
        NodeAgent agent = NodeAgent.create(AgentConfig.builder()
            .nodeName(NODE)
            .masterEndpoint(master.apiAddress())
            .runtime(runtime == Runtime.docker ? AgentConfig.RuntimeKind.DOCKER
                : AgentConfig.RuntimeKind.SIMULATED)
            .dockerHost(dockerHost)
            .dataDir(dir.resolve("agent"))
            .hostIp("127.0.0.1")
            .bindAddress("127.0.0.1")
            .agentPort(0)
            .hostPortRange(30000, 32767)
            .build()).start()) {
      awaitNodeReady(master.apiAddress(), timeout);
      DevContexts.write(cli.configStore(), master.apiAddress());
      double seconds = (System.nanoTime() - started) / 1e9;
      for (String line : DevContexts.banner(master.apiAddress(), NODE, runtime.name(),
          dir.toString(), seconds)) {
        cli.out().println(line);
      }
      cli.out().flush();
      try {
        signal.await();
      } catch (InterruptedException e) {
        interrupted = true;
      }
      cli.err().println("drover dev: stopping");
      cli.err().flush();
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  private void awaitNodeReady(String endpoint, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try (ClusterClient client = cli.connect(List.of(endpoint))) {
      while (true) {
        try {
          Object node = client.call(s -> s.get(GetRequest.newBuilder()
              .setKind(Kind.KIND_NODE).setName(NODE).build()));
          for (Condition condition : node.getNode().getStatus().getConditionsList()) {
            if (condition.getType().equals("Ready")
                && condition.getStatus() == ConditionStatus.CONDITION_STATUS_TRUE) {
              return;
            }
          }
        } catch (StatusRuntimeException e) {
          // Not registered yet; keep polling until the deadline.
        }
        if (System.nanoTime() > deadline) {
          throw new CliException("node " + NODE + " did not become Ready within "
              + timeout.toSeconds() + "s; see the agent's log above");
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
      }
    }
  }
}
