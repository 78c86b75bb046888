package dev.drover.client.manifest;

import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.scanner.StreamReader;

/**
 * Writes a tree of maps, lists, strings, numbers and booleans as JSON indented by four spaces (the
 * layout of {@code kubectl get -o json}). The tree comes from {@link ManifestWriter}, so no other
 * value types occur.
 */
final class JsonText {

  private static final String INDENT = "    ";

  private JsonText() {}

  static String write(java.lang.Object tree) {
    StringBuilder out = new StringBuilder();
    value(tree, "", out);
    return out.append('\n').toString();
  }

  private static void value(java.lang.Object value, String indent, StringBuilder out) {
    if (value instanceof Map<?, ?> map) {
      if (map.isEmpty()) {
        out.append("{}");
        return;
      }
      out.append("{\n");
      String inner = indent + INDENT;
      boolean first = true;
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        if (!first) {
          out.append(",\n");
        }
        first = false;
        out.append(inner);
        string(String.valueOf(entry.getKey()), out);
        out.append(": ");
        value(entry.getValue(), inner, out);
      }
      out.append('\n').append(indent).append('}');
    } else if (value instanceof List<?> list) {
      if (list.isEmpty()) {
        out.append("[]");
        return;
      }
      out.append("[\n");
      String inner = indent + INDENT;
      for (int i = 0; i < list.size(); i++) {
        if (i > 0) {
          out.append(",\n");
        }
        out.append(inner);
        value(list.get(i), inner, out);
      }
      out.append('\n').append(indent).append(']');
    } else if (value instanceof String text) {
      string(text, out);
    } else if (value instanceof Float || value instanceof Double) {
      double number = ((Number) value).doubleValue();
      // JSON has no NaN or infinities; write them as strings rather than invalid JSON.
      if (Double.isFinite(number)) {
        out.append(value);
      } else {
        string(String.valueOf(value), out);
      }
    } else {
      out.append(value); // integers and booleans
    }
  }

  private static void string(String text, StringBuilder out) {
    out.append('"');
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          // Escape what YAML does not allow raw, so that the output is YAML as well as JSON
          // (supplementary characters arrive as surrogate pairs, which are printable).
          if (Character.isSurrogate(c) || StreamReader.isPrintable(c)) {
            out.append(c);
          } else {
            out.append(String.format("\\u%04x", (int) c));
          }
        }
      }
    }
    out.append('"');
  }
}
