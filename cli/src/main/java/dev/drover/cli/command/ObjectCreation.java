package dev.drover.cli.command;

import dev.drover.api.v1.CreateRequest;
import dev.drover.api.v1.Object;
import dev.drover.cli.core.Cli;
import dev.drover.cli.core.ResourceType;
import dev.drover.cli.core.ServerCallException;
import dev.drover.cli.core.Subject;
import dev.drover.cli.patch.TreeObjects;
import dev.drover.client.DroverClient;
import dev.drover.client.DroverClient.Retry;
import dev.drover.client.manifest.ManifestWriter;
import io.grpc.StatusRuntimeException;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * What the generators (create deployment/namespace/secret/configmap, run, expose) share: the object
 * is built as a manifest tree (so it is read and checked as {@code apply -f} would read it), then
 * created, or with {@code --dry-run=client} only printed, with {@code --dry-run=server} checked by
 * the cluster; {@code -o yaml|json|name} prints the result instead of the usual line.
 */
abstract class ObjectCreation {

  final Cli cli;
  @Spec CommandSpec spec;

  @Option(
      names = "--dry-run",
      paramLabel = "MODE",
      arity = "0..1",
      fallbackValue = "client",
      description = "none (default), client (only print the object) or server (let it check).")
  String dryRun = "none";

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      description = "Print the object as yaml, json or name instead of the usual line.")
  String output = "";

  ObjectCreation(Cli cli) {
    this.cli = cli;
  }

  /** A tree with apiVersion, kind and metadata (name, and namespace when namespaced). */
  Map<String, java.lang.Object> manifest(ResourceType type, String apiVersion, String name) {
    Map<String, java.lang.Object> tree = new LinkedHashMap<>();
    tree.put("apiVersion", apiVersion);
    tree.put("kind", type.kindName());
    Map<String, java.lang.Object> meta = new LinkedHashMap<>();
    meta.put("name", name);
    if (type.namespaced()) {
      meta.put("namespace", cli.namespace());
    }
    tree.put("metadata", meta);
    return tree;
  }

  /** Creates the object the tree describes and reports it ("created", "exposed"). */
  int create(Map<String, java.lang.Object> tree, String verb) {
    if (!dryRun.equals("none") && !dryRun.equals("client") && !dryRun.equals("server")) {
      throw new ParameterException(
          spec.commandLine(), "--dry-run must be none, client or server, not " + dryRun);
    }
    if (!output.isEmpty()
        && !output.equals("yaml")
        && !output.equals("json")
        && !output.equals("name")) {
      throw new ParameterException(
          spec.commandLine(), "-o must be yaml, json or name, not " + output);
    }
    Object object = TreeObjects.parse(tree);
    if (!dryRun.equals("client")) {
      try (DroverClient client = cli.connect()) {
        CreateRequest request =
            CreateRequest.newBuilder().setObject(object).setDryRun(dryRun.equals("server")).build();
        object = client.call(Retry.NEVER, s -> s.create(request));
      } catch (StatusRuntimeException e) {
        throw new ServerCallException(
            e, new Subject(ResourceType.of(object), String.valueOf(name(tree))));
      }
    }
    switch (output) {
      case "yaml" -> cli.out().print(ManifestWriter.toYaml(object));
      case "json" -> cli.out().print(ManifestWriter.toJson(object));
      default -> {
        String suffix = dryRun.equals("none") ? "" : " (" + dryRun + " dry run)";
        cli.out()
            .println(ResourceType.ref(object) + (output.equals("name") ? "" : " " + verb + suffix));
      }
    }
    return 0;
  }

  private static java.lang.Object name(Map<String, java.lang.Object> tree) {
    return ((Map<?, ?>) tree.get("metadata")).get("name");
  }
}
