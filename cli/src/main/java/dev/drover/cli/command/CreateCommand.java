package dev.drover.cli.command;

import dev.drover.cli.core.Cli;
import dev.drover.cli.core.CliException;
import dev.drover.cli.core.ResourceType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code drover create deployment|namespace|secret generic|configmap NAME ...}: builds one object
 * from options, as kubectl's generators do, and creates it.
 */
@Command(
    name = "create",
    mixinStandardHelpOptions = true,
    description = "Create an object from options.",
    subcommands = {
      CreateCommand.Deployment.class,
      CreateCommand.Namespace.class,
      CreateCommand.Secret.class,
      CreateCommand.ConfigMap.class
    })
final class CreateCommand implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(
        spec.commandLine(),
        "give what to create: deployment, namespace, secret generic, configmap");
  }

  /** {@code create deployment NAME --image=IMAGE [--replicas=N] [--port=P] [-- COMMAND...]}. */
  @Command(
      name = "deployment",
      aliases = "deploy",
      mixinStandardHelpOptions = true,
      description = "Create a deployment with the given name, labelled app=NAME.")
  static final class Deployment extends ObjectCreation implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "NAME", description = "Name of the deployment.")
    String name;

    @Parameters(
        index = "1..*",
        paramLabel = "COMMAND",
        description = "The container's command and arguments, after --.")
    List<String> command = new ArrayList<>();

    @Option(
        names = "--image",
        required = true,
        paramLabel = "IMAGE",
        description = "Image of a container (repeat for several containers).")
    List<String> images = new ArrayList<>();

    @Option(names = "--replicas", paramLabel = "N", description = "Number of replicas (1).")
    int replicas = 1;

    @Option(names = "--port", paramLabel = "PORT", description = "The port the container serves.")
    Integer port;

    Deployment(Cli cli) {
      super(cli);
    }

    @Override
    public Integer call() {
      if (replicas < 0) {
        throw new ParameterException(spec.commandLine(), "--replicas must be at least 0");
      }
      if (!command.isEmpty() && images.size() > 1) {
        throw new ParameterException(
            spec.commandLine(), "a command can be given for one --image only");
      }
      Map<String, java.lang.Object> labels = Map.of("app", name);
      List<java.lang.Object> containers = new ArrayList<>();
      for (String image : images) {
        Map<String, java.lang.Object> container = new LinkedHashMap<>();
        container.put("name", containerName(image));
        container.put("image", image);
        if (!command.isEmpty()) {
          container.put("command", command);
        }
        if (port != null) {
          container.put("ports", List.of(Map.of("containerPort", port)));
        }
        containers.add(container);
      }
      Map<String, java.lang.Object> tree = manifest(ResourceType.DEPLOYMENT, "apps/v1", name);
      meta(tree).put("labels", labels);
      Map<String, java.lang.Object> deployment = new LinkedHashMap<>();
      deployment.put("replicas", replicas);
      deployment.put("selector", Map.of("matchLabels", labels));
      deployment.put(
          "template",
          Map.of("metadata", Map.of("labels", labels), "spec", Map.of("containers", containers)));
      tree.put("spec", deployment);
      return create(tree, "created");
    }

    /** kubectl's container name: the image's last path part, without tag or digest. */
    static String containerName(String image) {
      String base = image.substring(image.lastIndexOf('/') + 1);
      base = base.replaceAll("[@:].*$", "");
      String name = base.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
      return name.isEmpty() ? "container" : name;
    }
  }

  /** {@code create namespace NAME}. */
  @Command(
      name = "namespace",
      aliases = "ns",
      mixinStandardHelpOptions = true,
      description = "Create a namespace.")
  static final class Namespace extends ObjectCreation implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "NAME", description = "Name of the namespace.")
    String name;

    Namespace(Cli cli) {
      super(cli);
    }

    @Override
    public Integer call() {
      return create(manifest(ResourceType.NAMESPACE, "v1", name), "created");
    }
  }

  /** The {@code --from-literal} and {@code --from-file} options of secrets and config maps. */
  abstract static class DataCreation extends ObjectCreation {

    @Option(
        names = "--from-literal",
        paramLabel = "KEY=VALUE",
        description = "A key and its value (repeatable).")
    List<String> literals = new ArrayList<>();

    @Option(
        names = "--from-file",
        paramLabel = "[KEY=]PATH",
        description = "A file (key: its name, or KEY), or every file of a directory (repeatable).")
    List<String> files = new ArrayList<>();

    DataCreation(Cli cli) {
      super(cli);
    }

    /** Every key with its bytes, sorted by key; a key given twice is an error. */
    Map<String, byte[]> data() {
      Map<String, byte[]> data = new TreeMap<>();
      for (String literal : literals) {
        int eq = literal.indexOf('=');
        if (eq <= 0) {
          throw new ParameterException(
              spec.commandLine(), "--from-literal \"" + literal + "\": expected KEY=VALUE");
        }
        put(
            data,
            literal.substring(0, eq),
            literal.substring(eq + 1).getBytes(StandardCharsets.UTF_8));
      }
      for (String source : files) {
        int eq = source.indexOf('=');
        Path path = Path.of(eq > 0 ? source.substring(eq + 1) : source);
        if (Files.isDirectory(path) && eq < 0) {
          try (Stream<Path> entries = Files.list(path)) {
            for (Path file : entries.filter(Files::isRegularFile).sorted().toList()) {
              put(data, file.getFileName().toString(), read(file));
            }
          } catch (IOException e) {
            throw new CliException("--from-file: cannot list " + path + ": " + e.getMessage(), e);
          }
        } else {
          put(data, eq > 0 ? source.substring(0, eq) : path.getFileName().toString(), read(path));
        }
      }
      return data;
    }

    private void put(Map<String, byte[]> data, String key, byte[] value) {
      if (data.put(key, value) != null) {
        throw new ParameterException(
            spec.commandLine(), "cannot add key \"" + key + "\": another key by that name exists");
      }
    }

    private static byte[] read(Path file) {
      try {
        return Files.readAllBytes(file);
      } catch (IOException e) {
        throw new CliException("--from-file: cannot read " + file + ": " + e.getMessage(), e);
      }
    }
  }

  /** {@code create secret generic NAME --from-literal=K=V --from-file=PATH}. */
  @Command(
      name = "secret",
      mixinStandardHelpOptions = true,
      description = "Create a secret.",
      subcommands = Generic.class)
  static final class Secret implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
      throw new ParameterException(spec.commandLine(), "give the secret type: generic");
    }
  }

  /** The generic (Opaque) secret. */
  @Command(
      name = "generic",
      mixinStandardHelpOptions = true,
      description = "Create a secret from literal values and files.")
  static final class Generic extends DataCreation implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "NAME", description = "Name of the secret.")
    String name;

    @Option(names = "--type", paramLabel = "TYPE", description = "Secret type (Opaque).")
    String type = "Opaque";

    Generic(Cli cli) {
      super(cli);
    }

    @Override
    public Integer call() {
      Map<String, java.lang.Object> tree = manifest(ResourceType.SECRET, "v1", name);
      tree.put("type", type);
      Map<String, java.lang.Object> encoded = new TreeMap<>();
      data().forEach((k, v) -> encoded.put(k, Base64.getEncoder().encodeToString(v)));
      if (!encoded.isEmpty()) {
        tree.put("data", encoded);
      }
      return create(tree, "created");
    }
  }

  /** {@code create configmap NAME --from-literal=K=V --from-file=PATH}. */
  @Command(
      name = "configmap",
      aliases = "cm",
      mixinStandardHelpOptions = true,
      description = "Create a config map from literal values and files.")
  static final class ConfigMap extends DataCreation implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "NAME", description = "Name of the config map.")
    String name;

    ConfigMap(Cli cli) {
      super(cli);
    }

    @Override
    public Integer call() {
      Map<String, java.lang.Object> tree = manifest(ResourceType.CONFIG_MAP, "v1", name);
      Map<String, java.lang.Object> text = new TreeMap<>();
      Map<String, java.lang.Object> binary = new TreeMap<>();
      data()
          .forEach(
              (k, v) -> {
                String utf8 = utf8(v);
                if (utf8 != null) {
                  text.put(k, utf8);
                } else {
                  binary.put(k, Base64.getEncoder().encodeToString(v));
                }
              });
      if (!text.isEmpty()) {
        tree.put("data", text);
      }
      if (!binary.isEmpty()) {
        tree.put("binaryData", binary);
      }
      return create(tree, "created");
    }

    /** The bytes as text when they are valid UTF-8 (kubectl's test for data vs binaryData). */
    private static String utf8(byte[] bytes) {
      try {
        return StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(ByteBuffer.wrap(bytes))
            .toString();
      } catch (CharacterCodingException e) {
        return null;
      }
    }
  }

  @SuppressWarnings("unchecked")
  static Map<String, java.lang.Object> meta(Map<String, java.lang.Object> tree) {
    return (Map<String, java.lang.Object>) tree.get("metadata");
  }
}
