package dev.drover.client.manifest;

import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.scanner.StreamReader;

/**
 * Writes a tree of maps, lists, strings, numbers and booleans as JSON, either indented by four
 * spaces (the layout of {@code kubectl get -o json}) or on one line (HTTP bodies and watch
 * streams), and reads JSON text back into such a tree. Trees come from {@link ManifestWriter}, so
 * no other value types occur.
 */
public final class JsonText {

  private static final String INDENT = "    ";

  private JsonText() {}

  /** The tree as indented JSON ending with a newline. */
  public static String write(java.lang.Object tree) {
    StringBuilder out = new StringBuilder();
    value(tree, "", out);
    return out.append('\n').toString();
  }

  /** The tree as JSON on one line, without a trailing newline. */
  public static String writeLine(java.lang.Object tree) {
    StringBuilder out = new StringBuilder();
    value(tree, null, out);
    return out.toString();
  }

  /**
   * Reads JSON (or YAML) text into a tree of maps, lists, strings, numbers and booleans; for bodies
   * that are not API objects (a Scale, an action's options). Throws IllegalArgumentException with
   * the parser's message when the text is malformed.
   */
  public static java.lang.Object parse(String text) {
    try {
      return new Load(LoadSettings.builder().build()).loadFromString(text);
    } catch (YamlEngineException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  // A null indent writes everything on one line.
  private static void value(java.lang.Object value, String indent, StringBuilder out) {
    if (value instanceof Map<?, ?> map) {
      if (map.isEmpty()) {
        out.append("{}");
        return;
      }
      out.append('{');
      String inner = indent == null ? null : indent + INDENT;
      boolean first = true;
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        if (!first) {
          out.append(',');
        }
        first = false;
        newline(inner, out);
        string(String.valueOf(entry.getKey()), out);
        out.append(inner == null ? ":" : ": ");
        value(entry.getValue(), inner, out);
      }
      newline(indent, out);
      out.append('}');
    } else if (value instanceof List<?> list) {
      if (list.isEmpty()) {
        out.append("[]");
        return;
      }
      out.append('[');
      String inner = indent == null ? null : indent + INDENT;
      for (int i = 0; i < list.size(); i++) {
        if (i > 0) {
          out.append(',');
        }
        newline(inner, out);
        value(list.get(i), inner, out);
      }
      newline(indent, out);
      out.append(']');
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

  private static void newline(String indent, StringBuilder out) {
    if (indent != null) {
      out.append('\n').append(indent);
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
