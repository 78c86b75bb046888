package dev.drover.cli.command;

import dev.drover.cli.core.Cli;
import dev.drover.cli.core.CliException;
import dev.drover.cli.core.ResourceType;
import dev.drover.cli.core.Subject;
import dev.drover.cli.patch.JsonPatch;
import dev.drover.cli.patch.MergePatch;
import dev.drover.client.DroverClient;
import dev.drover.client.manifest.JsonText;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code drover patch KIND NAME -p PATCH [--type merge|json]}: changes fields of a live object with
 * a JSON merge patch (RFC 7386) or a JSON patch (RFC 6902), applied here to the object read and
 * written back guarded by its resource version (retried on conflict).
 */
@Command(
    name = "patch",
    mixinStandardHelpOptions = true,
    description = {
      "Update fields of an object with a merge patch or a JSON patch.",
      "--type strategic (kubectl's default) is applied as a JSON merge patch: lists are replaced"
          + " whole rather than merged by key."
    },
    footer = {
      "",
      "Examples:",
      "  drover patch deploy web -p '{\"spec\":{\"replicas\":3}}'",
      "  drover patch pod/web-1 --type json -p '[{\"op\":\"remove\",\"path\":\"/metadata/labels/tier\"}]'"
    })
final class PatchCommand implements Callable<Integer> {

  enum PatchType {
    strategic,
    merge,
    json
  }

  private final Cli cli;
  @Spec CommandSpec spec;

  @Mixin ObjectArgument object = new ObjectArgument();

  @Option(
      names = {"-p", "--patch"},
      paramLabel = "PATCH",
      description = "The patch, JSON (or YAML) text.")
  String patch;

  @Option(names = "--patch-file", paramLabel = "FILE", description = "Read the patch from a file.")
  Path patchFile;

  @Option(
      names = "--type",
      paramLabel = "TYPE",
      description = "strategic (default; applied as merge), merge or json.")
  PatchType type = PatchType.strategic;

  PatchCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    Subject subject = object.subject(spec.commandLine());
    UnaryOperator<Map<String, java.lang.Object>> change = change(parsePatch());
    try (DroverClient client = cli.connect()) {
      ObjectUpdates.Outcome outcome =
          ObjectUpdates.update(client, subject.type(), cli.namespace(), subject.name(), change);
      cli.out()
          .println(
              ResourceType.ref(outcome.object())
                  + (outcome.changed() ? " patched" : " patched (no change)"));
      return 0;
    }
  }

  private java.lang.Object parsePatch() {
    if ((patch == null) == (patchFile == null)) {
      throw new ParameterException(spec.commandLine(), "give the patch with -p or --patch-file");
    }
    String text = patch;
    if (patchFile != null) {
      try {
        text = Files.readString(patchFile, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new CliException("cannot read --patch-file " + patchFile + ": " + e.getMessage(), e);
      }
    }
    try {
      return JsonText.parse(text);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(
          spec.commandLine(), "the patch is not valid JSON: " + e.getMessage());
    }
  }

  private UnaryOperator<Map<String, java.lang.Object>> change(java.lang.Object parsed) {
    if (type == PatchType.json) {
      JsonPatch jsonPatch = JsonPatch.of(parsed);
      return tree -> asObject(jsonPatch.apply(tree));
    }
    if (!(parsed instanceof Map<?, ?>)) {
      throw new ParameterException(
          spec.commandLine(), "a " + type + " patch is a JSON object, e.g. {\"spec\": {...}}");
    }
    if (type == PatchType.strategic && containsList(parsed)) {
      cli.err()
          .println(
              "Warning: the strategic merge patch is applied as a JSON merge patch: lists are"
                  + " replaced whole, not merged by key");
    }
    return tree -> asObject(MergePatch.apply(tree, parsed));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, java.lang.Object> asObject(java.lang.Object result) {
    if (!(result instanceof Map<?, ?>)) {
      throw new CliException("the patched object is not an object: " + JsonText.writeLine(result));
    }
    return (Map<String, java.lang.Object>) result;
  }

  private static boolean containsList(java.lang.Object value) {
    if (value instanceof List<?>) {
      return true;
    }
    return value instanceof Map<?, ?> map
        && map.values().stream().anyMatch(PatchCommand::containsList);
  }
}
