package dev.drover.cli.command;

import dev.drover.agent.runtime.RuntimeKind;
import dev.drover.agent.runtime.docker.DockerProbe;
import dev.drover.cli.core.Cli;
import dev.drover.cli.core.CliException;
import dev.drover.cli.core.DevContexts;
import dev.drover.embed.Drover;
import dev.drover.embed.DroverMaster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code drover dev}: a whole cluster in one process, like {@code nomad agent -dev}: a single
 * master with a persistent embedded store under {@code ~/.drover/dev} and a node agent on the local
 * Docker daemon (or the simulated runtime). It waits until the node is Ready, writes the {@code
 * dev} context so the other commands just work, prints what to type next, and runs until Ctrl-C;
 * the next start finds the same state. The cluster is secured silently: a cluster CA in {@code
 * DIR/pki}, the API over mutual TLS, and an admin client certificate the dev context points at.
 */
@Command(
    name = "dev",
    mixinStandardHelpOptions = true,
    description = {
      "Run a single-process development cluster: one master and one node agent.",
      "State persists in --data-dir across restarts; Ctrl-C stops it cleanly."
    })
final class DevCommand implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(DevCommand.class);

  /** Name of the dev node. */
  static final String NODE = "dev-node";

  private final Cli cli;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description = "Where the cluster state lives (default ~/.drover/dev).")
  Path dataDir;

  @Option(
      names = "--runtime",
      paramLabel = "RUNTIME",
      description =
          "docker (real containers; fails when Docker is not reachable) or simulated (no"
              + " Docker needed; pods are simulated). Default: docker when a Docker daemon"
              + " answers, else simulated.")
  RuntimeKind runtime;

  @Option(
      names = "--port",
      paramLabel = "PORT",
      description =
          "Port of the control API on 127.0.0.1; 0 picks a free one"
              + " (default ${DEFAULT-VALUE}).")
  int port = 7070;

  @Option(
      names = "--http-port",
      paramLabel = "PORT",
      description =
          "Port of the HTTP/JSON API and web console on 127.0.0.1; 0 picks a free one, -1"
              + " turns them off (default 7080, or a free one when --port is 0).")
  Integer httpPort;

  @Option(
      names = "--metrics-port",
      paramLabel = "PORT",
      description =
          "Port of the master's /metrics, /healthz and /readyz on 127.0.0.1; 0 picks a free one,"
              + " -1 turns it off (default 7073, or a free one when --port is 0).")
  Integer metricsPort;

  @Option(
      names = "--agent-metrics-port",
      paramLabel = "PORT",
      description =
          "Port of the node agent's /metrics and /healthz on 127.0.0.1; 0 picks a free one, -1"
              + " turns it off (default 7074, or a free one when --port is 0).")
  Integer agentMetricsPort;

  @Option(
      names = "--ready-timeout",
      paramLabel = "DURATION",
      defaultValue = "60s",
      description = "How long to wait for the node to become Ready (default ${DEFAULT-VALUE}).")
  String readyTimeout;

  DevCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    long started = System.nanoTime();
    // Time the JVM took to reach this command, for the start-up report (class loading shows here).
    long jvmMillis =
        System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime();
    Duration timeout = dev.drover.cli.core.Durations.parse(readyTimeout);
    Path dir = dataDir != null ? dataDir : cli.home().resolve(".drover/dev");
    String dockerHost = DockerProbe.dockerHost(cli.environment());
    RuntimeKind chosen = runtime;
    String fallback = null;
    if (runtime != RuntimeKind.SIMULATED) {
      DockerProbe.Result docker = DockerProbe.probe(dockerHost, Duration.ofSeconds(3));
      if (docker.reachable()) {
        chosen = RuntimeKind.DOCKER;
      } else if (runtime == RuntimeKind.DOCKER) {
        // Asked for real containers: say why there are none rather than pretend.
        throw new CliException(
            "Docker is not reachable at "
                + dockerHost
                + ": "
                + docker.problem()
                + ".\nStart Docker (on Debian: `sudo scripts/test-env.sh`), or run"
                + " without containers: drover dev --runtime simulated");
      } else {
        chosen = RuntimeKind.SIMULATED;
        fallback = "Docker is not reachable at " + dockerHost + " (" + docker.problem() + ")";
      }
    }
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new CliException("cannot create the data directory " + dir + ": " + e.getMessage(), e);
    }
    // An interrupt (the embedding thread's Ctrl-C) ends the wait below, but the interrupt flag
    // is restored only after everything is closed: set during close(), it would cut short the
    // waits that let the store and agent finish writing before this method returns.
    boolean interrupted = false;
    try (ShutdownSignal signal = new ShutdownSignal();
        DroverMaster cluster = start(dir, dockerHost, chosen)) {
      try {
        cluster.awaitNodeReady(NODE, timeout);
      } catch (TimeoutException e) {
        throw new CliException(e.getMessage() + "; see the agent's log above", e);
      }
      DevContexts.write(
          cli.configStore(), cluster.endpoint(), cluster.adminCredentials().orElseThrow());
      double seconds = (System.nanoTime() - started) / 1e9;
      LOG.info(
          "ready in {} after the JVM's {}: {}",
          String.format("%.2f s", seconds),
          String.format("%.2f s", jvmMillis / 1e3),
          String.join(", ", cluster.startupPhases()));
      for (String line :
          DevContexts.banner(
              cluster.endpoint(), NODE, chosen.toString(), fallback, dir.toString(), seconds)) {
        cli.out().println(line);
      }
      cluster.consoleUrl().ifPresent(url -> cli.out().println("Web console and HTTP API: " + url));
      if (cluster.consoleUrl().isPresent()) {
        cli.out()
            .println(
                "The console's HTTPS certificate is from this cluster's own CA: trust "
                    + cluster.adminCredentials().orElseThrow().caFile()
                    + " in the browser, or accept its warning once");
      }
      List<String> metrics = cluster.metricsUrls();
      if (!metrics.isEmpty()) {
        cli.out().println("Metrics (Prometheus, loopback only): " + String.join("  ", metrics));
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

  private DroverMaster start(Path dir, String dockerHost, RuntimeKind runtime) {
    try {
      return Drover.master()
          .dataDir(dir)
          .apiHost("127.0.0.1")
          .apiPort(port)
          .secure()
          // "--port 0" asks for no fixed port (tests, a second cluster): the console follows.
          .httpPort(httpPort != null ? httpPort : port == 0 ? 0 : 7080)
          .metricsPort(metricsPort != null ? metricsPort : port == 0 ? 0 : 7073)
          // The printed console link carries a login token, as Jupyter's and the dashboard's do.
          .consoleLogin(true)
          .withAgent(
              a ->
                  a.nodeName(NODE)
                      .runtime(runtime)
                      .dockerHost(dockerHost)
                      .metricsPort(
                          agentMetricsPort != null ? agentMetricsPort : port == 0 ? 0 : 7074))
          .start();
    } catch (UncheckedIOException e) {
      throw new CliException(
          e.getMessage() + " (is another `drover dev` using this directory?)", e);
    }
  }
}
