package dev.drover.client.manifest;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import dev.drover.api.Kinds;
import dev.drover.api.KubeEnums;
import dev.drover.api.v1.IntOrString;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.OwnerReference;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.common.FlowStyle;
import org.snakeyaml.engine.v2.common.NonPrintableStyle;

/**
 * Renders {@link Object}s as Kubernetes-shaped YAML ({@code drover get -o yaml}) and JSON ({@code
 * -o json}), the reverse of {@link ManifestParser}: apiVersion and kind first, keys in Kubernetes
 * camelCase, enums in Kubernetes spelling, bytes base64, timestamps RFC 3339, {@code
 * resourceVersion} a string. Fields at their default value, empty lists and empty maps are left
 * out; fields with explicit presence ({@code optional} scalars, set messages such as {@code
 * emptyDir: {}}) are written whenever set, so {@code parse(write(object))} gives the object back.
 */
public final class ManifestWriter {

  private static final DumpSettings YAML_SETTINGS =
      DumpSettings.builder()
          .setDefaultFlowStyle(FlowStyle.BLOCK)
          .setIndent(2)
          .setIndicatorIndent(0)
          .setWidth(Integer.MAX_VALUE)
          // Control characters become escapes in a double-quoted string, not !!binary.
          .setNonPrintableStyle(NonPrintableStyle.ESCAPE)
          .build();

  private ManifestWriter() {}

  /** One object as a YAML document (without a leading {@code ---}). */
  public static String toYaml(Object object) {
    // A Dump (its representer) keeps state while dumping, so each call gets its own.
    return new Dump(YAML_SETTINGS, new KubeYamlRepresenter(YAML_SETTINGS))
        .dumpToString(toTree(object));
  }

  /** Several objects as a multi-document YAML stream separated by {@code ---}. */
  public static String toYaml(List<Object> objects) {
    StringBuilder out = new StringBuilder();
    for (Object object : objects) {
      if (out.length() > 0) {
        out.append("---\n");
      }
      out.append(toYaml(object));
    }
    return out.toString();
  }

  /**
   * Several objects as one YAML document holding a Kubernetes {@code List}, the shape {@code
   * kubectl get -o yaml} prints for more than one object.
   */
  public static String toYamlList(List<Object> objects) {
    return new Dump(YAML_SETTINGS, new KubeYamlRepresenter(YAML_SETTINGS))
        .dumpToString(listTree(objects));
  }

  /** One object as indented JSON. */
  public static String toJson(Object object) {
    return JsonText.write(toTree(object));
  }

  /**
   * Several objects as one JSON document: a Kubernetes {@code List} ({@code apiVersion: v1, kind:
   * List, items: [...]}), which {@link ManifestParser} reads back.
   */
  public static String toJson(List<Object> objects) {
    return JsonText.write(listTree(objects));
  }

  private static Map<String, java.lang.Object> listTree(List<Object> objects) {
    Map<String, java.lang.Object> list = new LinkedHashMap<>();
    list.put("apiVersion", "v1");
    list.put("kind", "List");
    List<java.lang.Object> items = new ArrayList<>();
    for (Object object : objects) {
      items.add(toTree(object));
    }
    list.put("items", items);
    return list;
  }

  /**
   * The object as a tree of maps (insertion ordered), lists, strings, numbers and booleans, exactly
   * as it is rendered, for callers that want to pick fields (e.g. custom columns).
   */
  public static Map<String, java.lang.Object> toTree(Object object) {
    FieldDescriptor kindField = object.getOneofFieldDescriptor(KubeSchema.KIND_ONEOF);
    if (kindField == null) {
      throw new IllegalArgumentException("the Object has no kind set");
    }
    Map<String, java.lang.Object> tree = new LinkedHashMap<>();
    tree.put("apiVersion", KubeSchema.apiVersion(kindField));
    tree.put("kind", KubeSchema.kindName(kindField));
    tree.putAll(message((Message) object.getField(kindField)));
    return tree;
  }

  private static Map<String, java.lang.Object> message(Message message) {
    Map<String, java.lang.Object> out = new LinkedHashMap<>();
    if (message instanceof OwnerReference owner && Kinds.all().contains(owner.getKind())) {
      // Kubernetes' owner references carry the owner's apiVersion; the reader checks it.
      out.put("apiVersion", Kinds.info(owner.getKind()).apiVersion());
    }
    for (FieldDescriptor field : message.getDescriptorForType().getFields()) {
      java.lang.Object value = field(message, field);
      if (value != null) {
        out.put(KubeSchema.key(field), value);
      }
    }
    return out;
  }

  /** The rendered value of a field, or null when the field is left out. */
  private static java.lang.Object field(Message message, FieldDescriptor field) {
    if (field.isMapField()) {
      List<?> entries = (List<?>) message.getField(field);
      if (entries.isEmpty()) {
        return null;
      }
      FieldDescriptor keyField = field.getMessageType().findFieldByName("key");
      FieldDescriptor valueField = field.getMessageType().findFieldByName("value");
      // Sorted, because protobuf maps have no order and output should be stable.
      Map<String, java.lang.Object> map = new TreeMap<>();
      for (java.lang.Object entry : entries) {
        Message pair = (Message) entry;
        map.put(String.valueOf(pair.getField(keyField)), value(pair.getField(valueField)));
      }
      return map;
    }
    if (field.isRepeated()) {
      List<?> items = (List<?>) message.getField(field);
      if (items.isEmpty()) {
        return null;
      }
      List<java.lang.Object> out = new ArrayList<>();
      for (java.lang.Object item : items) {
        out.add(value(item));
      }
      return out;
    }
    if (field.hasPresence()) {
      if (!message.hasField(field)) {
        return null;
      }
    } else if (message.getField(field).equals(field.getDefaultValue())) {
      return null;
    }
    java.lang.Object value = message.getField(field);
    if (KubeSchema.isStringInteger(field)) {
      return String.valueOf(value);
    }
    if (value instanceof EnumValueDescriptor enumValue && enumValue.getNumber() == 0) {
      return null; // "unspecified" has no Kubernetes spelling; leaving it out means the same
    }
    return value(value);
  }

  private static java.lang.Object value(java.lang.Object value) {
    if (value instanceof Timestamp timestamp) {
      return Instant.ofEpochSecond(timestamp.getSeconds(), timestamp.getNanos()).toString();
    }
    if (value instanceof IntOrString intOrString) {
      return intOrString.hasIntValue()
          ? (java.lang.Object) intOrString.getIntValue()
          : intOrString.getStringValue();
    }
    if (value instanceof Message nested) {
      return message(nested);
    }
    if (value instanceof EnumValueDescriptor enumValue) {
      // A value this build does not know (from a newer server) has no spelling; show its number.
      boolean known = enumValue.getType().findValueByNumber(enumValue.getNumber()) == enumValue;
      return !known || enumValue.getNumber() == 0
          ? (java.lang.Object) enumValue.getNumber()
          : KubeEnums.name(enumValue);
    }
    if (value instanceof ByteString bytes) {
      return Base64.getEncoder().encodeToString(bytes.toByteArray());
    }
    return value;
  }
}
