package dev.drover.cli.command;

import dev.drover.api.v1.LogChunk;
import dev.drover.api.v1.LogsRequest;
import dev.drover.cli.ApiObjects;
import dev.drover.cli.Cli;
import dev.drover.cli.ClusterClient;
import dev.drover.cli.Durations;
import dev.drover.cli.ResourceType;
import dev.drover.cli.ServerCallException;
import dev.drover.cli.Subject;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code drover logs POD}: prints (and with {@code -f} follows) a container's output. */
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

  @Parameters(index = "0", paramLabel = "POD", description = "Pod name (or pod/NAME).")
  String pod;

  @Option(names = {"-c", "--container"}, paramLabel = "NAME",
      description = "Container (needed when the pod has several).")
  String container = "";

  @Option(names = {"-f", "--follow"}, description = "Keep streaming new output.")
  boolean follow;

  @Option(names = "--tail", paramLabel = "N", description = "Only the last N lines.")
  Long tail;

  @Option(names = {"-p", "--previous"},
      description = "Logs of the previous, terminated run of the container.")
  boolean previous;

  @Option(names = "--since", paramLabel = "DURATION",
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
    if (pod.contains("/")) {
      ResourceType type = Resources.type(spec.commandLine(), pod.substring(0, pod.indexOf('/')));
      if (type != ResourceType.POD) {
        throw new ParameterException(spec.commandLine(), "logs are read from pods, not "
            + type.plural());
      }
      name = pod.substring(pod.indexOf('/') + 1);
    }
    if (tail != null && tail < 0) {
      throw new ParameterException(spec.commandLine(), "--tail must be at least 0");
    }
    LogsRequest.Builder request = LogsRequest.newBuilder()
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
    try (ClusterClient client = cli.connect()) {
      Iterator<LogChunk> chunks = client.stub(follow ? FOLLOW_DEADLINE : READ_DEADLINE)
          .logs(request.build());
      while (chunks.hasNext()) {
        LogChunk chunk = chunks.next();
        if (timestamps && chunk.hasTime()) {
          cli.out().print(ApiObjects.instant(chunk.getTime()) + " ");
        }
        cli.out().print(chunk.getData().toString(StandardCharsets.UTF_8));
        cli.out().flush();
      }
      return 0;
    } catch (StatusRuntimeException e) {
      throw new ServerCallException(e, new Subject(ResourceType.POD, name));
    }
  }
}
