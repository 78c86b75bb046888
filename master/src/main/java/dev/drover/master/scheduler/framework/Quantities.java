package dev.drover.master.scheduler.framework;

import dev.drover.api.Quantity;

/**
 * Reads resource quantities ("500m", "2", "256Mi") into the integer units the scheduler adds up:
 * milli-units for CPU, whole units (rounded up) for everything else. Errors name the field that
 * held the bad quantity so that the message written to the pod says exactly what to fix.
 */
public final class Quantities {

  /** Larger amounts are refused so that sums over a node's pods cannot overflow. */
  private static final long LIMIT = Long.MAX_VALUE / 1024;

  private Quantities() {}

  /** Milli-units of {@code text}; {@code field} names the field for errors. */
  public static long milli(String field, String text) {
    return check(field, text, parse(field, text).milliValue());
  }

  /** Whole units of {@code text}, rounded up; {@code field} names the field for errors. */
  public static long units(String field, String text) {
    return check(field, text, parse(field, text).value());
  }

  private static Quantity parse(String field, String text) {
    try {
      return Quantity.parse(text == null ? "" : text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(field + ": '" + text + "': " + e.getMessage(), e);
    }
  }

  private static long check(String field, String text, long amount) {
    if (amount < 0) {
      throw new IllegalArgumentException(field + ": quantity '" + text + "' must not be negative");
    }
    if (amount > LIMIT) {
      throw new IllegalArgumentException(field + ": quantity '" + text + "' is too large");
    }
    return amount;
  }
}
