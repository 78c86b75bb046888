package dev.drover.cli.command;

import dev.drover.api.ApiObjects;
import dev.drover.api.v1.LabelSelector;
import dev.drover.api.v1.LogChunk;
import dev.drover.api.v1.LogsRequest;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.PodPhase;
import dev.drover.cli.core.Cli;
import dev.drover.cli.core.CliException;
import dev.drover.cli.core.Durations;
import dev.drover.cli.core.ResourceType;
import dev.drover.cli.core.ServerCallException;
import dev.drover.cli.core.Subject;
import dev.drover.cli.output.ObjectTables;
import dev.drover.client.DroverClient;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code drover logs POD}: prints (and with {@code -f} follows) a container's output; given a
 * workload ({@code deployment/web}) it reads one of the workload's pods.
 */
@Command(
    name = "logs",
    mixinStandardHelpOptions = true,
    description = "Print the logs of a container of a pod.")
final class LogsCommand implements Callable<Integer> {

  /** Followed logs are long streams; they still get a (generous) deadline. */
  static final Duration FOLLOW_DEADLINE = Duration.ofDays(7);

  /** Reading a finished log may take longer than a unary call. */
  static final Duration READ_DEADLINE = Duration.ofMinutes(5);

  private final Cli cli;
  @Spec CommandSpec spec;

  @Parameters(
      index = "0",
      paramLabel = "POD",
      description =
          "Pod name (or pod/NAME), or deployment/NAME (also daemonset/, replicaset/,"
              + " job/) for one of its pods.")
  String pod;

  @Option(
      names = {"-c", "--container"},
      paramLabel = "NAME",
      description = "Container (needed when the pod has several).")
  String container = "";

  @Option(
      names = {"-f", "--follow"},
      description = "Keep streaming new output.")
  boolean follow;

  @Option(names = "--tail", paramLabel = "N", description = "Only the last N lines.")
  Long tail;

  @Option(
      names = {"-p", "--previous"},
      description = "Logs of the previous, terminated run of the container.")
  boolean previous;

  @Option(
      names = "--since",
      paramLabel = "DURATION",
      description = "Only output newer than this, e.g. 5m or 1h.")
  String since;

  @Option(names = "--timestamps", description = "Prefix each line with its timestamp.")
  boolean timestamps;

  LogsCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    String name = pod;
    ResourceType workload = null;
    if (pod.contains("/")) {
      ResourceType type = Resources.type(spec.commandLine(), pod.substring(0, pod.indexOf('/')));
      name = pod.substring(pod.indexOf('/') + 1);
      if (type != ResourceType.POD) {
        if (selectorOf(type, Object.getDefaultInstance()) == null) {
          throw new ParameterException(
              spec.commandLine(),
              "logs are read from pods (or a"
                  + " deployment, daemon set, replica set or job), not "
                  + type.plural());
        }
        workload = type;
      }
    }
    if (tail != null && tail < 0) {
      throw new ParameterException(spec.commandLine(), "--tail must be at least 0");
    }
    LogsRequest.Builder request =
        LogsRequest.newBuilder()
            .setNamespace(cli.namespace())
            .setPod(name)
            .setContainer(container)
            .setFollow(follow)
            .setPrevious(previous)
            .setTimestamps(timestamps);
    if (tail != null) {
      request.setTailLines(tail);
    }
    if (since != null) {
      try {
        request.setSinceSeconds(Durations.parse(since).toSeconds());
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), "--since: " + e.getMessage());
      }
    }
    cli.out().flush();
    try (DroverClient client = cli.connect()) {
      if (workload != null) {
        name = podOf(client, workload, name);
        request.setPod(name);
      }
      Iterator<LogChunk> chunks =
          client.stub(follow ? FOLLOW_DEADLINE : READ_DEADLINE).logs(request.build());
      while (chunks.hasNext()) {
        LogChunk chunk = chunks.next();
        if (timestamps && chunk.hasTime()) {
          cli.out().print(ApiObjects.instantOrNull(chunk.getTime()) + " ");
        }
        cli.out().print(chunk.getData().toString(StandardCharsets.UTF_8));
        cli.out().flush();
      }
      return 0;
    } catch (StatusRuntimeException e) {
      if (!container.isEmpty()) {
        // The pod may exist and the named container (e.g. an init container) not run: only the
        // server's own message says which, so it is shown unchanged.
        throw new ServerCallException(e, List.of());
      }
      throw new ServerCallException(e, new Subject(ResourceType.POD, name));
    }
  }

  /**
   * Picks the pod whose logs {@code drover logs deployment/NAME} prints, as kubectl does: one of
   * the workload's pods, a running one first, and says which when there are several.
   */
  private String podOf(DroverClient client, ResourceType type, String name) {
    Object object = Resources.get(client, type, cli.namespace(), name);
    String selector = ObjectTables.selector(selectorOf(type, object));
    List<Object> pods =
        new ArrayList<>(
            Resources.list(client, ResourceType.POD, cli.namespace(), selector, "").items());
    if (pods.isEmpty()) {
      throw new CliException(
          type.kindName().toLowerCase(java.util.Locale.ROOT) + "/" + name + " has no pods yet");
    }
    pods.sort(
        Comparator.comparing(
                (Object p) -> p.getPod().getStatus().getPhase() != PodPhase.POD_PHASE_RUNNING)
            .thenComparing(p -> p.getPod().getMetadata().getName()));
    String chosen = pods.get(0).getPod().getMetadata().getName();
    if (pods.size() > 1) {
      cli.err().println("Found " + pods.size() + " pods, using pod/" + chosen);
      cli.err().flush();
    }
    return chosen;
  }

  /** The pod selector of a workload kind, or null for kinds that have no pods of their own. */
  private static LabelSelector selectorOf(ResourceType type, Object object) {
    return switch (type) {
      case DEPLOYMENT -> object.getDeployment().getSpec().getSelector();
      case DAEMON_SET -> object.getDaemonSet().getSpec().getSelector();
      case REPLICA_SET -> object.getReplicaSet().getSpec().getSelector();
      case JOB -> object.getJob().getSpec().getSelector();
      case STATEFUL_SET -> object.getStatefulSet().getSpec().getSelector();
      default -> null;
    };
  }
}
