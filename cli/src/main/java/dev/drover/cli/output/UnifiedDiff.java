package dev.drover.cli.output;

import java.util.ArrayList;
import java.util.List;

/**
 * A unified diff ({@code diff -u}) of two texts, line by line, with three lines of context: the
 * longest common subsequence of the lines decides what stayed, the rest is removed or added.
 * Manifests are small, so the quadratic table is fine.
 */
public final class UnifiedDiff {
  private static final int CONTEXT = 3;

  private UnifiedDiff() {}

  /** One line of the edit script: ' ' kept, '-' removed, '+' added. */
  private record Edit(char op, String line, int oldLine, int newLine) {}

  /**
   * The diff from {@code before} to {@code after} under the given names, or "" when they are the
   * same.
   */
  public static String of(String beforeName, String before, String afterName, String after) {
    List<String> a = lines(before);
    List<String> b = lines(after);
    List<Edit> edits = edits(a, b);
    if (edits.stream().allMatch(e -> e.op() == ' ')) {
      return "";
    }
    StringBuilder out = new StringBuilder();
    out.append("--- ").append(beforeName).append('\n');
    out.append("+++ ").append(afterName).append('\n');
    int i = 0;
    while (i < edits.size()) {
      if (edits.get(i).op() == ' ') {
        i++;
        continue;
      }
      int start = Math.max(0, i - CONTEXT);
      int end = i;
      // Extend the hunk while the next change is within twice the context.
      while (true) {
        while (end < edits.size() && edits.get(end).op() != ' ') {
          end++;
        }
        int next = end;
        while (next < edits.size() && edits.get(next).op() == ' ') {
          next++;
        }
        if (next < edits.size() && next - end <= 2 * CONTEXT) {
          end = next;
        } else {
          end = Math.min(edits.size(), end + CONTEXT);
          break;
        }
      }
      hunk(out, edits.subList(start, end));
      i = end;
    }
    return out.toString();
  }

  private static void hunk(StringBuilder out, List<Edit> hunk) {
    int oldStart = 0;
    int newStart = 0;
    int oldCount = 0;
    int newCount = 0;
    for (Edit e : hunk) {
      if (e.op() != '+') {
        oldCount++;
        if (oldStart == 0) {
          oldStart = e.oldLine();
        }
      }
      if (e.op() != '-') {
        newCount++;
        if (newStart == 0) {
          newStart = e.newLine();
        }
      }
    }
    // diff -u numbers an empty side by the line before it.
    if (oldCount == 0) {
      oldStart = hunk.get(0).oldLine() - 1;
    }
    if (newCount == 0) {
      newStart = hunk.get(0).newLine() - 1;
    }
    out.append("@@ -")
        .append(range(oldStart, oldCount))
        .append(" +")
        .append(range(newStart, newCount))
        .append(" @@\n");
    for (Edit e : hunk) {
      out.append(e.op()).append(e.line()).append('\n');
    }
  }

  private static String range(int start, int count) {
    return count == 1 ? String.valueOf(start) : start + "," + count;
  }

  private static List<String> lines(String text) {
    List<String> lines = new ArrayList<>();
    if (text.isEmpty()) {
      return lines;
    }
    String body = text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
    for (String line : body.split("\n", -1)) {
      lines.add(line);
    }
    return lines;
  }

  private static List<Edit> edits(List<String> a, List<String> b) {
    int[][] common = new int[a.size() + 1][b.size() + 1];
    for (int i = a.size() - 1; i >= 0; i--) {
      for (int j = b.size() - 1; j >= 0; j--) {
        common[i][j] =
            a.get(i).equals(b.get(j))
                ? common[i + 1][j + 1] + 1
                : Math.max(common[i + 1][j], common[i][j + 1]);
      }
    }
    List<Edit> edits = new ArrayList<>();
    int i = 0;
    int j = 0;
    while (i < a.size() || j < b.size()) {
      if (i < a.size() && j < b.size() && a.get(i).equals(b.get(j))) {
        edits.add(new Edit(' ', a.get(i), i + 1, j + 1));
        i++;
        j++;
      } else if (i < a.size() && (j == b.size() || common[i + 1][j] >= common[i][j + 1])) {
        edits.add(new Edit('-', a.get(i), i + 1, j + 1));
        i++;
      } else {
        edits.add(new Edit('+', b.get(j), i + 1, j + 1));
        j++;
      }
    }
    return edits;
  }
}
