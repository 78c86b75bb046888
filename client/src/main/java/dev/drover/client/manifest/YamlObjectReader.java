package dev.drover.client.manifest;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import dev.drover.api.Kinds;
import dev.drover.api.KubeEnums;
import dev.drover.api.Quantity;
import dev.drover.api.v1.IntOrString;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.OwnerReference;
import java.math.BigInteger;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/**
 * Fills protobuf builders from composed YAML nodes, field by field through the descriptors, and
 * records a {@link ManifestProblem} with line and field path for everything it cannot map: unknown
 * keys, wrong YAML types, bad enum spellings, bad base64, bad timestamps, two members of a oneof.
 * It never stops at the first problem, so one pass reports all of a document's errors. One instance
 * serves one file.
 */
final class YamlObjectReader {

  private static final String API_VERSION = "apiVersion";
  private static final Set<String> YAML11_TRUE = Set.of("y", "yes", "on");
  private static final Set<String> YAML11_FALSE = Set.of("n", "no", "off");

  private final String file;
  private final boolean ignoreUnknown;
  private final List<ManifestProblem> errors;
  private final List<ManifestProblem> warnings;

  YamlObjectReader(
      String file,
      boolean ignoreUnknown,
      List<ManifestProblem> errors,
      List<ManifestProblem> warnings) {
    this.file = file;
    this.ignoreUnknown = ignoreUnknown;
    this.errors = errors;
    this.warnings = warnings;
  }

  /**
   * Reads every key of a mapping into the builder's fields, except the keys in {@code skip}, which
   * the caller handles (apiVersion, kind, an ignored status).
   */
  void readFields(MappingNode mapping, Message.Builder builder, String path, Set<String> skip) {
    Descriptor type = builder.getDescriptorForType();
    Set<String> seenKeys = new HashSet<>();
    Set<FieldDescriptor> seenFields = new HashSet<>();
    Map<OneofDescriptor, String> oneofKeys = new HashMap<>();
    for (NodeTuple tuple : mapping.getValue()) {
      Node keyNode = tuple.getKeyNode();
      String key = keyText(keyNode, path);
      if (key == null) {
        continue;
      }
      String fieldPath = Paths.field(path, key);
      if (!seenKeys.add(key)) {
        error(keyNode, fieldPath, "duplicate field " + quote(key));
        continue;
      }
      if (skip.contains(key)) {
        continue;
      }
      FieldDescriptor field = KubeSchema.field(type, key);
      if (field == null) {
        unknownField(keyNode, fieldPath, key, type);
        continue;
      }
      if (!seenFields.add(field)) {
        error(keyNode, fieldPath, "duplicate field \"" + KubeSchema.key(field) + "\"");
        continue;
      }
      Node value = tuple.getValueNode();
      if (isNull(value)) {
        // As in Kubernetes, an explicit null leaves the field unset.
        continue;
      }
      OneofDescriptor oneof = field.getRealContainingOneof();
      if (oneof != null) {
        String other = oneofKeys.putIfAbsent(oneof, key);
        if (other != null) {
          error(
              keyNode,
              fieldPath,
              "only one of "
                  + oneofKeyList(oneof)
                  + " may be set, found \""
                  + other
                  + "\" and \""
                  + key
                  + "\"");
          continue;
        }
      }
      readField(field, value, builder, fieldPath);
    }
  }

  private void readField(FieldDescriptor field, Node value, Message.Builder builder, String path) {
    if (field.isMapField()) {
      readMap(field, value, builder, path);
    } else if (field.isRepeated()) {
      if (!(value instanceof SequenceNode sequence)) {
        typeError(value, path, "a list");
        return;
      }
      List<Node> items = sequence.getValue();
      for (int i = 0; i < items.size(); i++) {
        java.lang.Object item =
            readValue(field, items.get(i), Paths.index(path, i), builder, false);
        if (item != null) {
          builder.addRepeatedField(field, item);
        }
      }
    } else {
      java.lang.Object item = readValue(field, value, path, builder, KubeSchema.isQuantity(field));
      if (item != null) {
        builder.setField(field, item);
      }
    }
  }

  private void readMap(FieldDescriptor field, Node value, Message.Builder builder, String path) {
    if (!(value instanceof MappingNode mapping)) {
      typeError(value, path, "a mapping");
      return;
    }
    Descriptor entryType = field.getMessageType();
    FieldDescriptor keyField = entryType.findFieldByName("key");
    FieldDescriptor valueField = entryType.findFieldByName("value");
    boolean quantity = KubeSchema.isQuantity(field);
    Set<String> seen = new HashSet<>();
    for (NodeTuple tuple : mapping.getValue()) {
      String key = keyText(tuple.getKeyNode(), path);
      if (key == null) {
        continue;
      }
      String entryPath = Paths.mapKey(path, key);
      if (!seen.add(key)) {
        error(tuple.getKeyNode(), entryPath, "duplicate key " + quote(key));
        continue;
      }
      Message.Builder entry = builder.newBuilderForField(field);
      Node valueNode = tuple.getValueNode();
      java.lang.Object item =
          isNull(valueNode) && valueField.getJavaType() != FieldDescriptor.JavaType.MESSAGE
              ? valueField.getDefaultValue()
              : readValue(valueField, valueNode, entryPath, entry, quantity);
      if (item != null) {
        entry.setField(keyField, key);
        entry.setField(valueField, item);
        builder.addRepeatedField(field, entry.build());
      }
    }
  }

  /**
   * Converts one YAML value to the Java value protobuf reflection expects for the field, or records
   * an error and returns null.
   */
  private java.lang.Object readValue(
      FieldDescriptor field, Node node, String path, Message.Builder parent, boolean quantity) {
    switch (field.getJavaType()) {
      case MESSAGE:
        return readMessage(field.getMessageType(), node, path, parent.newBuilderForField(field));
      case STRING:
        return readString(node, path, quantity);
      case INT:
        return readInteger(node, path, Integer.MIN_VALUE, Integer.MAX_VALUE, false, "a 32-bit")
            .map(BigInteger::intValue)
            .orElse(null);
      case LONG:
        return readInteger(node, path, Long.MIN_VALUE, Long.MAX_VALUE, true, "a 64-bit")
            .map(BigInteger::longValue)
            .orElse(null);
      case BOOLEAN:
        return readBoolean(node, path);
      case FLOAT:
        Double single = readDouble(node, path);
        return single == null ? null : (java.lang.Object) single.floatValue();
      case DOUBLE:
        return readDouble(node, path);
      case BYTE_STRING:
        return readBytes(node, path);
      case ENUM:
        return readEnum(field, node, path);
      default:
        throw new IllegalStateException("unhandled field type " + field.getJavaType());
    }
  }

  private Message readMessage(Descriptor type, Node node, String path, Message.Builder fresh) {
    if (type.equals(Timestamp.getDescriptor())) {
      return readTimestamp(node, path);
    }
    if (type.equals(IntOrString.getDescriptor())) {
      return readIntOrString(node, path);
    }
    if (!(node instanceof MappingNode mapping)) {
      typeError(node, path, "a mapping");
      return null;
    }
    if (type.equals(OwnerReference.getDescriptor())) {
      readFields(mapping, fresh, path, Set.of(API_VERSION));
      checkOwnerApiVersion(mapping, fresh, path);
      return fresh.build();
    }
    readFields(mapping, fresh, path, Set.of());
    return fresh.build();
  }

  /**
   * Kubernetes owner references name their owner by apiVersion and kind; Drover's by kind alone,
   * since each kind has one apiVersion. So a reference copied from kubectl's output is accepted
   * when its apiVersion is the one serving its kind, and refused, naming the field, otherwise.
   */
  private void checkOwnerApiVersion(MappingNode mapping, Message.Builder owner, String path) {
    for (NodeTuple tuple : mapping.getValue()) {
      if (!API_VERSION.equals(keyText(tuple.getKeyNode(), path))) {
        continue;
      }
      String fieldPath = Paths.field(path, API_VERSION);
      Node value = tuple.getValueNode();
      String apiVersion = scalarOfTag(value, Tag.STR);
      if (apiVersion == null) {
        typeError(value, fieldPath, "a string");
        return;
      }
      FieldDescriptor kindField =
          owner.getDescriptorForType().findFieldByNumber(OwnerReference.KIND_FIELD_NUMBER);
      Kind kind = Kind.valueOf((EnumValueDescriptor) owner.getField(kindField));
      if (!Kinds.all().contains(kind)) {
        return;
      }
      Kinds.Info info = Kinds.info(kind);
      if (!info.apiVersion().equals(apiVersion)) {
        error(
            value,
            fieldPath,
            info.kindName()
                + " is served by apiVersion "
                + quote(info.apiVersion())
                + ", not "
                + quote(apiVersion));
      }
      return;
    }
  }

  private Timestamp readTimestamp(Node node, String path) {
    String text = scalarOfTag(node, Tag.STR);
    if (text == null) {
      typeError(node, path, "an RFC 3339 timestamp such as \"2024-05-01T12:00:00Z\"");
      return null;
    }
    try {
      Instant instant =
          OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
      return Timestamp.newBuilder()
          .setSeconds(instant.getEpochSecond())
          .setNanos(instant.getNano())
          .build();
    } catch (DateTimeParseException e) {
      error(
          node,
          path,
          "invalid timestamp "
              + quote(text)
              + ": expected RFC 3339, such as \"2024-05-01T12:00:00Z\"");
      return null;
    }
  }

  private IntOrString readIntOrString(Node node, String path) {
    if (node instanceof ScalarNode scalar && scalar.getTag().equals(Tag.INT)) {
      return readInteger(node, path, Integer.MIN_VALUE, Integer.MAX_VALUE, false, "a 32-bit")
          .map(value -> IntOrString.newBuilder().setIntValue(value.intValue()).build())
          .orElse(null);
    }
    String text = scalarOfTag(node, Tag.STR);
    if (text == null) {
      typeError(node, path, "a number or a string");
      return null;
    }
    return IntOrString.newBuilder().setStringValue(text).build();
  }

  private String readString(Node node, String path, boolean quantity) {
    if (node instanceof ScalarNode scalar) {
      Tag tag = scalar.getTag();
      if (tag.equals(Tag.STR) || (quantity && (tag.equals(Tag.INT) || tag.equals(Tag.FLOAT)))) {
        // A quantity keeps the text as written ("0.5", "1e3"). Its syntax is checked here too,
        // so that a typo gets file and line (the server checks it again, with its other rules).
        if (quantity && !scalar.getValue().isEmpty()) {
          try {
            Quantity.parseWithinLimits(scalar.getValue());
          } catch (Quantity.QuantityFormatException e) {
            error(node, path, "invalid quantity " + quote(scalar.getValue()) + ": " + e.reason());
            return null;
          }
        }
        return scalar.getValue();
      }
    }
    typeError(node, path, quantity ? "a quantity such as \"500m\" or \"1Gi\"" : "a string");
    return null;
  }

  private Optional<BigInteger> readInteger(
      Node node, String path, long min, long max, boolean allowString, String width) {
    String text = scalarOfTag(node, Tag.INT);
    if (text == null && allowString) {
      // Proto JSON writes 64-bit integers as strings; accept them the same way.
      String quoted = scalarOfTag(node, Tag.STR);
      if (quoted != null && quoted.matches("-?[0-9]+")) {
        text = quoted;
      }
    }
    if (text == null) {
      typeError(node, path, "an integer");
      return Optional.empty();
    }
    BigInteger value = parseYamlInteger(text);
    if (value.compareTo(BigInteger.valueOf(min)) < 0
        || value.compareTo(BigInteger.valueOf(max)) > 0) {
      error(node, path, text + " is out of range for " + width + " integer");
      return Optional.empty();
    }
    return Optional.of(value);
  }

  /**
   * Parses the integer forms of the YAML 1.2 core schema (decimal, 0o octal, 0x hex), and reads a
   * leading zero as octal like YAML 1.1 does, because Kubernetes parses manifests as YAML 1.1 and
   * its users write file modes as {@code defaultMode: 0644}.
   */
  private static BigInteger parseYamlInteger(String text) {
    boolean negative = text.startsWith("-");
    String digits = text.startsWith("+") || negative ? text.substring(1) : text;
    BigInteger value;
    if (digits.startsWith("0x")) {
      value = new BigInteger(digits.substring(2), 16);
    } else if (digits.startsWith("0o")) {
      value = new BigInteger(digits.substring(2), 8);
    } else if (digits.length() > 1 && digits.startsWith("0") && digits.matches("[0-7]+")) {
      value = new BigInteger(digits.substring(1), 8);
    } else {
      value = new BigInteger(digits);
    }
    return negative ? value.negate() : value;
  }

  private Boolean readBoolean(Node node, String path) {
    String text = scalarOfTag(node, Tag.BOOL);
    if (text == null && node instanceof ScalarNode scalar && scalar.isPlain()) {
      // YAML 1.1 booleans, which Kubernetes accepts ("readOnly: yes").
      String word = scalar.getValue().toLowerCase(Locale.ROOT);
      if (YAML11_TRUE.contains(word)) {
        return true;
      }
      if (YAML11_FALSE.contains(word)) {
        return false;
      }
    }
    if (text == null) {
      typeError(node, path, "a boolean (true or false)");
      return null;
    }
    return Boolean.parseBoolean(text.toLowerCase(Locale.ROOT));
  }

  private Double readDouble(Node node, String path) {
    String text = scalarOfTag(node, Tag.FLOAT);
    if (text == null) {
      text = scalarOfTag(node, Tag.INT);
      if (text != null) {
        return parseYamlInteger(text).doubleValue();
      }
      typeError(node, path, "a number");
      return null;
    }
    String lower = text.toLowerCase(Locale.ROOT);
    if (lower.endsWith(".inf")) {
      return lower.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
    }
    if (lower.equals(".nan")) {
      return Double.NaN;
    }
    return Double.parseDouble(text);
  }

  private ByteString readBytes(Node node, String path) {
    String text = scalarOfTag(node, Tag.STR);
    if (text == null) {
      text = scalarOfTag(node, Tag.BINARY); // "!!binary" is base64 as well
    }
    if (text == null) {
      typeError(node, path, "a base64 string");
      return null;
    }
    try {
      // Kubernetes tolerates line breaks inside base64 (long values wrapped in YAML).
      return ByteString.copyFrom(Base64.getDecoder().decode(text.replaceAll("[\\r\\n ]", "")));
    } catch (IllegalArgumentException e) {
      error(
          node,
          path,
          "invalid base64 data: " + e.getMessage() + " (use stringData for plain text)");
      return null;
    }
  }

  private EnumValueDescriptor readEnum(FieldDescriptor field, Node node, String path) {
    // Any scalar: "True" of a condition status resolves to a YAML boolean, "1" to an integer.
    if (!(node instanceof ScalarNode scalar) || scalar.getTag().equals(Tag.NULL)) {
      typeError(
          node, path, "one of " + String.join(", ", KubeEnums.spellings(field.getEnumType())));
      return null;
    }
    EnumValueDescriptor value = KubeEnums.value(field.getEnumType(), scalar.getValue());
    if (value == null) {
      error(
          node,
          path,
          "invalid value "
              + quote(scalar.getValue())
              + ": expected one of "
              + String.join(", ", KubeEnums.spellings(field.getEnumType())));
    }
    return value;
  }

  // ---------------------------------------------------------------------------------------
  // Helpers
  // ---------------------------------------------------------------------------------------

  /** The text of a key; records an error and returns null when the key is not a scalar. */
  private String keyText(Node keyNode, String path) {
    if (keyNode instanceof ScalarNode scalar && !scalar.getTag().equals(Tag.NULL)) {
      return scalar.getValue();
    }
    error(keyNode, path, "keys must be strings, got " + describe(keyNode));
    return null;
  }

  private void unknownField(Node keyNode, String path, String key, Descriptor type) {
    String message = "unknown field " + quote(key);
    String suggestion = Suggestions.closest(key, KubeSchema.keys(type));
    if (suggestion != null) {
      message += " (did you mean \"" + suggestion + "\"?)";
    }
    if (ignoreUnknown) {
      warnings.add(problem(keyNode, path, message + "; dropped"));
    } else {
      error(keyNode, path, message);
    }
  }

  private static String oneofKeyList(OneofDescriptor oneof) {
    List<String> keys = new ArrayList<>();
    for (FieldDescriptor member : oneof.getFields()) {
      keys.add(KubeSchema.key(member));
    }
    return String.join(", ", keys);
  }

  /** Quotes user text for a one-line message. */
  static String quote(String text) {
    return "\""
        + text.replace("\\", "\\\\")
            .replace("\"", "\\\"")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
            .replace("\t", "\\t")
        + "\"";
  }

  /** The value of a scalar with the given resolved tag, or null for any other node. */
  private static String scalarOfTag(Node node, Tag tag) {
    if (node instanceof ScalarNode scalar && scalar.getTag().equals(tag)) {
      return scalar.getValue();
    }
    return null;
  }

  static boolean isNull(Node node) {
    return node instanceof ScalarNode scalar && scalar.getTag().equals(Tag.NULL);
  }

  /** Names the YAML type of a node for error messages. */
  static String describe(Node node) {
    if (node instanceof MappingNode) {
      return "a mapping";
    }
    if (node instanceof SequenceNode) {
      return "a list";
    }
    Tag tag = node.getTag();
    if (tag.equals(Tag.STR)) {
      return "a string";
    }
    if (tag.equals(Tag.INT) || tag.equals(Tag.FLOAT)) {
      return "a number";
    }
    if (tag.equals(Tag.BOOL)) {
      return "a boolean";
    }
    if (tag.equals(Tag.NULL)) {
      return "null";
    }
    return "a value tagged " + tag.getValue();
  }

  private void typeError(Node node, String path, String expected) {
    error(node, path, "expected " + expected + ", got " + describe(node));
  }

  /** The name of the file being read, as used in messages. */
  String file() {
    return file;
  }

  /** True if an error was already recorded for exactly this path. */
  boolean hasError(String path) {
    return errors.stream().anyMatch(error -> error.path().equals(path));
  }

  void warn(Node node, String path, String message) {
    warnings.add(problem(node, path, message));
  }

  void error(Node node, String path, String message) {
    errors.add(problem(node, path, message));
  }

  ManifestProblem problem(Node node, String path, String message) {
    return new ManifestProblem(file, line(node), path, message);
  }

  /** 1-based line at which a node starts. */
  static int line(Node node) {
    return node.getStartMark().map(mark -> mark.getLine() + 1).orElse(0);
  }
}
