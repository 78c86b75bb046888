package dev.drover.agent.sync;

import java.math.BigDecimal;
import java.util.Map;

/**
 * Turns a container's resource limits (Kubernetes quantities) into the numbers Docker takes:
 * NanoCpus and Memory bytes.
 */
final class Limits {

  private static final Map<String, BigDecimal> SUFFIXES =
      Map.ofEntries(
          Map.entry("n", new BigDecimal("1e-9")),
          Map.entry("u", new BigDecimal("1e-6")),
          Map.entry("m", new BigDecimal("1e-3")),
          Map.entry("", BigDecimal.ONE),
          Map.entry("k", new BigDecimal("1e3")),
          Map.entry("M", new BigDecimal("1e6")),
          Map.entry("G", new BigDecimal("1e9")),
          Map.entry("T", new BigDecimal("1e12")),
          Map.entry("P", new BigDecimal("1e15")),
          Map.entry("E", new BigDecimal("1e18")),
          Map.entry("Ki", BigDecimal.valueOf(1L << 10)),
          Map.entry("Mi", BigDecimal.valueOf(1L << 20)),
          Map.entry("Gi", BigDecimal.valueOf(1L << 30)),
          Map.entry("Ti", BigDecimal.valueOf(1L << 40)),
          Map.entry("Pi", BigDecimal.valueOf(1L << 50)),
          Map.entry("Ei", BigDecimal.valueOf(1L << 60)));

  private Limits() {}

  /** NanoCpus for a cpu quantity ("500m" is 500000000); 0 for an empty one. */
  static long nanoCpus(String quantity, String field) {
    if (quantity == null || quantity.isEmpty()) {
      return 0;
    }
    return parse(quantity, field).movePointRight(9).setScale(0, java.math.RoundingMode.CEILING)
        .longValueExact();
  }

  /** Bytes for a memory quantity ("256Mi"); 0 for an empty one. */
  static long memoryBytes(String quantity, String field) {
    if (quantity == null || quantity.isEmpty()) {
      return 0;
    }
    return parse(quantity, field).setScale(0, java.math.RoundingMode.CEILING).longValueExact();
  }

  private static BigDecimal parse(String q, String field) {
    int i = 0;
    while (i < q.length() && (Character.isDigit(q.charAt(i)) || q.charAt(i) == '.' || q.charAt(i) == '+')) {
      i++;
    }
    BigDecimal multiplier = SUFFIXES.get(q.substring(i));
    if (i == 0 || multiplier == null) {
      throw new IllegalArgumentException(field + ": not a quantity: \"" + q + "\"");
    }
    try {
      return new BigDecimal(q.substring(0, i)).multiply(multiplier);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(field + ": not a quantity: \"" + q + "\"", e);
    }
  }
}
