package dev.drover.cli.command;

import dev.drover.agent.AgentConfig;
import dev.drover.agent.NodeAgent;
import dev.drover.agent.runtime.ContainerDefaults;
import dev.drover.agent.runtime.RuntimeKind;
import dev.drover.agent.runtime.docker.DockerProbe;
import dev.drover.cli.core.Cli;
import dev.drover.cli.core.CliException;
import dev.drover.cli.core.DaemonConfigFile;
import dev.drover.cli.core.Durations;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code drover agent}: the node agent daemon for a real host. Settings come from flags and from
 * {@code --config FILE} (every key of the file is also a flag; flags win). Runs until SIGTERM or
 * Ctrl-C, then stops the agent and leaves the containers running for the next agent to adopt.
 */
@Command(
    name = "agent",
    mixinStandardHelpOptions = true,
    description = {
      "Run a node agent: register this host as a node and run its pods.",
      "Sample configuration: dist/config/agent.yaml."
    })
final class AgentCommand implements Callable<Integer> {

  private final Cli cli;

  @Spec CommandSpec spec;

  @Option(names = "--config", paramLabel = "FILE", description = "YAML file of settings.")
  Path config;

  @Option(
      names = "--node-name",
      paramLabel = "NAME",
      description = "Name of this node (default: the host name).")
  String nodeName;

  @Option(
      names = "--master",
      paramLabel = "HOST:PORT",
      description = "A master API endpoint (repeatable; at least one).")
  List<String> masters = new ArrayList<>();

  @Option(
      names = "--runtime",
      paramLabel = "RUNTIME",
      description = "Container runtime: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
  RuntimeKind runtime = RuntimeKind.DOCKER;

  @Option(
      names = "--docker-host",
      paramLabel = "URI",
      description = "Docker daemon (default: $DOCKER_HOST, else unix:///var/run/docker.sock).")
  String dockerHost;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description = "Agent state directory (default ${DEFAULT-VALUE}).")
  Path dataDir = Path.of("/var/lib/drover/agent");

  @Option(
      names = "--pids-limit",
      paramLabel = "N",
      description = "Most processes per container; 0 for none (default ${DEFAULT-VALUE}).")
  long pidsLimit = ContainerDefaults.STANDARD.pidsLimit();

  @Option(
      names = "--log-max-size",
      paramLabel = "SIZE",
      description = "Size at which a container's log rotates (default ${DEFAULT-VALUE}).")
  String logMaxSize = ContainerDefaults.STANDARD.logMaxSize();

  @Option(
      names = "--log-max-files",
      paramLabel = "N",
      description = "Rotated log files kept per container (default ${DEFAULT-VALUE}).")
  int logMaxFiles = ContainerDefaults.STANDARD.logMaxFiles();

  @Option(
      names = "--host-ip",
      paramLabel = "IP",
      description = "Address other nodes reach this one at (default ${DEFAULT-VALUE}).")
  String hostIp = "127.0.0.1";

  @Option(
      names = "--bind-address",
      paramLabel = "IP",
      description = "Address the AgentService binds to (default ${DEFAULT-VALUE}).")
  String bindAddress = "0.0.0.0";

  @Option(
      names = "--agent-port",
      paramLabel = "PORT",
      description = "Port of the AgentService; 0 picks one (default ${DEFAULT-VALUE}).")
  int agentPort = 7072;

  @Option(
      names = "--metrics-port",
      paramLabel = "PORT",
      description =
          "Port of the agent's /metrics and /healthz; 0 picks a free one, -1 disables"
              + " (default ${DEFAULT-VALUE}).")
  int metricsPort = 7074;

  @Mixin MetricsOptions metrics = new MetricsOptions();

  @Option(
      names = "--host-port-range",
      paramLabel = "FIRST-LAST",
      description =
          "Host ports for container ports without one; 0-0 disables"
              + " (default ${DEFAULT-VALUE}).")
  String hostPortRange = "20000-29999";

  @Option(
      names = "--label",
      paramLabel = "KEY=VALUE",
      description = "A label of the Node object (repeatable).")
  Map<String, String> labels = new LinkedHashMap<>();

  @Option(
      names = "--max-pods",
      paramLabel = "N",
      description = "Most pods this node accepts (default ${DEFAULT-VALUE}).")
  int maxPods = 110;

  @Option(
      names = "--infra-image",
      paramLabel = "IMAGE",
      description = "Image of the pod sandbox container (default ${DEFAULT-VALUE}).")
  String infraImage = "drover.local/busybox:1";

  @Option(
      names = "--heartbeat-interval",
      paramLabel = "DURATION",
      description = "How often the node lease is renewed (default ${DEFAULT-VALUE}).")
  String heartbeatInterval = "5s";

  @Option(
      names = "--sync-threads",
      paramLabel = "N",
      description = "Pods synchronised in parallel (default ${DEFAULT-VALUE}).")
  int syncThreads = 8;

  @Option(
      names = "--join-token",
      paramLabel = "TOKEN",
      description =
          "Agent join token (`drover token create --role agent` on a master); needed"
              + " on the first start (and again after the node certificate expired while the"
              + " host was off); the certificate is kept in DATA-DIR/pki.")
  String joinToken;

  @Option(
      names = "--insecure",
      description =
          "Talk plaintext to the masters and serve AgentService in plaintext"
              + " (loopback only unless --i-understand-plaintext).")
  boolean insecure;

  @Option(
      names = "--i-understand-plaintext",
      description = "Confirm --insecure on a non-loopback address.")
  boolean plaintextConfirmed;

  AgentCommand(Cli cli) {
    this.cli = cli;
  }

  /** The agent configuration these settings describe. */
  AgentConfig agentConfig() {
    if (config != null) {
      DaemonConfigFile.apply(spec, config);
    }
    if (masters.isEmpty()) {
      throw new CliException("--master: at least one master endpoint is required");
    }
    int[] range = portRange(hostPortRange);
    AgentConfig.Builder builder =
        AgentConfig.builder()
            .nodeName(nodeName != null ? nodeName : hostName())
            .masterEndpoints(masters)
            .runtime(runtime)
            .dockerHost(dockerHost != null ? dockerHost : DockerProbe.dockerHost(cli.environment()))
            .dataDir(dataDir)
            .hostIp(hostIp)
            .bindAddress(bindAddress)
            .agentPort(agentPort)
            .metricsPort(metricsPort)
            .metricsHost(metrics.host)
            .metricsTokenFile(metrics.tokenFile)
            .hostPortRange(range[0], range[1])
            .maxPods(maxPods)
            .infraImage(infraImage)
            .heartbeatInterval(Durations.parse(heartbeatInterval))
            .syncThreads(syncThreads)
            .tls(!insecure)
            .joinToken(insecure ? null : joinToken);
    if (insecure && !plaintextConfirmed && !loopback(bindAddress)) {
      throw new CliException(
          "refusing plaintext AgentService on "
              + bindAddress
              + ": use a join token, or confirm with --insecure --i-understand-plaintext");
    }
    labels.forEach(builder::label);
    try {
      builder.containerDefaults(new ContainerDefaults(pidsLimit, logMaxSize, logMaxFiles));
      return builder.build();
    } catch (IllegalArgumentException e) {
      throw new CliException("invalid agent setting: " + e.getMessage(), e);
    }
  }

  @Override
  public Integer call() throws InterruptedException {
    AgentConfig agentConfig = agentConfig();
    try (ShutdownSignal signal = new ShutdownSignal();
        NodeAgent agent = NodeAgent.create(agentConfig).start()) {
      cli.err()
          .println(
              "drover agent: node "
                  + agentConfig.nodeName()
                  + " running ("
                  + runtime
                  + " runtime), masters "
                  + String.join(",", masters)
                  + "; Ctrl-C or SIGTERM stops it");
      cli.err().flush();
      signal.await();
    }
    return 0;
  }

  private static boolean loopback(String host) {
    return host.equals("localhost") || host.startsWith("127.") || host.equals("::1");
  }

  static int[] portRange(String text) {
    String[] parts = text.split("-", 2);
    try {
      int first = Integer.parseInt(parts[0].trim());
      int last = parts.length == 2 ? Integer.parseInt(parts[1].trim()) : first;
      if (first < 0 || last > 65535 || first > last) {
        throw new NumberFormatException();
      }
      return new int[] {first, last};
    } catch (NumberFormatException e) {
      throw new CliException(
          "--host-port-range \""
              + text
              + "\": expected FIRST-LAST with 0 <= FIRST <= LAST <= 65535");
    }
  }

  static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName().toLowerCase(Locale.ROOT);
    } catch (UnknownHostException e) {
      throw new CliException("cannot tell the host name; give --node-name", e);
    }
  }
}
