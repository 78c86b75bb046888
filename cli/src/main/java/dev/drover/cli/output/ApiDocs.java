package dev.drover.cli.output;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.DescriptorProtos.SourceCodeInfo.Location;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import dev.drover.client.manifest.ManifestSchema;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The drover.v1 API's own comments, read from the descriptor set with source info that the proto
 * module's build keeps ({@value #RESOURCE}): the leading comment of every message, field, enum and
 * enum value. Comments name fields as the .proto does ({@code resource_version}); the text given
 * out names them as manifests do ({@code resourceVersion}).
 */
public final class ApiDocs {

  /** Where the proto module's build puts the descriptor set. */
  static final String RESOURCE = "/dev/drover/api/v1/drover-api.protoset";

  private static final Pattern UNDERSCORED = Pattern.compile("_([a-z0-9])");
  private static final Pattern SNAKE = Pattern.compile("\\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\\b");

  private final Map<String, String> comments;
  private final Map<String, String> keys;

  private ApiDocs(Map<String, String> comments, Map<String, String> keys) {
    this.comments = comments;
    this.keys = keys;
  }

  /** The comments of this build; fails when the build left the descriptor set out. */
  public static ApiDocs load() {
    try (InputStream in = ApiDocs.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(
            "this build has no API documentation (" + RESOURCE + " is missing)");
      }
      return read(FileDescriptorSet.parseFrom(in));
    } catch (IOException e) {
      throw new UncheckedIOException("reading the API documentation: " + e.getMessage(), e);
    }
  }

  static ApiDocs read(FileDescriptorSet set) {
    Map<String, String> comments = new HashMap<>();
    for (FileDescriptorProto file : set.getFileList()) {
      for (Location location : file.getSourceCodeInfo().getLocationList()) {
        if (!location.getLeadingComments().isBlank()) {
          String name = nameAt(file, location.getPathList());
          if (name != null) {
            comments.put(name, paragraph(location.getLeadingComments()));
          }
        }
      }
    }
    return new ApiDocs(comments, manifestKeys());
  }

  /** The comment of a message ("" when it has none). */
  public String of(Descriptor message) {
    return text(message.getFullName());
  }

  /** The comment of a field. */
  public String of(FieldDescriptor field) {
    return text(field.getContainingType().getFullName() + "." + field.getName());
  }

  /** The comment of an enum value. */
  public String of(EnumValueDescriptor value) {
    return text(value.getType().getFullName() + "." + value.getName());
  }

  private String text(String name) {
    String comment = comments.getOrDefault(name, "");
    Matcher m = SNAKE.matcher(comment);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(
          out, Matcher.quoteReplacement(keys.getOrDefault(m.group(), camel(m.group()))));
    }
    return m.appendTail(out).toString();
  }

  /**
   * The full name of what a source location's path points at: {@code [4, i]} is message i, {@code
   * [4, i, 2, k]} its field k, {@code [4, i, 3, j]} its nested message j, {@code [5, i]} enum i,
   * {@code [.., 2, k]} under an enum its value k; null for anything else.
   */
  private static String nameAt(FileDescriptorProto file, List<Integer> path) {
    if (path.size() < 2) {
      return null;
    }
    String scope = file.getPackage();
    if (path.get(0) == FileDescriptorProto.ENUM_TYPE_FIELD_NUMBER) {
      return enumName(scope, file.getEnumType(path.get(1)), path.subList(2, path.size()));
    }
    if (path.get(0) != FileDescriptorProto.MESSAGE_TYPE_FIELD_NUMBER) {
      return null;
    }
    DescriptorProto message = file.getMessageType(path.get(1));
    scope = scope + "." + message.getName();
    int i = 2;
    while (i + 1 < path.size()) {
      int kind = path.get(i);
      int index = path.get(i + 1);
      if (kind == DescriptorProto.NESTED_TYPE_FIELD_NUMBER) {
        message = message.getNestedType(index);
        scope = scope + "." + message.getName();
      } else if (kind == DescriptorProto.FIELD_FIELD_NUMBER && i + 2 == path.size()) {
        return scope + "." + message.getField(index).getName();
      } else if (kind == DescriptorProto.ENUM_TYPE_FIELD_NUMBER) {
        return enumName(scope, message.getEnumType(index), path.subList(i + 2, path.size()));
      } else {
        return null;
      }
      i += 2;
    }
    return i == path.size() ? scope : null;
  }

  private static String enumName(String scope, EnumDescriptorProto type, List<Integer> rest) {
    String name = scope + "." + type.getName();
    if (rest.isEmpty()) {
      return name;
    }
    if (rest.size() == 2 && rest.get(0) == EnumDescriptorProto.VALUE_FIELD_NUMBER) {
      return name + "." + type.getValue(rest.get(1)).getName();
    }
    return null;
  }

  // A comment's lines as one paragraph; the layout is the reader's to choose.
  private static String paragraph(String comment) {
    StringBuilder out = new StringBuilder();
    for (String line : comment.strip().split("\n")) {
      String text = line.strip();
      if (!text.isEmpty()) {
        out.append(out.length() == 0 ? "" : " ").append(text);
      }
    }
    return out.toString();
  }

  /**
   * The manifest key of every proto field name of drover.v1 that has one spelling across the API
   * (most are the plain camelCase; a few are not, such as {@code creation_time}).
   */
  private static Map<String, String> manifestKeys() {
    Map<String, String> keys = new HashMap<>();
    Set<String> ambiguous = new HashSet<>();
    Set<FileDescriptor> seen = new HashSet<>();
    collect(dev.drover.api.v1.Object.getDescriptor().getFile(), seen, keys, ambiguous);
    ambiguous.forEach(keys::remove);
    return keys;
  }

  private static void collect(
      FileDescriptor file, Set<FileDescriptor> seen, Map<String, String> keys, Set<String> clash) {
    if (!seen.add(file) || !file.getPackage().equals("drover.v1")) {
      return;
    }
    for (FileDescriptor dependency : file.getDependencies()) {
      collect(dependency, seen, keys, clash);
    }
    for (Descriptor message : file.getMessageTypes()) {
      collect(message, keys, clash);
    }
  }

  private static void collect(Descriptor message, Map<String, String> keys, Set<String> clash) {
    for (FieldDescriptor field : message.getFields()) {
      String key = ManifestSchema.key(field);
      String before = keys.putIfAbsent(field.getName(), key);
      if (before != null && !before.equals(key)) {
        clash.add(field.getName());
      }
    }
    for (Descriptor nested : message.getNestedTypes()) {
      collect(nested, keys, clash);
    }
  }

  private static String camel(String snake) {
    return UNDERSCORED.matcher(snake).replaceAll(m -> m.group(1).toUpperCase(Locale.ROOT));
  }
}
