package dev.drover.cli.output;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import dev.drover.api.KubeEnums;
import dev.drover.client.manifest.ManifestSchema;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The text of {@code drover explain}, laid out as {@code kubectl explain} lays it out: GROUP, KIND
 * and VERSION; the FIELD explained and its type; its DESCRIPTION; then its FIELDS, each with its
 * type and description, or with {@code --recursive} every field below as an indented tree of names
 * and types. Field names are the manifest's camelCase keys.
 */
public final class ExplainText {
  private static final int WIDTH = 80;

  private final ApiDocs docs;
  private final StringBuilder out = new StringBuilder();

  private ExplainText(ApiDocs docs) {
    this.docs = docs;
  }

  /**
   * Explains a kind ({@code field} null) or one of its fields.
   *
   * @param group the API group ("" for the core group)
   * @param version the version ("v1")
   * @param kind the kind's name
   * @param kindMessage the kind's message
   * @param path the field's path as typed, after the kind ("spec.replicas"); "" for the kind
   * @param field the field explained, or null for the kind itself
   * @param recursive whether to list every field below as a tree
   */
  public static String render(
      ApiDocs docs,
      String group,
      String version,
      String kind,
      Descriptor kindMessage,
      String path,
      FieldDescriptor field,
      boolean recursive) {
    ExplainText text = new ExplainText(docs);
    text.header(group, version, kind);
    Descriptor fields;
    if (field == null) {
      text.section("DESCRIPTION:", docs.of(kindMessage));
      fields = kindMessage;
    } else {
      text.out
          .append("FIELD: ")
          .append(path.substring(path.lastIndexOf('.') + 1))
          .append(" <")
          .append(ManifestSchema.typeName(field))
          .append(">\n\n");
      text.section("DESCRIPTION:", text.described(field));
      fields = ManifestSchema.nested(field);
    }
    if (fields != null) {
      text.out.append("FIELDS:\n");
      if (field == null) {
        text.synthetic(
            "apiVersion", "APIVersion of the object: " + apiVersion(group, version) + ".");
        text.synthetic("kind", "Kind of the object: " + kind + ".");
      }
      Deque<Descriptor> open = new ArrayDeque<>();
      open.push(fields);
      text.fields(fields, "  ", recursive, open);
    }
    return text.out.toString();
  }

  private static String apiVersion(String group, String version) {
    return group.isEmpty() ? version : group + "/" + version;
  }

  private void header(String group, String version, String kind) {
    if (!group.isEmpty()) {
      out.append(String.format("%-12s%s%n", "GROUP:", group));
    }
    out.append(String.format("%-12s%s%n", "KIND:", kind));
    out.append(String.format("%-12s%s%n%n", "VERSION:", version));
  }

  private void section(String title, String text) {
    out.append(title).append('\n');
    wrap(text.isEmpty() ? "<empty>" : text, "    ");
    out.append('\n');
  }

  /** A field's comment, and for an enum the values a manifest may spell, with theirs. */
  private String described(FieldDescriptor field) {
    StringBuilder text = new StringBuilder(docs.of(field));
    FieldDescriptor value =
        field.isMapField() ? field.getMessageType().findFieldByName("value") : field;
    if (value.getJavaType() == FieldDescriptor.JavaType.ENUM) {
      text.append("\n\nPossible enum values:");
      for (EnumValueDescriptor v : value.getEnumType().getValues()) {
        if (v.getNumber() != 0) {
          String comment = docs.of(v);
          text.append("\n - ")
              .append('"')
              .append(KubeEnums.name(v))
              .append('"')
              .append(comment.isEmpty() ? "" : " " + comment);
        }
      }
    }
    return text.toString();
  }

  private void synthetic(String name, String description) {
    out.append("  ").append(name).append("\t<string>\n");
    wrap(description, "    ");
    out.append('\n');
  }

  private void fields(
      Descriptor message, String indent, boolean recursive, Deque<Descriptor> open) {
    for (FieldDescriptor f : message.getFields()) {
      out.append(indent)
          .append(ManifestSchema.key(f))
          .append("\t<")
          .append(ManifestSchema.typeName(f))
          .append(">\n");
      if (!recursive) {
        wrap(described(f), indent + "  ");
        out.append('\n');
        continue;
      }
      Descriptor nested = ManifestSchema.nested(f);
      // A type already open above would repeat itself forever.
      if (nested != null && !open.contains(nested)) {
        open.push(nested);
        fields(nested, indent + "  ", true, open);
        open.pop();
      }
    }
  }

  /** Text wrapped at {@value #WIDTH} columns under {@code indent}; its own line breaks kept. */
  private void wrap(String text, String indent) {
    for (String paragraph : text.split("\n", -1)) {
      StringBuilder line = new StringBuilder(indent);
      for (String word : paragraph.split(" ")) {
        if (word.isEmpty()) {
          continue;
        }
        if (line.length() > indent.length() && line.length() + 1 + word.length() > WIDTH) {
          out.append(line).append('\n');
          line = new StringBuilder(indent);
        }
        if (line.length() > indent.length()) {
          line.append(' ');
        }
        line.append(word);
      }
      if (line.length() > indent.length()) {
        out.append(line);
      }
      out.append('\n');
    }
  }
}
