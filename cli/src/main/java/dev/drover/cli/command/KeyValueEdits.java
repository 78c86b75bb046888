package dev.drover.cli.command;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/**
 * The {@code KEY=VALUE} and {@code KEY-} arguments of label and annotate, and what they do to one
 * object's labels or annotations (a map under metadata in the object's tree).
 */
final class KeyValueEdits {

  final Map<String, String> set = new LinkedHashMap<>();
  final List<String> remove = new ArrayList<>();

  /** True for a word that is an edit rather than a kind or a name. */
  static boolean isEdit(String word) {
    return word.contains("=") || (word.endsWith("-") && word.length() > 1);
  }

  /** Parses the edit words; {@code what} ("label", "annotation") names them in errors. */
  static KeyValueEdits parse(CommandLine commandLine, List<String> words, String what) {
    KeyValueEdits edits = new KeyValueEdits();
    for (String word : words) {
      int eq = word.indexOf('=');
      String key = eq >= 0 ? word.substring(0, eq) : word.substring(0, word.length() - 1);
      if (key.isEmpty()) {
        throw new ParameterException(commandLine, "invalid " + what + " \"" + word + "\": no key");
      }
      if (edits.set.containsKey(key) || edits.remove.contains(key)) {
        throw new ParameterException(
            commandLine, "the " + what + " \"" + key + "\" is given more than once");
      }
      if (eq >= 0) {
        edits.set.put(key, word.substring(eq + 1));
      } else {
        edits.remove.add(key);
      }
    }
    if (edits.set.isEmpty() && edits.remove.isEmpty()) {
      throw new ParameterException(
          commandLine, "at least one " + what + " update is required (KEY=VALUE or KEY-)");
    }
    return edits;
  }

  /** The keys that already have another value: "'app' already has a value (web)". */
  List<String> overwrites(Map<String, String> current) {
    List<String> found = new ArrayList<>();
    set.forEach(
        (key, value) -> {
          String now = current.get(key);
          if (now != null && !now.equals(value)) {
            found.add("'" + key + "' already has a value (" + now + ")");
          }
        });
    return found;
  }

  /** The map under {@code metadata.<field>} of a tree, read as strings (empty when absent). */
  static Map<String, String> read(Map<String, Object> tree, String field) {
    Map<String, String> out = new TreeMap<>();
    if (tree.get("metadata") instanceof Map<?, ?> meta && meta.get(field) instanceof Map<?, ?> m) {
      m.forEach((k, v) -> out.put(String.valueOf(k), String.valueOf(v)));
    }
    return out;
  }

  /** The tree with the edits made to {@code metadata.<field>}. */
  @SuppressWarnings("unchecked")
  Map<String, Object> applyTo(Map<String, Object> tree, String field) {
    Map<String, String> values = read(tree, field);
    values.putAll(set);
    remove.forEach(values::remove);
    Map<String, Object> meta =
        (Map<String, Object>) tree.computeIfAbsent("metadata", k -> new LinkedHashMap<>());
    if (values.isEmpty()) {
      meta.remove(field);
    } else {
      meta.put(field, new TreeMap<String, Object>(values));
    }
    return tree;
  }
}
