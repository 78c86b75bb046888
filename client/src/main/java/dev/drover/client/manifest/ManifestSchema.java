package dev.drover.client.manifest;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Timestamp;
import dev.drover.api.v1.IntOrString;
import java.util.List;

/**
 * The manifest's view of the drover.v1 schema for tools that describe it ({@code drover explain}):
 * the key a field has in YAML, the field a key names, and the Kubernetes name of a field's type
 * ({@code <integer>}, {@code <[]Container>}, {@code <map[string]Quantity>}), all as the parser and
 * writer spell them.
 */
public final class ManifestSchema {
  private ManifestSchema() {}

  /** The camelCase key of a field in a manifest ({@code creationTimestamp}, {@code podIP}). */
  public static String key(FieldDescriptor field) {
    return KubeSchema.key(field);
  }

  /** Every key of a message, in field order. */
  public static List<String> keys(Descriptor message) {
    return KubeSchema.keys(message);
  }

  /** The field a manifest key names (or its proto JSON name), or null. */
  public static FieldDescriptor field(Descriptor message, String key) {
    return KubeSchema.field(message, key);
  }

  /**
   * The message a field's manifest value is made of (a map's value message), or null when the value
   * is a scalar as written (a string, a number, a timestamp, an int-or-string).
   */
  public static Descriptor nested(FieldDescriptor field) {
    FieldDescriptor value = field.isMapField() ? mapValue(field) : field;
    if (value.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
      return null;
    }
    Descriptor type = value.getMessageType();
    return isScalarMessage(type) ? null : type;
  }

  /** The Kubernetes name of a field's type, as {@code kubectl explain} shows it. */
  public static String typeName(FieldDescriptor field) {
    if (field.isMapField()) {
      return "map[string]" + valueType(mapValue(field), KubeSchema.isQuantity(field));
    }
    String one = valueType(field, KubeSchema.isQuantity(field));
    return field.isRepeated() ? "[]" + one : one;
  }

  private static FieldDescriptor mapValue(FieldDescriptor map) {
    return map.getMessageType().findFieldByName("value");
  }

  private static boolean isScalarMessage(Descriptor type) {
    return type.equals(Timestamp.getDescriptor()) || type.equals(IntOrString.getDescriptor());
  }

  private static String valueType(FieldDescriptor field, boolean quantity) {
    if (quantity) {
      return "Quantity";
    }
    if (KubeSchema.isStringInteger(field)) {
      return "string";
    }
    return switch (field.getJavaType()) {
      case INT, LONG -> "integer";
      case FLOAT, DOUBLE -> "number";
      case BOOLEAN -> "boolean";
      case STRING, BYTE_STRING, ENUM -> "string";
      case MESSAGE -> {
        Descriptor type = field.getMessageType();
        if (type.equals(Timestamp.getDescriptor())) {
          yield "string";
        }
        yield type.equals(IntOrString.getDescriptor()) ? "IntOrString" : type.getName();
      }
    };
  }
}
