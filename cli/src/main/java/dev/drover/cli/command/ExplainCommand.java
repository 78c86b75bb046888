package dev.drover.cli.command;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import dev.drover.api.Kinds;
import dev.drover.cli.core.Cli;
import dev.drover.cli.core.ResourceType;
import dev.drover.cli.output.ApiDocs;
import dev.drover.cli.output.ExplainText;
import dev.drover.client.manifest.ManifestSchema;
import dev.drover.client.manifest.Suggestions;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code drover explain KIND[.FIELD...]}: the documentation of a kind or of a field of it, from the
 * API's own comments (kept in the build, see {@link ApiDocs}), with fields named and typed as
 * manifests write them. Needs no cluster.
 */
@Command(
    name = "explain",
    mixinStandardHelpOptions = true,
    description = "Describe a kind or one of its fields, e.g. deployment.spec.strategy.",
    footer = {"", "Examples: drover explain pods; drover explain deploy.spec.template --recursive"})
final class ExplainCommand implements Callable<Integer> {

  private final Cli cli;
  @Spec CommandSpec spec;

  @Parameters(
      index = "0",
      paramLabel = "KIND[.FIELD...]",
      completionCandidates = KindCandidates.class,
      description = "A kind (pods, deployment, ...) and a path of fields in manifest spelling.")
  String path;

  @Option(
      names = "--recursive",
      description = "List every field below, as a tree of names and types.")
  boolean recursive;

  ExplainCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    String[] parts = path.split("\\.", -1);
    ResourceType type = Resources.type(spec.commandLine(), parts[0]);
    Kinds.Info info = Kinds.info(type.kind());
    Descriptor kindMessage =
        dev.drover.api.v1.Object.getDescriptor()
            .findFieldByNumber(type.kind().getNumber())
            .getMessageType();
    Descriptor message = kindMessage;
    FieldDescriptor field = null;
    StringBuilder walked = new StringBuilder(type.singular());
    for (int i = 1; i < parts.length; i++) {
      String key = parts[i];
      if (message == null) {
        throw new ParameterException(
            spec.commandLine(),
            walked
                + " is a <"
                + ManifestSchema.typeName(field)
                + ">, which has no field \""
                + key
                + "\"");
      }
      FieldDescriptor next = ManifestSchema.field(message, key);
      if (next == null) {
        throw new ParameterException(
            spec.commandLine(),
            "field \""
                + key
                + "\" does not exist in "
                + walked
                + Optional.ofNullable(Suggestions.closest(key, ManifestSchema.keys(message)))
                    .map(m -> "; did you mean \"" + m + "\"?")
                    .orElse(""));
      }
      field = next;
      message = ManifestSchema.nested(field);
      walked.append('.').append(ManifestSchema.key(field));
    }
    String version = info.apiVersion().substring(info.apiVersion().indexOf('/') + 1);
    String fieldPath = walked.substring(type.singular().length());
    cli.out()
        .print(
            ExplainText.render(
                ApiDocs.load(),
                info.group(),
                version,
                info.kindName(),
                kindMessage,
                fieldPath.isEmpty() ? "" : fieldPath.substring(1),
                field,
                recursive));
    cli.out().flush();
    return 0;
  }
}
