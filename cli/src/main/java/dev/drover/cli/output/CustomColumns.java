package dev.drover.cli.output;

import dev.drover.cli.core.CliException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code -o custom-columns=HEADER:PATH,...}: one row per object, each cell the values a relaxed
 * JSONPath selects (joined by commas, {@code <none>} when nothing matches), laid out as kubectl's
 * tab writer does (cells at least 10 wide, 3 spaces of padding).
 */
public final class CustomColumns {

  private static final int MIN_WIDTH = 10;
  private static final int PADDING = 3;

  private final List<String> headers = new ArrayList<>();
  private final List<JsonPath> paths = new ArrayList<>();

  /** Parses {@code NAME:.metadata.name,RSRC:.metadata.resourceVersion}. */
  public CustomColumns(String spec) {
    if (spec.isBlank()) {
      throw new CliException("custom-columns format specified but no custom columns given");
    }
    for (String column : spec.split(",")) {
      int colon = column.indexOf(':');
      if (colon <= 0) {
        throw new CliException(
            "unexpected custom-columns spec: " + column + ", expected <header>:<json-path-expr>");
      }
      headers.add(column.substring(0, colon));
      paths.add(JsonPath.relaxed(column.substring(colon + 1)));
    }
  }

  /** The rows for these object trees, header first, each line without a newline. */
  public List<String> lines(List<?> trees, boolean withHeader) {
    List<List<String>> rows = new ArrayList<>();
    if (withHeader) {
      rows.add(headers);
    }
    for (java.lang.Object tree : trees) {
      List<String> row = new ArrayList<>();
      for (JsonPath path : paths) {
        List<String> texts = new ArrayList<>();
        path.values(tree).forEach(v -> texts.add(JsonPath.text(v)));
        row.add(texts.isEmpty() ? "<none>" : String.join(",", texts));
      }
      rows.add(row);
    }
    int[] widths = new int[headers.size()];
    for (List<String> row : rows) {
      for (int i = 0; i < row.size(); i++) {
        widths[i] = Math.max(widths[i], Math.max(MIN_WIDTH, row.get(i).length() + PADDING));
      }
    }
    List<String> lines = new ArrayList<>();
    for (List<String> row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.size(); i++) {
        line.append(row.get(i));
        if (i < row.size() - 1) {
          line.append(" ".repeat(widths[i] - row.get(i).length()));
        }
      }
      lines.add(line.toString());
    }
    return lines;
  }

  /** Prints the table. */
  public void print(PrintWriter out, List<?> trees, boolean withHeader) {
    lines(trees, withHeader).forEach(out::println);
    out.flush();
  }
}
