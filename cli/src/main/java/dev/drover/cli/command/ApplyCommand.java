package dev.drover.cli.command;

import dev.drover.api.v1.ApplyAction;
import dev.drover.api.v1.ApplyRequest;
import dev.drover.api.v1.ApplyResponse;
import dev.drover.api.v1.ApplyResult;
import dev.drover.api.v1.Object;
import dev.drover.cli.core.Cli;
import dev.drover.cli.core.Durations;
import dev.drover.cli.core.ResourceType;
import dev.drover.cli.core.ServerCallException;
import dev.drover.cli.core.Subject;
import dev.drover.client.DroverClient;
import dev.drover.client.DroverClient.Retry;
import dev.drover.client.manifest.ManifestException;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code drover apply -f FILE|DIR|-}: creates or updates every object of the manifests in one
 * atomic Apply call and prints what happened to each ({@code deployment.apps/web created}); with
 * {@code --wait} it then follows the workloads until they are ready.
 */
@Command(
    name = "apply",
    footer = {
      "",
      "--dry-run prints a unified diff of each object that would change;"
          + " --prune -l app=web deletes what an earlier apply created and the files dropped."
    },
    mixinStandardHelpOptions = true,
    description = "Create or update objects from Kubernetes-shaped YAML manifests.")
final class ApplyCommand implements Callable<Integer> {

  static final String FIELD_MANAGER = "drover-cli";

  private final Cli cli;

  @Option(
      names = {"-f", "--filename"},
      required = true,
      paramLabel = "FILE|DIR|-",
      description =
          "Manifest file, directory of manifests, or - for standard input" + " (repeatable).")
  List<String> files = new ArrayList<>();

  @Option(names = "--dry-run", description = "Validate and show what would change; write nothing.")
  boolean dryRun;

  @Option(
      names = "--ignore-unknown",
      description = "Drop fields Drover does not support, with a warning, instead of failing.")
  boolean ignoreUnknown;

  @Option(
      names = "--prune",
      description =
          "Delete objects labelled as -l selects that this tool applied before and that are no"
              + " longer in the manifests.")
  boolean prune;

  @Option(
      names = {"-l", "--selector"},
      paramLabel = "SELECTOR",
      description = "Label selector of the objects --prune may delete (e.g. app=web).")
  String selector;

  @Option(
      names = "--wait",
      description = "Wait until the applied workloads are ready, showing progress.")
  boolean waitReady;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      defaultValue = "5m",
      description = "How long --wait waits (default ${DEFAULT-VALUE}).")
  String timeout;

  @Spec CommandSpec spec;

  ApplyCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() throws ManifestException {
    var waitFor = Durations.parse(timeout);
    if (prune && (selector == null || selector.isBlank())) {
      throw new ParameterException(
          spec.commandLine(), "--prune needs -l SELECTOR (the objects it may delete)");
    }
    List<Manifests.Item> items = Manifests.read(cli, files, ignoreUnknown);
    List<Object> objects = new ArrayList<>();
    List<Subject> subjects = new ArrayList<>();
    for (Manifests.Item item : items) {
      objects.add(item.object());
      subjects.add(item.subject());
    }
    try (DroverClient client = cli.connect()) {
      ApplyResponse response;
      response = apply(client, objects, subjects, dryRun);
      List<Object> applied = new ArrayList<>();
      for (int i = 0; i < response.getResultsCount(); i++) {
        ApplyResult result = response.getResults(i);
        Object object = result.hasObject() ? result.getObject() : objects.get(i);
        applied.add(object);
        cli.out()
            .println(
                ResourceType.ref(object)
                    + " "
                    + action(result.getAction())
                    + (dryRun ? " (dry run)" : ""));
        for (String warning : result.getWarningsList()) {
          cli.warn(ResourceType.ref(object) + ": " + warning);
        }
        if (dryRun && result.getAction() != ApplyAction.APPLY_ACTION_UNCHANGED) {
          cli.out().print(LiveDiff.of(client, object));
        }
      }
      if (prune) {
        Pruner.prune(cli, client, applied, selector, dryRun);
      }
      cli.out().flush();
      if (waitReady && !dryRun) {
        return new ReadinessWaiter(cli, client, waitFor).await(applied) ? 0 : 1;
      }
      return 0;
    }
  }

  /** One Apply call (a dry run only computes what would be stored). */
  static ApplyResponse apply(
      DroverClient client, List<Object> objects, List<Subject> subjects, boolean dryRun) {
    try {
      return client.call(
          Retry.IDEMPOTENT,
          s ->
              s.apply(
                  ApplyRequest.newBuilder()
                      .addAllObjects(objects)
                      .setDryRun(dryRun)
                      .setFieldManager(FIELD_MANAGER)
                      .build()));
    } catch (StatusRuntimeException e) {
      throw new ServerCallException(e, subjects);
    }
  }

  private static String action(ApplyAction action) {
    return switch (action) {
      case APPLY_ACTION_CREATED -> "created";
      case APPLY_ACTION_UNCHANGED -> "unchanged";
      default -> "configured";
    };
  }
}
