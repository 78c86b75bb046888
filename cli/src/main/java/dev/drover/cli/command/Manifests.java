package dev.drover.cli.command;

import dev.drover.api.ApiObjects;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.cli.core.Cli;
import dev.drover.cli.core.CliException;
import dev.drover.cli.core.ResourceType;
import dev.drover.cli.core.Subject;
import dev.drover.client.manifest.ManifestException;
import dev.drover.client.manifest.ManifestObject;
import dev.drover.client.manifest.ManifestParser;
import dev.drover.client.manifest.ManifestProblem;
import dev.drover.client.manifest.ParsedManifests;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the manifests named by {@code -f} (files, directories, {@code -} for stdin), prints the
 * parser's warnings, and settles each object's namespace the way kubectl does: the object's own,
 * else {@code -n}, else the context's; a conflict between an explicit {@code -n} and the object's
 * namespace is an error.
 */
final class Manifests {

  /** One object ready to send, with where it came from. */
  record Item(Object object, Subject subject) {}

  private Manifests() {}

  static List<Item> read(Cli cli, List<String> files, boolean ignoreUnknown)
      throws ManifestException {
    ManifestParser parser = new ManifestParser().ignoreUnknown(ignoreUnknown);
    List<ManifestObject> objects = new ArrayList<>();
    List<ManifestProblem> warnings = new ArrayList<>();
    List<Path> paths = new ArrayList<>();
    for (String file : files) {
      if (file.equals("-")) {
        ParsedManifests parsed =
            parser.parse("-", new InputStreamReader(cli.in(), StandardCharsets.UTF_8));
        objects.addAll(parsed.objects());
        warnings.addAll(parsed.warnings());
      } else {
        Path path = Path.of(file);
        if (!Files.exists(path)) {
          throw new CliException("the path \"" + file + "\" does not exist");
        }
        paths.add(path);
      }
    }
    if (!paths.isEmpty()) {
      ParsedManifests parsed = parser.parsePaths(paths);
      objects.addAll(parsed.objects());
      warnings.addAll(parsed.warnings());
    }
    for (ManifestProblem warning : warnings) {
      cli.err().println("warning: " + warning);
    }
    if (objects.isEmpty()) {
      throw new CliException("no objects passed to apply (the manifests are empty)");
    }
    List<Item> items = new ArrayList<>();
    for (ManifestObject read : objects) {
      Object object = read.object();
      ResourceType type = ResourceType.of(object);
      ObjectMeta meta = ApiObjects.meta(object);
      if (type.namespaced()) {
        String explicit = cli.namespaceOption();
        if (meta.getNamespace().isEmpty()) {
          object =
              ApiObjects.withMeta(
                  object,
                  meta.toBuilder()
                      .setNamespace(explicit != null ? explicit : cli.defaultNamespace())
                      .build());
        } else if (explicit != null && !explicit.equals(meta.getNamespace())) {
          throw new CliException(
              read.source()
                  + ": the namespace of "
                  + type.kindName()
                  + " \""
                  + meta.getName()
                  + "\" is \""
                  + meta.getNamespace()
                  + "\", which does not match --namespace \""
                  + explicit
                  + "\"");
        }
      }
      String name = meta.getName().isEmpty() ? meta.getGenerateName() : meta.getName();
      items.add(new Item(object, new Subject(type, name, read.source().toString())));
    }
    return items;
  }
}
