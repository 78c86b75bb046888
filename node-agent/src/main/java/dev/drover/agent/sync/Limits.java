package dev.drover.agent.sync;

import dev.drover.api.Quantity;

/**
 * Turns a container's resource limits (Kubernetes quantities) into the numbers Docker takes:
 * NanoCpus and Memory bytes.
 */
final class Limits {

  private Limits() {}

  /** NanoCpus for a cpu quantity ("500m" is 500000000); 0 when unset. */
  static long nanoCpus(String quantity, String field) {
    if (quantity == null || quantity.isEmpty()) {
      return 0;
    }
    long milli = parse(quantity, field).milliValue();
    return milli > Long.MAX_VALUE / 1_000_000 ? Long.MAX_VALUE : milli * 1_000_000;
  }

  /** Bytes for a memory quantity ("256Mi"); 0 when unset. */
  static long memoryBytes(String quantity, String field) {
    if (quantity == null || quantity.isEmpty()) {
      return 0;
    }
    return parse(quantity, field).value();
  }

  private static Quantity parse(String text, String field) {
    Quantity q;
    try {
      q = Quantity.parse(text);
    } catch (Quantity.QuantityFormatException e) {
      throw new IllegalArgumentException(field + ": " + e.getMessage(), e);
    }
    if (q.signum() < 0) {
      throw new IllegalArgumentException(field + ": must not be negative, got " + text);
    }
    return q;
  }
}
