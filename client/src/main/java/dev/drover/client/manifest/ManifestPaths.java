package dev.drover.client.manifest;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Spells a field path the way a manifest does: a path built from proto field names ({@code
 * spec.containers[0].env[0].value_from}) becomes the manifest's camelCase one ({@code
 * spec.containers[0].env[0].valueFrom}). The master renders every violation through it, so the
 * server names a field exactly as the CLI's own checks and the user's YAML do.
 *
 * <p>The path is walked against the schema of every kind at once (a violation does not say which
 * kind it is about): a segment that names a field is respelled, anything else (an {@code
 * objects[2]} prefix, a list index) is kept, and everything after a map field is a map key, kept as
 * written.
 */
public final class ManifestPaths {
  private static final List<Descriptor> KIND_MESSAGES = kindMessages();
  private static final Pattern BRACKETED_SIMPLE_KEY =
      Pattern.compile("\\[([A-Za-z0-9_-]+)\\](.*)", Pattern.DOTALL);

  private ManifestPaths() {}

  private static List<Descriptor> kindMessages() {
    List<Descriptor> out = new ArrayList<>();
    for (FieldDescriptor kindField : KubeSchema.KIND_ONEOF.getFields()) {
      out.add(kindField.getMessageType());
    }
    return out;
  }

  /** The manifest spelling of a field path made of proto field names (or already camelCase). */
  public static String manifestSpelling(String path) {
    StringBuilder out = new StringBuilder(path.length());
    Set<Descriptor> candidates = new LinkedHashSet<>(KIND_MESSAGES);
    int i = 0;
    while (i < path.length()) {
      int end = i;
      while (end < path.length() && path.charAt(end) != '.' && path.charAt(end) != '[') {
        end++;
      }
      String name = path.substring(i, end);
      Set<Descriptor> next = new LinkedHashSet<>();
      FieldDescriptor match = null;
      boolean map = false;
      for (Descriptor message : candidates) {
        FieldDescriptor field = byName(message, name);
        if (field == null) {
          continue;
        }
        match = match == null ? field : match;
        map |= field.isMapField();
        if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
          next.add(field.getMessageType());
        }
      }
      if (match == null) {
        out.append(name);
      } else {
        out.append(KubeSchema.key(match));
        candidates = next;
        if (map) {
          // The rest names a key of the map, which may hold dots and underscores of its own; a
          // simple key is written after a dot, as the CLI's own checks write it.
          String rest = path.substring(end);
          Matcher simple = BRACKETED_SIMPLE_KEY.matcher(rest);
          return out.append(simple.matches() ? "." + simple.group(1) + simple.group(2) : rest)
              .toString();
        }
      }
      i = end;
      while (i < path.length() && path.charAt(i) == '[') {
        int close = path.indexOf(']', i);
        int stop = close < 0 ? path.length() : close + 1;
        out.append(path, i, stop);
        i = stop;
      }
      if (i < path.length() && path.charAt(i) == '.') {
        out.append('.');
        i++;
      } else if (i < path.length()) {
        // Not a path this walker understands: keep the rest untouched.
        return out.append(path, i, path.length()).toString();
      }
    }
    return out.toString();
  }

  private static FieldDescriptor byName(Descriptor message, String name) {
    FieldDescriptor field = message.findFieldByName(name);
    return field != null ? field : KubeSchema.field(message, name);
  }
}
