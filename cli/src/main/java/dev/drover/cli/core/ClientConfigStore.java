package dev.drover.cli.core;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.common.FlowStyle;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * Reads and writes the client configuration file. The format is YAML:
 *
 * <pre>
 * currentContext: dev
 * contexts:
 * - name: dev
 *   endpoints: [127.0.0.1:7070]
 *   namespace: default
 *   credentials: {token: "", caFile: "", certFile: "", keyFile: ""}
 * </pre>
 *
 * <p>A missing file is an empty configuration. Unknown keys and wrong types are errors naming the
 * file and the key, so a typo never silently points the CLI at the wrong cluster. Writes replace
 * the file atomically and keep it private to the user (it may hold a token).
 */
public final class ClientConfigStore {

  private static final Set<String> TOP_KEYS = Set.of("currentContext", "contexts");
  private static final Set<String> CONTEXT_KEYS =
      Set.of("name", "endpoints", "namespace", "credentials");
  private static final Set<String> CREDENTIAL_KEYS =
      Set.of("token", "caFile", "certFile", "keyFile");

  private final Path path;

  public ClientConfigStore(Path path) {
    this.path = path;
  }

  /** The file this store reads and writes. */
  public Path path() {
    return path;
  }

  /** Loads the configuration; a missing file gives {@link ClientConfig#EMPTY}. */
  public ClientConfig load() {
    if (!Files.exists(path)) {
      return ClientConfig.EMPTY;
    }
    java.lang.Object root;
    try {
      String text = Files.readString(path, StandardCharsets.UTF_8);
      root =
          new Load(LoadSettings.builder().setLabel(path.toString()).build()).loadFromString(text);
    } catch (IOException e) {
      throw new CliException("cannot read " + path + ": " + e.getMessage(), e);
    } catch (YamlEngineException e) {
      throw new CliException(path + ": invalid YAML: " + e.getMessage(), e);
    }
    if (root == null) {
      return ClientConfig.EMPTY;
    }
    Map<String, java.lang.Object> top = map(root, "", TOP_KEYS);
    String current = string(top.get("currentContext"), "currentContext");
    List<ContextEntry> contexts = new ArrayList<>();
    java.lang.Object list = top.get("contexts");
    if (list != null) {
      if (!(list instanceof List<?> items)) {
        throw invalid("contexts", "expected a list of contexts");
      }
      for (int i = 0; i < items.size(); i++) {
        contexts.add(context(items.get(i), "contexts[" + i + "]"));
      }
    }
    return new ClientConfig(current, contexts);
  }

  private ContextEntry context(java.lang.Object value, String at) {
    Map<String, java.lang.Object> fields = map(value, at, CONTEXT_KEYS);
    String name = string(fields.get("name"), at + ".name");
    if (name == null || name.isEmpty()) {
      throw invalid(at + ".name", "missing: every context needs a name");
    }
    List<String> endpoints = new ArrayList<>();
    java.lang.Object list = fields.get("endpoints");
    if (list instanceof List<?> items) {
      for (int i = 0; i < items.size(); i++) {
        endpoints.add(string(items.get(i), at + ".endpoints[" + i + "]"));
      }
    } else if (list != null) {
      throw invalid(at + ".endpoints", "expected a list of host:port");
    }
    ContextEntry.Credentials credentials = ContextEntry.Credentials.NONE;
    java.lang.Object creds = fields.get("credentials");
    if (creds != null) {
      String cat = at + ".credentials";
      Map<String, java.lang.Object> c = map(creds, cat, CREDENTIAL_KEYS);
      credentials =
          new ContextEntry.Credentials(
              string(c.get("token"), cat + ".token"),
              string(c.get("caFile"), cat + ".caFile"),
              string(c.get("certFile"), cat + ".certFile"),
              string(c.get("keyFile"), cat + ".keyFile"));
    }
    return new ContextEntry(
        name, endpoints, string(fields.get("namespace"), at + ".namespace"), credentials);
  }

  private Map<String, java.lang.Object> map(java.lang.Object value, String at, Set<String> keys) {
    if (!(value instanceof Map<?, ?> raw)) {
      throw invalid(at.isEmpty() ? "(top level)" : at, "expected a mapping");
    }
    Map<String, java.lang.Object> out = new LinkedHashMap<>();
    for (Map.Entry<?, ?> entry : raw.entrySet()) {
      String key = String.valueOf(entry.getKey());
      String keyPath = at.isEmpty() ? key : at + "." + key;
      if (!keys.contains(key)) {
        throw invalid(
            keyPath,
            "unknown key (expected one of "
                + String.join(", ", keys.stream().sorted().toList())
                + ")");
      }
      out.put(key, entry.getValue());
    }
    return out;
  }

  private String string(java.lang.Object value, String at) {
    if (value == null) {
      return null;
    }
    if (value instanceof Map || value instanceof List) {
      throw invalid(at, "expected a string");
    }
    return String.valueOf(value);
  }

  private CliException invalid(String at, String why) {
    return new CliException(path + ": " + at + ": " + why);
  }

  /** Writes the configuration, replacing the file atomically. */
  public void save(ClientConfig config) {
    Map<String, java.lang.Object> top = new LinkedHashMap<>();
    top.put("currentContext", config.currentContext());
    List<java.lang.Object> contexts = new ArrayList<>();
    for (ContextEntry context : config.contexts()) {
      Map<String, java.lang.Object> c = new LinkedHashMap<>();
      c.put("name", context.name());
      c.put("endpoints", context.endpoints());
      c.put("namespace", context.namespace());
      Map<String, java.lang.Object> creds = new LinkedHashMap<>();
      creds.put("token", context.credentials().token());
      creds.put("caFile", context.credentials().caFile());
      creds.put("certFile", context.credentials().certFile());
      creds.put("keyFile", context.credentials().keyFile());
      c.put("credentials", creds);
      contexts.add(c);
    }
    top.put("contexts", contexts);
    String text =
        new Dump(DumpSettings.builder().setDefaultFlowStyle(FlowStyle.BLOCK).build())
            .dumpToString(top);
    try {
      Path dir = path.toAbsolutePath().getParent();
      Files.createDirectories(dir);
      Path temp = Files.createTempFile(dir, ".config", ".tmp");
      try {
        setPrivate(temp);
        Files.writeString(temp, text, StandardCharsets.UTF_8);
        try {
          Files.move(
              temp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(temp, path, StandardCopyOption.REPLACE_EXISTING);
        }
      } finally {
        Files.deleteIfExists(temp);
      }
    } catch (IOException e) {
      throw new CliException("cannot write " + path + ": " + e.getMessage(), e);
    }
  }

  private static void setPrivate(Path file) throws IOException {
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // Not a POSIX file system (Windows): the user's profile directory is private already.
    }
  }
}
