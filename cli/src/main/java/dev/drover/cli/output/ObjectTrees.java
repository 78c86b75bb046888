package dev.drover.cli.output;

import dev.drover.api.ApiObjects;
import dev.drover.api.v1.Object;
import dev.drover.client.manifest.ManifestWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The templated outputs of {@code drover get} ({@code jsonpath}, {@code custom-columns}, {@code
 * --sort-by}, {@code --show-labels}, {@code -L}), all over the same trees {@code -o json} prints
 * ({@link ManifestWriter#toTree}).
 */
public final class ObjectTrees {

  private ObjectTrees() {}

  /** The tree a jsonpath sees: the object itself, or a {@code List} like {@code -o json}'s. */
  public static Map<String, java.lang.Object> tree(List<Object> objects, boolean single) {
    if (single) {
      return ManifestWriter.toTree(objects.get(0));
    }
    Map<String, java.lang.Object> list = new LinkedHashMap<>();
    list.put("apiVersion", "v1");
    list.put("items", trees(objects));
    list.put("kind", "List");
    return list;
  }

  /** Each object's tree. */
  public static List<Map<String, java.lang.Object>> trees(List<Object> objects) {
    List<Map<String, java.lang.Object>> trees = new ArrayList<>();
    objects.forEach(o -> trees.add(ManifestWriter.toTree(o)));
    return trees;
  }

  /**
   * The objects sorted by the value a relaxed JSONPath selects: numbers by value, everything else
   * by text, objects without the field first; stable, like kubectl's {@code --sort-by}.
   */
  public static List<Object> sortBy(List<Object> objects, String expression) {
    JsonPath path = JsonPath.relaxed(expression);
    List<Map.Entry<java.lang.Object, Object>> keyed = new ArrayList<>();
    for (Object object : objects) {
      List<java.lang.Object> values = path.values(ManifestWriter.toTree(object));
      keyed.add(Map.entry(values.isEmpty() ? "" : values.get(0), object));
    }
    keyed.sort(Comparator.comparing(Map.Entry::getKey, ObjectTrees::compare));
    List<Object> sorted = new ArrayList<>();
    keyed.forEach(e -> sorted.add(e.getValue()));
    return sorted;
  }

  private static int compare(java.lang.Object a, java.lang.Object b) {
    if (a instanceof Number x && b instanceof Number y) {
      return Double.compare(x.doubleValue(), y.doubleValue());
    }
    if (a instanceof String x && x.isEmpty() && !(b instanceof String)) {
      return -1;
    }
    if (b instanceof String y && y.isEmpty() && !(a instanceof String)) {
      return 1;
    }
    return JsonPath.text(a).compareTo(JsonPath.text(b));
  }

  /**
   * Adds {@code -L} columns (one per label key, upper-cased, empty when unset) and, with {@code
   * --show-labels}, a LABELS column ({@code k=v,...} or {@code <none>}) to a table of the objects.
   */
  public static Table withLabels(
      Table table, List<Object> objects, List<String> labelKeys, boolean showLabels) {
    if (labelKeys.isEmpty() && !showLabels) {
      return table;
    }
    List<String> headers = new ArrayList<>();
    // kubectl heads a label column with the key's last path segment, upper-cased.
    labelKeys.forEach(
        k -> headers.add(k.substring(k.lastIndexOf('/') + 1).toUpperCase(Locale.ROOT)));
    if (showLabels) {
      headers.add("LABELS");
    }
    List<List<String>> cells = new ArrayList<>();
    for (Object object : objects) {
      Map<String, String> labels = new TreeMap<>(ApiObjects.meta(object).getLabelsMap());
      List<String> row = new ArrayList<>();
      labelKeys.forEach(k -> row.add(labels.getOrDefault(k, "")));
      if (showLabels) {
        List<String> pairs = new ArrayList<>();
        labels.forEach((k, v) -> pairs.add(k + "=" + v));
        row.add(pairs.isEmpty() ? null : String.join(",", pairs));
      }
      cells.add(row);
    }
    return table.withColumns(headers, cells);
  }
}
