package dev.drover.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Small helpers every harness shares: the machine's load, medians and spreads of the rounds,
 * scratch directories.
 */
public final class BenchSupport {
  private BenchSupport() {}

  /** The kernel's load averages (1, 5, 15 min and more), printed next to every figure. */
  public static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (IOException e) {
      return "unknown";
    }
  }

  /**
   * The median of {@code values} (the mean of the middle two for an even count); NaN when empty.
   */
  public static double median(List<Double> values) {
    List<Double> sorted = values.stream().sorted().toList();
    int n = sorted.size();
    if (n == 0) {
      return Double.NaN;
    }
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  /** The spread of {@code values}: "min-max" in {@code format}, or "-" when empty. */
  public static String spread(List<Double> values, String format) {
    if (values.isEmpty()) {
      return "-";
    }
    double min = values.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
    double max = values.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
    return String.format(Locale.ROOT, format + "-" + format, min, max);
  }

  /** Every value of the rounds, in order, in {@code format}: "a, b, c". */
  public static String rounds(List<Double> values, String format) {
    return values.stream()
        .map(v -> String.format(Locale.ROOT, format, v))
        .collect(Collectors.joining(", "));
  }

  /** The median of {@code values} in {@code format}; {@code peer=none} cells print "-" instead. */
  public static String medianText(List<Double> values, String format) {
    return values.isEmpty() ? "-" : String.format(Locale.ROOT, format, median(values));
  }

  /** Deletes {@code root} and everything below it; a missing root is fine. */
  public static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
