package dev.drover.client.manifest;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.ReaderException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;
import org.snakeyaml.engine.v2.schema.CoreSchema;

/**
 * Turns Kubernetes-shaped YAML manifests (multi-document, {@code ---}; JSON works too, and a {@code
 * kind: List} with {@code items}) into {@link Object}s of the drover.v1 API.
 *
 * <p>The mapping is generic, driven by the protobuf descriptors: {@code apiVersion} and {@code
 * kind} select the case of {@link Object}; every other key is the camelCase (proto JSON) name of a
 * field; enums take their Kubernetes spelling ({@code IfNotPresent}); bytes are base64; timestamps
 * RFC 3339; {@code IntOrString} an integer or a string; quantities may be YAML numbers and are kept
 * as the text written.
 *
 * <p>Nothing is silently dropped: a key Drover does not have is an error naming file, line and
 * field path, unless {@link #ignoreUnknown(boolean)} turns those errors into warnings. A {@code
 * status} section is ignored with a warning, as {@code kubectl apply} ignores it (the cluster
 * writes status); {@link #keepStatus(boolean)} reads it instead. Parsing is all or nothing: either
 * every object of every input is returned, or a {@link ManifestException} lists every error found.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class ManifestParser {

  private static final Set<String> TYPE_KEYS = Set.of("apiVersion", "kind");
  private static final String STATUS = "status";

  /** Largest manifest file read, in characters: far more than any set of objects needs. */
  public static final int MAX_MANIFEST_CHARS = 16 * 1024 * 1024;

  /** Deepest nesting of flow collections read; Kubernetes objects need a few dozen levels. */
  public static final int MAX_NESTING = 1000;

  private static final String NESTED_TOO_DEEPLY =
      "invalid manifest: nested more than " + MAX_NESTING + " levels deep";

  private final boolean ignoreUnknown;
  private final boolean keepStatus;

  /** A strict parser: unknown fields are errors, status sections are ignored. */
  public ManifestParser() {
    this(false, false);
  }

  private ManifestParser(boolean ignoreUnknown, boolean keepStatus) {
    this.ignoreUnknown = ignoreUnknown;
    this.keepStatus = keepStatus;
  }

  /** A parser that drops unknown fields with a warning instead of failing on them. */
  public ManifestParser ignoreUnknown(boolean ignore) {
    return new ManifestParser(ignore, keepStatus);
  }

  /**
   * A parser that reads {@code status} sections into the objects instead of ignoring them (for
   * tools that need the whole object, such as round trips of {@link ManifestWriter} output).
   */
  public ManifestParser keepStatus(boolean keep) {
    return new ManifestParser(ignoreUnknown, keep);
  }

  /**
   * Parses the manifests in files and directories, in the order given. A directory contributes its
   * {@code .yaml}, {@code .yml} and {@code .json} files (not its subdirectories), sorted by name,
   * as {@code kubectl apply -f DIR} does.
   */
  public ParsedManifests parsePaths(List<Path> paths) throws ManifestException {
    Accumulator all = new Accumulator();
    for (Path path : paths) {
      for (Path file : expand(path, all)) {
        try {
          String text = Files.readString(file, StandardCharsets.UTF_8);
          parseInto(file.toString(), text, all);
        } catch (IOException e) {
          all.errors.add(new ManifestProblem(file.toString(), 0, "", "cannot read: " + e));
        }
      }
    }
    return all.result();
  }

  /**
   * Parses the sources of {@code apply -f}: each is a file, a directory (see {@link #parsePaths})
   * or "-" for {@code stdin}. Errors of all sources are reported together.
   */
  public ParsedManifests parseSources(List<String> sources, Reader stdin) throws ManifestException {
    List<ManifestObject> objects = new ArrayList<>();
    List<ManifestProblem> warnings = new ArrayList<>();
    List<ManifestProblem> errors = new ArrayList<>();
    for (String source : sources) {
      try {
        ParsedManifests parsed =
            source.equals("-") ? parse("-", stdin) : parsePaths(List.of(Path.of(source)));
        objects.addAll(parsed.objects());
        warnings.addAll(parsed.warnings());
      } catch (ManifestException e) {
        errors.addAll(e.errors());
      }
    }
    if (!errors.isEmpty()) {
      throw new ManifestException(errors);
    }
    return new ParsedManifests(objects, warnings);
  }

  /** Parses one manifest file. */
  public ParsedManifests parseFile(Path file) throws ManifestException {
    return parsePaths(List.of(file));
  }

  /**
   * Parses manifests read from a stream, such as standard input ({@code file} is the name used in
   * messages, e.g. "-").
   */
  public ParsedManifests parse(String file, Reader reader) throws ManifestException {
    StringBuilder text = new StringBuilder();
    char[] buffer = new char[8192];
    try {
      for (int n = reader.read(buffer); n >= 0; n = reader.read(buffer)) {
        text.append(buffer, 0, n);
      }
    } catch (IOException e) {
      throw new ManifestException(List.of(new ManifestProblem(file, 0, "", "cannot read: " + e)));
    }
    return parse(file, text.toString());
  }

  /** Parses manifests given as text; {@code file} is the name used in messages. */
  public ParsedManifests parse(String file, String yaml) throws ManifestException {
    Accumulator all = new Accumulator();
    parseInto(file, yaml, all);
    return all.result();
  }

  private static List<Path> expand(Path path, Accumulator all) {
    if (!Files.isDirectory(path)) {
      return List.of(path);
    }
    try (Stream<Path> entries = Files.list(path)) {
      return entries
          .filter(Files::isRegularFile)
          .filter(ManifestParser::isManifestFile)
          .sorted(Comparator.comparing(Path::toString))
          .toList();
    } catch (IOException e) {
      all.errors.add(new ManifestProblem(path.toString(), 0, "", "cannot list directory: " + e));
      return List.of();
    }
  }

  private static boolean isManifestFile(Path file) {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    return name.endsWith(".yaml") || name.endsWith(".yml") || name.endsWith(".json");
  }

  private void parseInto(String file, String text, Accumulator all) {
    List<ManifestProblem> errors = new ArrayList<>();
    if (text.length() > MAX_MANIFEST_CHARS) {
      all.errors.add(
          new ManifestProblem(
              file,
              0,
              "",
              "the file has "
                  + text.length()
                  + " characters, more than the "
                  + MAX_MANIFEST_CHARS
                  + " a manifest may have; split it into smaller files"));
      return;
    }
    int deepLine = lineNestedTooDeeply(text);
    if (deepLine > 0) {
      all.errors.add(new ManifestProblem(file, deepLine, "", NESTED_TOO_DEEPLY));
      return;
    }
    YamlObjectReader reader = new YamlObjectReader(file, ignoreUnknown, errors, all.warnings);
    // The reader's buffer holds the whole text: with the default 1 KiB buffer the scanner copies
    // what is left of a long line at every refill, and a 5 MB one-line file took a minute.
    LoadSettings settings =
        LoadSettings.builder()
            .setLabel(file)
            .setSchema(new CoreSchema())
            .setBufferSize(text.length() + 1)
            .setCodePointLimit(MAX_MANIFEST_CHARS)
            .build();
    Iterator<Node> documents = new Compose(settings).composeAllFromString(text).iterator();
    try {
      readDocuments(file, text, documents, reader, errors, all);
    } catch (StackOverflowError e) {
      // Block-style nesting ("- - - - ...") that the bracket check above does not count.
      errors.add(new ManifestProblem(file, 0, "", NESTED_TOO_DEEPLY));
    }
    // Keep each file's errors in line order (the missing-name check runs after the fields).
    errors.sort(Comparator.comparingInt(ManifestProblem::line));
    all.errors.addAll(errors);
  }

  /**
   * The line where flow collections ({@code [} and <code>{</code>, outside quoted strings) nest
   * deeper than {@link #MAX_NESTING}, or 0. Checked before parsing, which would otherwise recurse
   * once per level until the stack overflows.
   */
  static int lineNestedTooDeeply(String text) {
    int depth = 0;
    int line = 1;
    char quote = 0;
    char previous = '\n';
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\n') {
        line++;
      }
      if (quote != 0) {
        if (c == '\\' && quote == '"') {
          i++;
        } else if (c == quote) {
          quote = 0;
        }
      } else if ((c == '"' || c == '\'') && " \t\n:,[{-".indexOf(previous) >= 0) {
        quote = c;
      } else if (c == '[' || c == '{') {
        if (++depth > MAX_NESTING) {
          return line;
        }
      } else if ((c == ']' || c == '}') && depth > 0) {
        depth--;
      }
      previous = c;
    }
    return 0;
  }

  private void readDocuments(
      String file,
      String text,
      Iterator<Node> documents,
      YamlObjectReader reader,
      List<ManifestProblem> errors,
      Accumulator all) {
    int index = 0;
    while (true) {
      Node root;
      try {
        if (!documents.hasNext()) {
          break;
        }
        root = documents.next();
      } catch (MarkedYamlEngineException e) {
        // The YAML stream cannot be read past a syntax error; report it and what came before.
        errors.add(syntaxError(file, e));
        break;
      } catch (ReaderException e) {
        errors.add(readerError(file, text, e));
        break;
      } catch (YamlEngineException e) {
        errors.add(new ManifestProblem(file, 0, "", "invalid YAML: " + e.getMessage()));
        break;
      }
      readDocument(root, index, "", reader, all.objects);
      index++;
    }
  }

  /**
   * A character YAML does not allow. The exception's offset is not exact, so the character is
   * looked up in the text to point at its line and column.
   */
  private static ManifestProblem readerError(String file, String text, ReaderException e) {
    int line = 1;
    int column = 1;
    for (int i = 0; i < text.length(); ) {
      int codePoint = text.codePointAt(i);
      if (codePoint == e.getCodePoint()) {
        break;
      }
      if (codePoint == '\n') {
        line++;
        column = 1;
      } else {
        column++;
      }
      i += Character.charCount(codePoint);
    }
    return new ManifestProblem(
        file,
        line,
        "",
        String.format(
            "invalid YAML: character U+%04X is not allowed (column %d)", e.getCodePoint(), column));
  }

  private static ManifestProblem syntaxError(String file, MarkedYamlEngineException e) {
    Mark mark = e.getProblemMark().orElse(null);
    StringBuilder message = new StringBuilder("invalid YAML: ").append(e.getProblem());
    if (mark != null) {
      message.append(" (column ").append(mark.getColumn() + 1).append(')');
    }
    if (e.getContext() != null) {
      message.append(", ").append(e.getContext());
      e.getContextMark()
          .ifPresent(context -> message.append(" at line ").append(context.getLine() + 1));
    }
    return new ManifestProblem(file, mark == null ? 0 : mark.getLine() + 1, "", message.toString());
  }

  private void readDocument(
      Node root, int index, String path, YamlObjectReader reader, List<ManifestObject> out) {
    if (YamlObjectReader.isNull(root)) {
      return; // an empty document, e.g. after a trailing "---"
    }
    if (!(root instanceof MappingNode mapping)) {
      reader.error(
          root,
          path,
          "expected a mapping with apiVersion, kind and metadata, got "
              + YamlObjectReader.describe(root));
      return;
    }
    String kind = typeKey(mapping, "kind", path, reader);
    String apiVersion = typeKey(mapping, "apiVersion", path, reader);
    if (kind == null) {
      return;
    }
    if (kind.equals("List")) {
      readList(mapping, index, path, reader, out);
      return;
    }
    FieldDescriptor kindField = KubeSchema.kindField(kind);
    if (kindField == null) {
      String suggestion = Suggestions.closest(kind, KubeSchema.kindNames());
      reader.error(
          value(mapping, "kind"),
          Paths.field(path, "kind"),
          "unknown kind "
              + YamlObjectReader.quote(kind)
              + (suggestion == null ? "" : " (did you mean \"" + suggestion + "\"?)")
              + "; Drover supports "
              + String.join(", ", KubeSchema.kindNames()));
      return;
    }
    String expectedVersion = KubeSchema.apiVersion(kindField);
    if (apiVersion != null && !apiVersion.equals(expectedVersion)) {
      reader.error(
          value(mapping, "apiVersion"),
          Paths.field(path, "apiVersion"),
          "kind "
              + kind
              + " is not served by apiVersion \""
              + apiVersion
              + "\"; use \""
              + expectedVersion
              + "\"");
      return;
    }
    Message.Builder builder = Object.newBuilder().newBuilderForField(kindField);
    Set<String> skip = new HashSet<>(TYPE_KEYS);
    boolean hasStatus = builder.getDescriptorForType().findFieldByName(STATUS) != null;
    if (hasStatus && !keepStatus) {
      skip.add(STATUS);
      NodeTuple status = tuple(mapping, STATUS);
      if (status != null && !YamlObjectReader.isNull(status.getValueNode())) {
        reader.warn(
            status.getKeyNode(),
            Paths.field(path, STATUS),
            "ignored: status is written by the cluster (kubectl apply ignores it too)");
      }
    }
    reader.readFields(mapping, builder, path, skip);
    Message message = builder.build();
    checkName(message, mapping, path, reader);
    out.add(
        new ManifestObject(
            Object.newBuilder().setField(kindField, message).build(),
            new ManifestSource(reader.file(), index, YamlObjectReader.line(mapping))));
  }

  private void readList(
      MappingNode list, int index, String path, YamlObjectReader reader, List<ManifestObject> out) {
    String itemsPath = Paths.field(path, "items");
    for (NodeTuple tuple : list.getValue()) {
      String key = tuple.getKeyNode() instanceof ScalarNode scalar ? scalar.getValue() : "";
      if (TYPE_KEYS.contains(key) || key.equals("metadata")) {
        continue;
      }
      if (!key.equals("items")) {
        reader.error(
            tuple.getKeyNode(),
            Paths.field(path, key),
            "unknown field \"" + key + "\" of a List (expected apiVersion, kind, items)");
        continue;
      }
      if (!(tuple.getValueNode() instanceof SequenceNode items)) {
        if (!YamlObjectReader.isNull(tuple.getValueNode())) {
          reader.error(
              tuple.getValueNode(),
              itemsPath,
              "expected a list, got " + YamlObjectReader.describe(tuple.getValueNode()));
        }
        continue;
      }
      for (int i = 0; i < items.getValue().size(); i++) {
        readDocument(items.getValue().get(i), index, Paths.index(itemsPath, i), reader, out);
      }
    }
  }

  /** Reads apiVersion or kind, which must be present and a string. */
  private static String typeKey(
      MappingNode mapping, String key, String path, YamlObjectReader reader) {
    Node node = value(mapping, key);
    if (node == null || YamlObjectReader.isNull(node)) {
      reader.error(
          mapping, Paths.field(path, key), "missing: every manifest needs apiVersion and kind");
      return null;
    }
    if (!(node instanceof ScalarNode scalar) || !scalar.getTag().equals(Tag.STR)) {
      reader.error(
          node,
          Paths.field(path, key),
          "expected a string, got " + YamlObjectReader.describe(node));
      return null;
    }
    return scalar.getValue();
  }

  private static void checkName(
      Message message, MappingNode mapping, String path, YamlObjectReader reader) {
    String namePath = Paths.field(path, "metadata.name");
    NodeTuple metadataTuple = tuple(mapping, "metadata");
    Node metadataNode = metadataTuple == null ? null : metadataTuple.getValueNode();
    if (reader.hasError(namePath)
        || (metadataNode instanceof ScalarNode && !YamlObjectReader.isNull(metadataNode))
        || metadataNode instanceof SequenceNode) {
      return; // already reported as a wrong type; one message is enough
    }
    FieldDescriptor metadataField = message.getDescriptorForType().findFieldByName("metadata");
    ObjectMeta metadata = (ObjectMeta) message.getField(metadataField);
    if (metadata.getName().isEmpty() && metadata.getGenerateName().isEmpty()) {
      reader.error(
          metadataTuple == null ? mapping : metadataTuple.getKeyNode(),
          namePath,
          "missing: every object needs a name (or generateName)");
    }
  }

  private static NodeTuple tuple(MappingNode mapping, String key) {
    for (NodeTuple tuple : mapping.getValue()) {
      if (tuple.getKeyNode() instanceof ScalarNode scalar && scalar.getValue().equals(key)) {
        return tuple;
      }
    }
    return null;
  }

  private static Node value(MappingNode mapping, String key) {
    NodeTuple tuple = tuple(mapping, key);
    return tuple == null ? null : tuple.getValueNode();
  }

  /** Objects, warnings and errors gathered over all inputs of one parse call. */
  private static final class Accumulator {
    final List<ManifestObject> objects = new ArrayList<>();
    final List<ManifestProblem> warnings = new ArrayList<>();
    final List<ManifestProblem> errors = new ArrayList<>();

    ParsedManifests result() throws ManifestException {
      if (!errors.isEmpty()) {
        throw new ManifestException(errors);
      }
      return new ParsedManifests(objects, warnings);
    }
  }
}
