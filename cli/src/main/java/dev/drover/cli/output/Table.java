package dev.drover.cli.output;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A plain-text table as kubectl prints it: upper-case headers, columns padded to their widest cell
 * and separated by three spaces, no trailing blanks.
 */
public final class Table {

  private static final String GAP = "   ";

  private final List<String> headers;
  private final List<List<String>> rows = new ArrayList<>();

  public Table(String... headers) {
    this(Arrays.asList(headers));
  }

  public Table(List<String> headers) {
    this.headers = List.copyOf(headers);
  }

  /** Adds a row; missing cells are empty, null cells print as "<none>". */
  public Table row(String... cells) {
    return row(Arrays.asList(cells));
  }

  /** Adds a row. */
  public Table row(List<String> cells) {
    List<String> row = new ArrayList<>();
    for (int i = 0; i < headers.size(); i++) {
      String cell = i < cells.size() ? cells.get(i) : "";
      row.add(cell == null ? "<none>" : cell);
    }
    rows.add(row);
    return this;
  }

  /**
   * A copy with extra columns at the right; {@code cells} holds one list per existing row, in
   * order.
   */
  public Table withColumns(List<String> extraHeaders, List<List<String>> cells) {
    List<String> allHeaders = new ArrayList<>(headers);
    allHeaders.addAll(extraHeaders);
    Table wider = new Table(allHeaders);
    for (int i = 0; i < rows.size(); i++) {
      List<String> row = new ArrayList<>(rows.get(i));
      row.addAll(cells.get(i));
      wider.row(row);
    }
    return wider;
  }

  /** True when no row was added. */
  public boolean isEmpty() {
    return rows.isEmpty();
  }

  /** The width of each column over the header and every row. */
  public int[] widths() {
    int[] widths = new int[headers.size()];
    for (int i = 0; i < headers.size(); i++) {
      widths[i] = headers.get(i).length();
      for (List<String> row : rows) {
        widths[i] = Math.max(widths[i], row.get(i).length());
      }
    }
    return widths;
  }

  /** Prints the header and the rows; returns the column widths used. */
  public int[] print(PrintWriter out) {
    int[] widths = widths();
    out.println(format(headers, widths));
    for (List<String> row : rows) {
      out.println(format(row, widths));
    }
    out.flush();
    return widths;
  }

  /** Prints the rows only, with the given widths (for rows that follow an earlier table). */
  public void printRows(PrintWriter out, int[] widths) {
    for (List<String> row : rows) {
      out.println(format(row, widths));
    }
    out.flush();
  }

  private static String format(List<String> cells, int[] widths) {
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < cells.size(); i++) {
      String cell = cells.get(i);
      line.append(cell);
      if (i < cells.size() - 1) {
        int width = i < widths.length ? widths[i] : cell.length();
        line.append(" ".repeat(Math.max(0, width - cell.length()))).append(GAP);
      }
    }
    return line.toString().stripTrailing();
  }
}
