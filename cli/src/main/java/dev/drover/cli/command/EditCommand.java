package dev.drover.cli.command;

import dev.drover.api.ApiObjects;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.UpdateRequest;
import dev.drover.cli.core.Cli;
import dev.drover.cli.core.CliException;
import dev.drover.cli.core.ErrorRenderer;
import dev.drover.cli.core.ResourceType;
import dev.drover.cli.core.ServerCallException;
import dev.drover.cli.core.Subject;
import dev.drover.cli.patch.JsonTrees;
import dev.drover.cli.patch.TreeObjects;
import dev.drover.client.DroverClient;
import dev.drover.client.DroverClient.Retry;
import dev.drover.client.manifest.JsonText;
import dev.drover.client.manifest.ManifestWriter;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code drover edit KIND NAME}: opens the object's YAML in {@code $KUBE_EDITOR}, {@code $EDITOR}
 * or vi, and writes the saved result back guarded by the resource version it read. If the object
 * changed meanwhile, nothing is written: the conflict is reported and the edited file kept, so no
 * update is lost on either side. An edit that is not a valid object re-opens with the problems on
 * top; saving it unchanged again gives up (the file is kept).
 */
@Command(
    name = "edit",
    mixinStandardHelpOptions = true,
    description = "Edit an object in your editor ($KUBE_EDITOR, $EDITOR, else vi) and save it.",
    footer = {"", "Example: drover edit deployment/web"})
final class EditCommand implements Callable<Integer> {

  static final String HEADER =
      """
      # Please edit the object below. Lines beginning with a '#' will be ignored,
      # and an empty file will abort the edit. If an error occurs while saving this file will be
      # reopened with the relevant failures.
      #
      """;

  private final Cli cli;
  @Spec CommandSpec spec;

  @Mixin ObjectArgument object = new ObjectArgument();

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      description = "Edit as yaml (default) or json.")
  String output = "yaml";

  EditCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() throws IOException, InterruptedException {
    if (!output.equals("yaml") && !output.equals("json")) {
      throw new ParameterException(spec.commandLine(), "-o must be yaml or json, not " + output);
    }
    Subject subject = object.subject(spec.commandLine());
    try (DroverClient client = cli.connect()) {
      Object read = Resources.get(client, subject.type(), cli.namespace(), subject.name());
      String original =
          output.equals("json") ? ManifestWriter.toJson(read) : ManifestWriter.toYaml(read);
      Path file = Files.createTempFile("drover-edit-", "." + output);
      Files.writeString(file, HEADER + original, StandardCharsets.UTF_8);
      String previousInvalid = null;
      List<String> problems = new ArrayList<>();
      while (true) {
        runEditor(file);
        String edited = withoutComments(Files.readString(file, StandardCharsets.UTF_8));
        if (edited.isBlank()) {
          Files.deleteIfExists(file);
          cli.err().println("Edit cancelled, saved file was empty.");
          return 0;
        }
        if (edited.equals(withoutComments(original))) {
          Files.deleteIfExists(file);
          cli.err().println("Edit cancelled, no changes made.");
          return 0;
        }
        if (edited.equals(previousInvalid)) {
          throw kept(
              file, "Edit cancelled, no valid changes were saved: " + String.join("; ", problems));
        }
        problems.clear();
        try {
          Object written = save(client, subject, edited, read, file);
          Files.deleteIfExists(file);
          cli.out().println(ResourceType.ref(written) + " edited");
          return 0;
        } catch (IllegalArgumentException e) {
          problems.add(e.getMessage()); // not YAML, or not a valid object (PatchException)
        } catch (StatusRuntimeException e) {
          if (e.getStatus().getCode() != Status.Code.INVALID_ARGUMENT) {
            ErrorRenderer.render(new ServerCallException(e, subject), cli.lastConnection())
                .forEach(cli.err()::println);
            throw kept(file, "The edit was not saved.");
          }
          for (String line : ErrorRenderer.render(new ServerCallException(e, subject), null)) {
            problems.add(line.startsWith("error: ") ? line.substring(7) : line);
          }
        }
        previousInvalid = edited;
        String header =
            "# "
                + subject.type().plural()
                + " \""
                + subject.name()
                + "\" was not valid:\n"
                + problems.stream().map(p -> "# * " + p + "\n").collect(Collectors.joining())
                + "#\n";
        Files.writeString(file, HEADER + header + edited, StandardCharsets.UTF_8);
      }
    }
  }

  /**
   * Writes the edited object guarded by the version read. A conflict is reported (file kept) unless
   * only the status moved on meanwhile (a controller's report): then nothing of the user's was
   * touched, and the edit is written once more against the live version.
   */
  private Object save(DroverClient client, Subject subject, String edited, Object read, Path file) {
    try {
      return update(client, TreeObjects.object(JsonText.parse(edited), read));
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() != Status.Code.ABORTED) {
        throw e;
      }
    }
    Object live = Resources.get(client, subject.type(), cli.namespace(), subject.name());
    if (!sameButStatus(read, live)) {
      throw conflict(file, subject, read, live);
    }
    try {
      return update(client, TreeObjects.object(JsonText.parse(edited), live));
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.ABORTED) {
        throw conflict(file, subject, read, live);
      }
      throw e;
    }
  }

  private static Object update(DroverClient client, Object changed) {
    return client.call(
        Retry.CAS_WRITE, s -> s.update(UpdateRequest.newBuilder().setObject(changed).build()));
  }

  /** True when two versions of an object differ in their status (and version) only. */
  private static boolean sameButStatus(Object a, Object b) {
    return JsonTrees.equal(withoutStatus(a), withoutStatus(b));
  }

  private static Map<String, java.lang.Object> withoutStatus(Object object) {
    Map<String, java.lang.Object> tree = TreeObjects.tree(object);
    tree.remove("status");
    if (tree.get("metadata") instanceof Map<?, ?> meta) {
      meta.remove("resourceVersion");
    }
    return tree;
  }

  /** The conflict, in kubectl's words, with where the user's changes are kept. */
  private static CliException conflict(Path file, Subject subject, Object read, Object live) {
    return kept(
        file,
        subject.type().plural()
            + " \""
            + subject.name()
            + "\" could not be updated: the object has been modified since it was read"
            + " (resource version "
            + ApiObjects.meta(read).getResourceVersion()
            + ", now "
            + ApiObjects.meta(live).getResourceVersion()
            + "); please apply your changes to the latest version and try again");
  }

  private static CliException kept(Path file, String what) {
    return new CliException(
        what
            + "\nA copy of your changes has been stored to \""
            + file
            + "\"; run `drover edit` again to redo them on the current object.");
  }

  private void runEditor(Path file) throws IOException, InterruptedException {
    String editor = cli.environment().get("KUBE_EDITOR");
    if (editor == null || editor.isBlank()) {
      editor = cli.environment().get("EDITOR");
    }
    if (editor == null || editor.isBlank()) {
      editor = "vi";
    }
    // Through a shell, so that an editor with arguments ("code --wait") works as in kubectl.
    ProcessBuilder builder =
        new ProcessBuilder("sh", "-c", editor + " \"$1\"", "drover-edit", file.toString())
            .inheritIO();
    builder.environment().putAll(cli.environment());
    cli.out().flush();
    int code;
    try {
      code = builder.start().waitFor();
    } catch (IOException e) {
      throw new CliException("cannot start the editor \"" + editor + "\": " + e.getMessage(), e);
    }
    if (code != 0) {
      Files.deleteIfExists(file);
      throw new CliException(
          "there was a problem with the editor \"" + editor + "\" (exit code " + code + ")");
    }
  }

  private static String withoutComments(String text) {
    return text.lines()
        .filter(l -> !l.startsWith("#"))
        .collect(Collectors.joining("\n", "", "\n"))
        .strip();
  }
}
