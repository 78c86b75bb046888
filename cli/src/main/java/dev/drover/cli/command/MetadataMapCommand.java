package dev.drover.cli.command;

import dev.drover.cli.core.Cli;
import dev.drover.cli.core.CliException;
import dev.drover.cli.core.ErrorRenderer;
import dev.drover.cli.core.ResourceType;
import dev.drover.cli.core.ServerCallException;
import dev.drover.cli.core.Subject;
import dev.drover.client.DroverClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * What {@code label} and {@code annotate} share: the arguments (objects, then {@code KEY=VALUE} and
 * {@code KEY-}), {@code --overwrite}, and the read-change-write of one map under metadata for each
 * object, each reported on its own line. An object that cannot be changed is reported and the
 * others still are; the exit code is then 1.
 */
abstract class MetadataMapCommand implements Callable<Integer> {

  final Cli cli;
  @Spec CommandSpec spec;
  @Mixin Selection selection = new Selection();

  @Parameters(
      paramLabel = "ARG",
      description = "KIND NAME... or KIND/NAME..., then KEY=VALUE to set and KEY- to remove.")
  List<String> words = new ArrayList<>();

  @Option(names = "--overwrite", description = "Allow changing a key that already has a value.")
  boolean overwrite;

  MetadataMapCommand(Cli cli) {
    this.cli = cli;
  }

  /** "labels" or "annotations": the metadata field changed. */
  abstract String field();

  /** "label" or "annotation", for messages about one key. */
  abstract String what();

  /** The error when existing values would change without --overwrite. */
  abstract String overwriteError(List<String> overwrites);

  /** The word after the object in the output line ("labeled", "annotated"...). */
  abstract String done(KeyValueEdits edits, boolean changed);

  @Override
  public Integer call() {
    List<String> targets = words.stream().filter(w -> !KeyValueEdits.isEdit(w)).toList();
    KeyValueEdits edits =
        KeyValueEdits.parse(
            spec.commandLine(), words.stream().filter(KeyValueEdits::isEdit).toList(), what());
    Selection.Named named = selection.named(spec.commandLine(), targets);
    String namespace = cli.namespace();
    int code = 0;
    try (DroverClient client = cli.connect()) {
      List<Subject> subjects = selection.subjects(client, named, namespace);
      if (subjects.isEmpty()) {
        cli.err().println("No resources found in " + namespace + " namespace.");
      }
      for (Subject subject : subjects) {
        try {
          ObjectUpdates.Outcome outcome =
              ObjectUpdates.update(
                  client, subject.type(), namespace, subject.name(), tree -> change(edits, tree));
          cli.out()
              .println(ResourceType.ref(outcome.object()) + " " + done(edits, outcome.changed()));
        } catch (CliException | ServerCallException e) {
          ErrorRenderer.render(e, cli.lastConnection()).forEach(cli.err()::println);
          code = 1;
        }
      }
    }
    return code;
  }

  private Map<String, java.lang.Object> change(
      KeyValueEdits edits, Map<String, java.lang.Object> tree) {
    Map<String, String> current = KeyValueEdits.read(tree, field());
    List<String> overwrites = edits.overwrites(current);
    if (!overwrite && !overwrites.isEmpty()) {
      throw new CliException(overwriteError(overwrites));
    }
    return edits.applyTo(tree, field());
  }
}
