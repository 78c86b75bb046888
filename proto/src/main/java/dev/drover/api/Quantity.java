package dev.drover.api;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An exact resource amount in Kubernetes quantity syntax ({@code 500m}, {@code 1.5}, {@code 256Mi},
 * {@code 1G}, {@code 1e3}).
 *
 * <p>Parsing follows Kubernetes' {@code resource.ParseQuantity}: an optional sign, a decimal number
 * (digits, optionally a point and more digits) and a suffix that is one of the binary suffixes
 * {@code Ki Mi Gi Ti Pi Ei}, the decimal suffixes {@code n u m k M G T P E} (or none), or a decimal
 * exponent {@code e<int>} / {@code E<int>}. As in Kubernetes, a non-zero amount is rounded up (away
 * from zero) to a whole nano unit and the magnitude is capped at 2<sup>63</sup>-1. The value is
 * kept exactly as a {@link BigDecimal}; the suffix family the user wrote decides the canonical
 * string, as in Kubernetes ({@code 1536Mi}, {@code 1500m}, {@code 1e3}).
 *
 * <p>Instances are immutable; {@link #equals} and {@link #compareTo} compare the amounts only, so
 * {@code 1Ki} equals {@code 1024}.
 */
public final class Quantity implements Comparable<Quantity> {

  /** The suffix family a quantity was written in; it decides the canonical string form. */
  public enum Format {
    /** Powers of 1024: {@code Ki}, {@code Mi}, ... {@code Ei}. */
    BINARY_SI,
    /** Powers of 1000: {@code n}, {@code u}, {@code m}, none, {@code k}, ... {@code E}. */
    DECIMAL_SI,
    /** A power of ten written as {@code e<int>}. */
    DECIMAL_EXPONENT
  }

  /** Zero, written {@code 0}. */
  public static final Quantity ZERO = new Quantity(BigDecimal.ZERO, Format.DECIMAL_SI);

  private static final BigDecimal MAX = BigDecimal.valueOf(Long.MAX_VALUE);
  private static final BigDecimal NANO = new BigDecimal("1e-9");
  private static final BigInteger TEN = BigInteger.TEN;
  private static final BigInteger KIBI = BigInteger.valueOf(1024);
  private static final BigDecimal KIBI_DECIMAL = BigDecimal.valueOf(1024);
  private static final List<String> BINARY_SUFFIXES =
      List.of("", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei");
  private static final Map<String, Integer> DECIMAL_SUFFIXES =
      Map.of("n", -9, "u", -6, "m", -3, "", 0, "k", 3, "M", 6, "G", 9, "T", 12, "P", 15, "E", 18);
  // Exponents beyond this are far outside what the cap and the nano rounding keep; refusing
  // them keeps a hostile "1e999999999" from costing anything.
  private static final int MAX_EXPONENT = 1000;

  private final BigDecimal amount;
  private final Format format;

  private Quantity(BigDecimal amount, Format format) {
    this.amount = amount;
    this.format = format;
  }

  /**
   * Parses a quantity.
   *
   * @throws QuantityFormatException naming the position and the reason when {@code text} is not a
   *     quantity
   */
  public static Quantity parse(String text) {
    Objects.requireNonNull(text, "text");
    if (text.isEmpty()) {
      throw new QuantityFormatException(text, 0, "a quantity must not be empty");
    }
    int pos = 0;
    int end = text.length();
    boolean negative = false;
    char first = text.charAt(0);
    if (first == '+' || first == '-') {
      negative = first == '-';
      pos++;
    }
    int numberStart = pos;
    while (pos < end && isDigit(text.charAt(pos))) {
      pos++;
    }
    int integerDigits = pos - numberStart;
    int fractionDigits = 0;
    if (pos < end && text.charAt(pos) == '.') {
      pos++;
      int fractionStart = pos;
      while (pos < end && isDigit(text.charAt(pos))) {
        pos++;
      }
      fractionDigits = pos - fractionStart;
    }
    if (integerDigits + fractionDigits == 0) {
      throw new QuantityFormatException(
          text, numberStart, "expected a number (digits with an optional decimal point)");
    }
    String number = text.substring(numberStart, pos);
    if (number.endsWith(".")) {
      number = number + "0";
    }
    if (number.startsWith(".")) {
      number = "0" + number;
    }
    BigDecimal value = new BigDecimal(number);
    int suffixStart = pos;
    String suffix = text.substring(suffixStart);
    Format format;
    Integer decimalPower = DECIMAL_SUFFIXES.get(suffix);
    int binaryPower = BINARY_SUFFIXES.indexOf(suffix);
    if (decimalPower != null) {
      value = value.scaleByPowerOfTen(decimalPower);
      format = Format.DECIMAL_SI;
    } else if (binaryPower > 0) {
      value = value.multiply(KIBI_DECIMAL.pow(binaryPower));
      format = Format.BINARY_SI;
    } else {
      value = value.scaleByPowerOfTen(parseExponent(text, suffixStart));
      format = Format.DECIMAL_EXPONENT;
    }
    return new Quantity(normalize(value, negative), format);
  }

  /**
   * The largest amount an object may request, limit or report: its milli-value still fits a long
   * (about 9.2e15), so that every sum and comparison the scheduler and agents make is exact. A
   * larger one (Kubernetes would cap {@code 1e100} at 2^63-1 and leave the pod pending forever) is
   * refused where it is written.
   */
  public static final BigDecimal MAX_AMOUNT = BigDecimal.valueOf(Long.MAX_VALUE / 1000);

  /**
   * Parses a quantity written in an object, which must also be at most {@link #MAX_AMOUNT} in
   * magnitude.
   *
   * @throws QuantityFormatException when {@code text} is not a quantity or is too large
   */
  public static Quantity parseWithinLimits(String text) {
    Quantity q = parse(text);
    if (q.amount.abs().compareTo(MAX_AMOUNT) > 0) {
      throw new QuantityFormatException(
          text, 0, "too large: must be no more than " + MAX_AMOUNT.toPlainString());
    }
    return q;
  }

  /** Parses {@code text}, or returns null when it is not a quantity. */
  public static Quantity parseOrNull(String text) {
    try {
      return parse(text);
    } catch (QuantityFormatException e) {
      return null;
    }
  }

  /** A quantity of {@code value} whole units, written in the decimal family. */
  public static Quantity of(long value) {
    return new Quantity(BigDecimal.valueOf(value), Format.DECIMAL_SI);
  }

  /** A quantity of {@code milli} thousandths of a unit ({@code ofMilli(500)} is {@code 500m}). */
  public static Quantity ofMilli(long milli) {
    return new Quantity(BigDecimal.valueOf(milli, 3), Format.DECIMAL_SI);
  }

  /** A quantity of {@code bytes}, written in the binary family ({@code 1Mi}, {@code 1536Ki}). */
  public static Quantity ofBytes(long bytes) {
    return new Quantity(BigDecimal.valueOf(bytes), Format.BINARY_SI);
  }

  private static int parseExponent(String text, int suffixStart) {
    char marker = text.charAt(suffixStart);
    if (marker != 'e' && marker != 'E') {
      throw new QuantityFormatException(
          text,
          suffixStart,
          "unknown suffix '"
              + text.substring(suffixStart)
              + "' (expected one of Ki Mi Gi Ti Pi Ei, n u m k M G T P E, or an exponent e<n>)");
    }
    int pos = suffixStart + 1;
    int digitsStart = pos;
    if (pos < text.length() && (text.charAt(pos) == '+' || text.charAt(pos) == '-')) {
      digitsStart = ++pos;
    }
    while (pos < text.length() && isDigit(text.charAt(pos))) {
      pos++;
    }
    if (pos == digitsStart) {
      throw new QuantityFormatException(
          text, digitsStart, "expected the digits of the exponent after '" + marker + "'");
    }
    if (pos < text.length()) {
      throw new QuantityFormatException(
          text, pos, "unexpected '" + text.charAt(pos) + "' after the exponent");
    }
    String digits = text.substring(suffixStart + 1);
    BigInteger exponent = new BigInteger(digits.startsWith("+") ? digits.substring(1) : digits);
    if (exponent.abs().compareTo(BigInteger.valueOf(MAX_EXPONENT)) > 0) {
      throw new QuantityFormatException(
          text,
          suffixStart + 1,
          "exponent out of range [-" + MAX_EXPONENT + ", " + MAX_EXPONENT + "]");
    }
    return exponent.intValueExact();
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  /** Applies Kubernetes' cap and nano round-up to a magnitude, then the sign. */
  private static BigDecimal normalize(BigDecimal magnitude, boolean negative) {
    BigDecimal value = magnitude;
    if (value.signum() == 0) {
      return BigDecimal.ZERO;
    }
    if (value.compareTo(MAX) > 0) {
      value = MAX;
    } else if (value.compareTo(NANO) < 0) {
      value = NANO;
    } else if (value.scale() > 9) {
      value = value.setScale(9, RoundingMode.UP);
    }
    value = stripZeros(value);
    return negative ? value.negate() : value;
  }

  private static BigDecimal stripZeros(BigDecimal value) {
    BigDecimal stripped = value.stripTrailingZeros();
    // Keep integers at scale 0 so that toBigIntegerExact and string forms stay simple.
    return stripped.scale() < 0 ? stripped.setScale(0) : stripped;
  }

  /** The exact amount in units (cores, bytes, ...). */
  public BigDecimal asBigDecimal() {
    return amount;
  }

  /** The suffix family this quantity is written in. */
  public Format format() {
    return format;
  }

  /**
   * The amount in whole units, rounded up away from zero as Kubernetes' {@code Value()} does
   * ({@code 0.1} gives 1, {@code 1Ki} gives 1024).
   */
  public long value() {
    return saturate(amount.setScale(0, RoundingMode.UP));
  }

  /**
   * The amount in thousandths of a unit, rounded up away from zero as Kubernetes' {@code
   * MilliValue()} does ({@code 1.5} gives 1500, {@code 1n} gives 1). Saturates at the long range.
   */
  public long milliValue() {
    return saturate(amount.scaleByPowerOfTen(3).setScale(0, RoundingMode.UP));
  }

  private static long saturate(BigDecimal integral) {
    if (integral.compareTo(MAX) > 0) {
      return Long.MAX_VALUE;
    }
    if (integral.compareTo(BigDecimal.valueOf(Long.MIN_VALUE)) < 0) {
      return Long.MIN_VALUE;
    }
    return integral.longValueExact();
  }

  /** Whether the amount is zero. */
  public boolean isZero() {
    return amount.signum() == 0;
  }

  /** The sign of the amount: -1, 0 or 1. */
  public int signum() {
    return amount.signum();
  }

  /** The sum, written in this quantity's family (capped like a parsed quantity). */
  public Quantity add(Quantity other) {
    BigDecimal sum = amount.add(other.amount);
    return new Quantity(normalize(sum.abs(), sum.signum() < 0), format);
  }

  /** The difference, written in this quantity's family (capped like a parsed quantity). */
  public Quantity subtract(Quantity other) {
    BigDecimal difference = amount.subtract(other.amount);
    return new Quantity(normalize(difference.abs(), difference.signum() < 0), format);
  }

  @Override
  public int compareTo(Quantity other) {
    return amount.compareTo(other.amount);
  }

  @Override
  public boolean equals(java.lang.Object o) {
    return o instanceof Quantity && amount.compareTo(((Quantity) o).amount) == 0;
  }

  @Override
  public int hashCode() {
    return amount.signum() == 0 ? 0 : amount.stripTrailingZeros().hashCode();
  }

  /**
   * The canonical form Kubernetes prints: binary amounts of at least 1024 that are whole numbers as
   * the largest exact power of 1024 ({@code 1536Mi}), everything else as an integer times the
   * largest exact power of 1000 ({@code 1500m}, {@code 1k}), or of ten for the exponent family
   * ({@code 1e3}).
   */
  @Override
  public String toString() {
    if (amount.signum() == 0) {
      return "0";
    }
    String sign = amount.signum() < 0 ? "-" : "";
    BigDecimal magnitude = amount.abs();
    if (format == Format.BINARY_SI
        && magnitude.compareTo(KIBI_DECIMAL) >= 0
        && magnitude.stripTrailingZeros().scale() <= 0) {
      BigInteger whole = magnitude.toBigIntegerExact();
      int power = 0;
      while (power < BINARY_SUFFIXES.size() - 1 && whole.mod(KIBI).signum() == 0) {
        whole = whole.divide(KIBI);
        power++;
      }
      return sign + whole + BINARY_SUFFIXES.get(power);
    }
    // Move every factor of ten into the exponent, then back out until it is a multiple of 3.
    BigDecimal stripped = magnitude.stripTrailingZeros();
    BigInteger mantissa = stripped.unscaledValue();
    int exponent = -stripped.scale();
    while (Math.floorMod(exponent, 3) != 0) {
      mantissa = mantissa.multiply(TEN);
      exponent--;
    }
    if (format == Format.DECIMAL_EXPONENT) {
      return sign + mantissa + (exponent == 0 ? "" : "e" + exponent);
    }
    return sign + mantissa + decimalSuffix(exponent);
  }

  private static String decimalSuffix(int exponent) {
    for (Map.Entry<String, Integer> e : DECIMAL_SUFFIXES.entrySet()) {
      if (e.getValue() == exponent) {
        return e.getKey();
      }
    }
    // Unreachable: amounts are whole nanos and at most 2^63-1, so -9 <= exponent <= 18.
    throw new IllegalStateException("exponent out of range: " + exponent);
  }

  /** The amount as a plain decimal number of units, e.g. {@code 0.5} for {@code 500m}. */
  public String toPlainString() {
    return amount.toPlainString();
  }

  /** Thrown when a string is not a quantity; says where and why. */
  public static final class QuantityFormatException extends IllegalArgumentException {
    private final String input;
    private final int position;
    private final String reason;

    QuantityFormatException(String input, int position, String reason) {
      super("invalid quantity \"" + input + "\" at position " + position + ": " + reason);
      this.input = input;
      this.position = position;
      this.reason = reason;
    }

    /** The text that failed to parse. */
    public String input() {
      return input;
    }

    /** Zero-based index of the first offending character. */
    public int position() {
      return position;
    }

    /** Why the text is not a quantity, without the input (for field violations). */
    public String reason() {
      return reason;
    }
  }
}
