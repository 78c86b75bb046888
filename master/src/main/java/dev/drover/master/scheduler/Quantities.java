package dev.drover.master.scheduler;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Turns Kubernetes quantity strings ("500m", "2", "256Mi", "1e3") into the integer units the
 * scheduler works in: milli-units for CPU and whole units (rounded up) for everything else.
 *
 * <p>Errors name the field that held the bad quantity so that the message written to the pod
 * says exactly what to fix.
 */
final class Quantities {

  private Quantities() {}

  /** Milli-units of {@code text}, rounded up; {@code field} names the field for errors. */
  static long milli(String field, String text) {
    return parse(field, text).movePointRight(3).setScale(0, RoundingMode.CEILING).longValueExact();
  }

  /** Whole units of {@code text}, rounded up; {@code field} names the field for errors. */
  static long units(String field, String text) {
    return parse(field, text).setScale(0, RoundingMode.CEILING).longValueExact();
  }

  private static BigDecimal parse(String field, String text) {
    String s = text == null ? "" : text.trim();
    if (s.isEmpty()) {
      throw new IllegalArgumentException(field + ": quantity must not be empty");
    }
    int end = s.length();
    while (end > 0 && Character.isLetter(s.charAt(end - 1))) {
      end--;
    }
    String number = s.substring(0, end);
    String suffix = s.substring(end);
    BigDecimal multiplier;
    switch (suffix) {
      case "":
        multiplier = BigDecimal.ONE;
        break;
      case "m":
        multiplier = new BigDecimal("0.001");
        break;
      case "k":
        multiplier = BigDecimal.TEN.pow(3);
        break;
      case "M":
        multiplier = BigDecimal.TEN.pow(6);
        break;
      case "G":
        multiplier = BigDecimal.TEN.pow(9);
        break;
      case "T":
        multiplier = BigDecimal.TEN.pow(12);
        break;
      case "P":
        multiplier = BigDecimal.TEN.pow(15);
        break;
      case "E":
        multiplier = BigDecimal.TEN.pow(18);
        break;
      case "Ki":
        multiplier = BigDecimal.valueOf(2).pow(10);
        break;
      case "Mi":
        multiplier = BigDecimal.valueOf(2).pow(20);
        break;
      case "Gi":
        multiplier = BigDecimal.valueOf(2).pow(30);
        break;
      case "Ti":
        multiplier = BigDecimal.valueOf(2).pow(40);
        break;
      case "Pi":
        multiplier = BigDecimal.valueOf(2).pow(50);
        break;
      case "Ei":
        multiplier = BigDecimal.valueOf(2).pow(60);
        break;
      default:
        // "1e3" ends in a digit and never reaches here; "1e" and "5x" do.
        throw new IllegalArgumentException(
            field + ": quantity '" + text + "' has an unknown suffix '" + suffix + "'");
    }
    BigDecimal value;
    try {
      value = new BigDecimal(number);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          field + ": quantity '" + text + "' is not a number with an optional suffix", e);
    }
    if (value.signum() < 0) {
      throw new IllegalArgumentException(field + ": quantity '" + text + "' must not be negative");
    }
    BigDecimal result = value.multiply(multiplier);
    if (result.compareTo(BigDecimal.valueOf(Long.MAX_VALUE / 1000)) > 0) {
      throw new IllegalArgumentException(field + ": quantity '" + text + "' is too large");
    }
    return result;
  }
}
