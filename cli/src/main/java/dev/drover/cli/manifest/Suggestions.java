package dev.drover.cli.manifest;

import java.util.List;
import java.util.Locale;

/** Finds the known key a misspelt one most likely meant ("nodename", "node_name", "imagee"). */
final class Suggestions {

  private static final int MAX_DISTANCE = 2;

  private Suggestions() {}

  /** The candidate closest to {@code key}, or null when none is close enough. */
  static String closest(String key, List<String> candidates) {
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

  /** Levenshtein distance. */
  private static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
