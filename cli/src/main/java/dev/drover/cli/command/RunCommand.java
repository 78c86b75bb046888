package dev.drover.cli.command;

import dev.drover.cli.core.Cli;
import dev.drover.cli.core.ResourceType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/**
 * {@code drover run NAME --image=IMAGE [-- ARGS...]}: creates one pod running the image, labelled
 * {@code run=NAME} as kubectl run does; the words after {@code --} are the container's arguments,
 * or with {@code --command} its command.
 */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = "Create a pod running an image.",
    footer = {
      "",
      "Examples:",
      "  drover run web --image=nginx --port=80",
      "  drover run shell --image=busybox --restart=Never --command -- sleep 3600"
    })
final class RunCommand extends ObjectCreation implements Callable<Integer> {

  @Parameters(index = "0", paramLabel = "NAME", description = "Name of the pod.")
  String name;

  @Parameters(
      index = "1..*",
      paramLabel = "ARG",
      description = "Arguments of the container (its command with --command), after --.")
  List<String> args = new ArrayList<>();

  @Option(names = "--image", required = true, paramLabel = "IMAGE", description = "The image.")
  String image;

  @Option(names = "--port", paramLabel = "PORT", description = "The port the container serves.")
  Integer port;

  @Option(
      names = "--env",
      paramLabel = "KEY=VALUE",
      description = "An environment variable of the container (repeatable).")
  List<String> env = new ArrayList<>();

  @Option(
      names = {"-l", "--labels"},
      paramLabel = "KEY=VALUE,...",
      split = ",",
      description = "Labels of the pod (default run=NAME).")
  List<String> labels = new ArrayList<>();

  @Option(
      names = "--restart",
      paramLabel = "POLICY",
      description = "Always (default), OnFailure or Never.")
  String restart = "Always";

  @Option(names = "--command", description = "The words after -- are the command, not arguments.")
  boolean command;

  RunCommand(Cli cli) {
    super(cli);
  }

  @Override
  public Integer call() {
    if (!List.of("Always", "OnFailure", "Never").contains(restart)) {
      throw new ParameterException(
          spec.commandLine(), "--restart must be Always, OnFailure or Never, not " + restart);
    }
    Map<String, java.lang.Object> container = new LinkedHashMap<>();
    container.put("name", name);
    container.put("image", image);
    if (!args.isEmpty()) {
      container.put(command ? "command" : "args", args);
    }
    if (port != null) {
      container.put("ports", List.of(Map.of("containerPort", port)));
    }
    if (!env.isEmpty()) {
      List<java.lang.Object> vars = new ArrayList<>();
      for (Map.Entry<String, String> e : pairs(env, "--env").entrySet()) {
        vars.add(Map.of("name", e.getKey(), "value", e.getValue()));
      }
      container.put("env", vars);
    }
    Map<String, java.lang.Object> tree = manifest(ResourceType.POD, "v1", name);
    CreateCommand.meta(tree)
        .put("labels", labels.isEmpty() ? Map.of("run", name) : pairs(labels, "--labels"));
    tree.put("spec", Map.of("restartPolicy", restart, "containers", List.of(container)));
    return create(tree, "created");
  }

  private Map<String, String> pairs(List<String> words, String option) {
    Map<String, String> out = new TreeMap<>();
    for (String word : words) {
      int eq = word.indexOf('=');
      if (eq <= 0) {
        throw new ParameterException(
            spec.commandLine(), option + " \"" + word + "\": expected KEY=VALUE");
      }
      out.put(word.substring(0, eq), word.substring(eq + 1));
    }
    return out;
  }
}
