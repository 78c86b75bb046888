package dev.drover.cli.command;

import dev.drover.cli.core.Cli;
import java.util.List;
import picocli.CommandLine.Command;

/**
 * {@code drover label KIND NAME KEY=VALUE KEY-}: sets and removes labels, as kubectl label does (an
 * existing value changes only with {@code --overwrite}).
 */
@Command(
    name = "label",
    mixinStandardHelpOptions = true,
    description = "Update the labels of objects.",
    footer = {
      "",
      "Examples:",
      "  drover label pods web-1 tier=front",
      "  drover label deploy/web tier=back --overwrite",
      "  drover label pods -l app=web tier-"
    })
final class LabelCommand extends MetadataMapCommand {

  LabelCommand(Cli cli) {
    super(cli);
  }

  @Override
  String field() {
    return "labels";
  }

  @Override
  String what() {
    return "label";
  }

  @Override
  String overwriteError(List<String> overwrites) {
    return String.join(", ", overwrites) + ", and --overwrite is false";
  }

  @Override
  String done(KeyValueEdits edits, boolean changed) {
    if (!changed) {
      return "not labeled";
    }
    return edits.set.isEmpty() ? "unlabeled" : "labeled";
  }
}
