package dev.drover.cli.command;

import dev.drover.api.v1.ApplyResponse;
import dev.drover.api.v1.Object;
import dev.drover.cli.core.Cli;
import dev.drover.cli.core.Subject;
import dev.drover.client.DroverClient;
import dev.drover.client.manifest.ManifestException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code drover diff -f FILE}: prints, as unified diffs, how applying the manifests would change
 * the live objects; exits 0 when nothing would change and 1 when something would, as {@code kubectl
 * diff} does.
 */
@Command(
    name = "diff",
    mixinStandardHelpOptions = true,
    description = "Show how applying manifests would change the live objects (exit 1 if so).")
final class DiffCommand implements Callable<Integer> {
  private final Cli cli;

  @Option(
      names = {"-f", "--filename"},
      required = true,
      paramLabel = "FILE|DIR|-",
      description = "Manifest file, directory of manifests, or - for standard input.")
  List<String> files = new ArrayList<>();

  @Option(
      names = "--ignore-unknown",
      description = "Drop fields Drover does not support, with a warning, instead of failing.")
  boolean ignoreUnknown;

  DiffCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() throws ManifestException {
    List<Object> objects = new ArrayList<>();
    List<Subject> subjects = new ArrayList<>();
    for (Manifests.Item item : Manifests.read(cli, files, ignoreUnknown)) {
      objects.add(item.object());
      subjects.add(item.subject());
    }
    boolean changed = false;
    try (DroverClient client = cli.connect()) {
      ApplyResponse response = ApplyCommand.apply(client, objects, subjects, true);
      for (int i = 0; i < response.getResultsCount(); i++) {
        var result = response.getResults(i);
        String diff = LiveDiff.of(client, result.hasObject() ? result.getObject() : objects.get(i));
        cli.out().print(diff);
        changed |= !diff.isEmpty();
      }
    }
    cli.out().flush();
    return changed ? 1 : 0;
  }
}
