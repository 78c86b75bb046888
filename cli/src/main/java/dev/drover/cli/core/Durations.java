package dev.drover.cli.core;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as people type and read them: parses {@code 90s}, {@code 5m}, {@code 1h30m} (Go syntax,
 * as kubectl's {@code --since}) and formats ages the way kubectl does ({@code 45s}, {@code 3m20s},
 * {@code 5h}, {@code 3d}).
 */
public final class Durations {

  private static final Pattern PART = Pattern.compile("(\\d+)(ms|s|m|h|d)");

  private Durations() {}

  /**
   * Parses a duration such as {@code 5m} or {@code 1h30m}.
   *
   * @throws IllegalArgumentException naming the text and the accepted syntax
   */
  public static Duration parse(String text) {
    if (text == null || text.isEmpty()) {
      throw new IllegalArgumentException("empty duration; use e.g. 30s, 5m or 1h30m");
    }
    Matcher m = PART.matcher(text);
    Duration total = Duration.ZERO;
    int at = 0;
    while (at < text.length()) {
      if (!m.find(at) || m.start() != at) {
        throw new IllegalArgumentException(
            "invalid duration \"" + text + "\"; use e.g. 30s, 5m or 1h30m");
      }
      long n = Long.parseLong(m.group(1));
      total =
          total.plus(
              switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
              });
      at = m.end();
    }
    return total;
  }

  /** Formats an age in kubectl's short style; negative ages (clock skew) show as 0s. */
  public static String age(Duration age) {
    long s = Math.max(0, age.getSeconds());
    long minutes = s / 60;
    long hours = minutes / 60;
    long days = hours / 24;
    if (s < 120) {
      return s + "s";
    }
    if (minutes < 10) {
      return s % 60 == 0 ? minutes + "m" : minutes + "m" + (s % 60) + "s";
    }
    if (minutes < 180) {
      return minutes + "m";
    }
    if (hours < 8) {
      return minutes % 60 == 0 ? hours + "h" : hours + "h" + (minutes % 60) + "m";
    }
    if (hours < 48) {
      return hours + "h";
    }
    if (hours < 24 * 8) {
      return hours % 24 == 0 ? days + "d" : days + "d" + (hours % 24) + "h";
    }
    if (days < 365 * 2) {
      return days + "d";
    }
    return days / 365 + "y";
  }
}
