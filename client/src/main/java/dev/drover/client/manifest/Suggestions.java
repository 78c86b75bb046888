package dev.drover.client.manifest;

import java.util.List;
import java.util.Locale;

/**
 * Finds the known key a misspelt one most likely meant ("nodename", "node_name", "imagee"); also
 * the CLI's "did you mean" for kinds, verbs and options.
 */
public final class Suggestions {

  private static final int MAX_DISTANCE = 2;

  private Suggestions() {}

  /** The candidate closest to {@code key}, or null when none is close enough. */
  public static String closest(String key, List<String> candidates) {
    String normalized = normalize(key);
    String best = null;
    // Short keys get less slack, or "ip" would "mean" "os".
    int bestDistance = Math.min(MAX_DISTANCE, Math.max(1, normalized.length() / 4)) + 1;
    for (String candidate : candidates) {
      int distance = distance(normalized, normalize(candidate));
      if (distance < bestDistance) {
        best = candidate;
        bestDistance = distance;
      }
    }
    return best;
  }

  /** Lower case without separators, so that snake_case and wrong capitals cost nothing. */
  private static String normalize(String key) {
    return key.replace("_", "").replace("-", "").toLowerCase(Locale.ROOT);
  }

  /** Edit distance in which swapping two neighbouring letters counts as one edit. */
  private static int distance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(d[i - 1][j - 1] + cost, Math.min(d[i - 1][j], d[i][j - 1]) + 1);
        if (i > 1
            && j > 1
            && a.charAt(i - 1) == b.charAt(j - 2)
            && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }
}
