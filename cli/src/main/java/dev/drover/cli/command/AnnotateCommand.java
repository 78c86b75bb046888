package dev.drover.cli.command;

import dev.drover.cli.core.Cli;
import java.util.List;
import picocli.CommandLine.Command;

/**
 * {@code drover annotate KIND NAME KEY=VALUE KEY-}: sets and removes annotations, as kubectl
 * annotate does (an existing value changes only with {@code --overwrite}).
 */
@Command(
    name = "annotate",
    mixinStandardHelpOptions = true,
    description = "Update the annotations of objects.",
    footer = {
      "",
      "Examples:",
      "  drover annotate pods web-1 description='my frontend'",
      "  drover annotate deploy/web owner=team-a --overwrite",
      "  drover annotate pods --all owner-"
    })
final class AnnotateCommand extends MetadataMapCommand {

  AnnotateCommand(Cli cli) {
    super(cli);
  }

  @Override
  String field() {
    return "annotations";
  }

  @Override
  String what() {
    return "annotation";
  }

  @Override
  String overwriteError(List<String> overwrites) {
    return "--overwrite is false but found the following declared annotation(s): "
        + String.join("; ", overwrites);
  }

  @Override
  String done(KeyValueEdits edits, boolean changed) {
    return "annotated";
  }
}
