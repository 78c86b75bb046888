package dev.drover.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.drover.api.Quantity.QuantityFormatException;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Checks quantity parsing, rounding and canonical printing against Kubernetes' behaviour. */
class QuantityTest {

  @ParameterizedTest(name = "{0} -> milli {1}, value {2}, \"{3}\"")
  @CsvSource({
    // input, milliValue, value, canonical string
    "500m, 500, 1, 500m",
    "1.5, 1500, 2, 1500m",
    "2, 2000, 2, 2",
    "0, 0, 0, 0",
    "-0, 0, 0, 0",
    "+1, 1000, 1, 1",
    "001, 1000, 1, 1",
    ".5, 500, 1, 500m",
    "5., 5000, 5, 5",
    "1.G, 1000000000000, 1000000000, 1G",
    "256Mi, 268435456000, 268435456, 256Mi",
    "1Ki, 1024000, 1024, 1Ki",
    "1024, 1024000, 1024, 1024",
    "1000, 1000000, 1000, 1k",
    "1500, 1500000, 1500, 1500",
    "1024Mi, 1073741824000, 1073741824, 1Gi",
    "1536Mi, 1610612736000, 1610612736, 1536Mi",
    "2048Ki, 2097152000, 2097152, 2Mi",
    "1023Ki, 1047552000, 1047552, 1023Ki",
    "0.5Ki, 512000, 512, 512",
    "0.1Gi, 107374182400, 107374183, 107374182400m",
    "1G, 1000000000000, 1000000000, 1G",
    "1k, 1000000, 1000, 1k",
    "1M, 1000000000, 1000000, 1M",
    "1T, 1000000000000000, 1000000000000, 1T",
    "1E, 9223372036854775807, 1000000000000000000, 1E",
    "1e3, 1000000, 1000, 1e3",
    "1E6, 1000000000, 1000000, 1e6",
    "1.5e3, 1500000, 1500, 1500",
    "12e2, 1200000, 1200, 1200",
    "1e-3, 1, 1, 1e-3",
    "100u, 1, 1, 100u",
    "1000u, 1, 1, 1m",
    "1n, 1, 1, 1n",
    "0.1n, 1, 1, 1n",
    "1e-12, 1, 1, 1e-9",
    "-500m, -500, -1, -500m",
    "-1.5Gi, -1610612736000, -1610612736, -1536Mi",
    "9223372036854775807, 9223372036854775807, 9223372036854775807, 9223372036854775807",
    "10E, 9223372036854775807, 9223372036854775807, 9223372036854775807",
    "8Ei, 9223372036854775807, 9223372036854775807, 9223372036854775807",
  })
  void parsesLikeKubernetes(String input, long milli, long value, String canonical) {
    Quantity q = Quantity.parse(input);
    assertThat(q.milliValue()).as("milliValue").isEqualTo(milli);
    assertThat(q.value()).as("value").isEqualTo(value);
    assertThat(q.toString()).as("canonical").isEqualTo(canonical);
    assertThat(Quantity.parse(q.toString())).as("canonical form parses back").isEqualTo(q);
  }

  @ParameterizedTest(name = "\"{0}\" fails at {1}")
  @CsvSource(
      value = {
        "'', 0, must not be empty",
        "abc, 0, expected a number",
        "., 0, expected a number",
        "+, 1, expected a number",
        "--1, 1, expected a number",
        "' 1', 0, expected a number",
        "Mi, 0, expected a number",
        "1x, 1, unknown suffix 'x'",
        "'1 ', 1, unknown suffix",
        "'1Mi ', 1, unknown suffix",
        "1KI, 1, unknown suffix",
        "1mi, 1, unknown suffix",
        "1k8, 1, unknown suffix",
        "1.5.5, 3, unknown suffix",
        "1e, 2, digits of the exponent",
        "1e+, 3, digits of the exponent",
        "1e3x, 3, unexpected 'x'",
        "1e1001, 2, exponent out of range",
      },
      quoteCharacter = '\'')
  void rejectsWithPositionAndReason(String input, int position, String reason) {
    assertThatThrownBy(() -> Quantity.parse(input))
        .isInstanceOfSatisfying(
            QuantityFormatException.class,
            e -> {
              assertThat(e.position()).as("position").isEqualTo(position);
              assertThat(e.reason()).contains(reason);
              assertThat(e.getMessage()).contains("\"" + input + "\"");
            });
    assertThat(Quantity.parseOrNull(input)).isNull();
  }

  /** Random amounts in every suffix family print to a form that parses to the same amount. */
  @Test
  void canonicalFormRoundTripsForRandomAmounts() {
    java.util.Random random = new java.util.Random(42);
    String[] suffixes = {"", "m", "u", "n", "k", "M", "G", "Ki", "Mi", "Gi", "Ti", "e3", "e-2"};
    for (int i = 0; i < 5_000; i++) {
      String number =
          (random.nextBoolean() ? "-" : "")
              + random.nextInt(100_000)
              + (random.nextBoolean() ? "." + random.nextInt(1000) : "");
      String text = number + suffixes[random.nextInt(suffixes.length)];
      Quantity q = Quantity.parse(text);
      Quantity back = Quantity.parse(q.toString());
      assertThat(back).as("%s printed as %s", text, q).isEqualTo(q);
      assertThat(back.toString())
          .as("canonical form is stable for %s", text)
          .isEqualTo(q.toString());
      BigDecimal milli = q.asBigDecimal().movePointRight(3).setScale(0, java.math.RoundingMode.UP);
      long expected =
          milli.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0
              ? Long.MAX_VALUE
              : milli.compareTo(BigDecimal.valueOf(Long.MIN_VALUE)) < 0
                  ? Long.MIN_VALUE
                  : milli.longValueExact();
      assertThat(q.milliValue()).as("milliValue of %s (saturated)", text).isEqualTo(expected);
    }
  }

  @Test
  void equalityAndOrderFollowTheAmountNotTheSpelling() {
    assertThat(Quantity.parse("1Ki")).isEqualTo(Quantity.parse("1024"));
    assertThat(Quantity.parse("1Ki").hashCode()).isEqualTo(Quantity.parse("1024").hashCode());
    assertThat(Quantity.parse("1")).isEqualTo(Quantity.parse("1000m"));
    assertThat(Quantity.parse("1").hashCode()).isEqualTo(Quantity.parse("1000m").hashCode());
    assertThat(Quantity.parse("500m")).isLessThan(Quantity.parse("1"));
    assertThat(Quantity.parse("1Gi")).isGreaterThan(Quantity.parse("1G"));
    assertThat(Quantity.parse("0")).isEqualTo(Quantity.ZERO);
    assertThat(Quantity.parse("0Mi").isZero()).isTrue();
    assertThat(Quantity.parse("-1").signum()).isEqualTo(-1);
  }

  @Test
  void arithmeticKeepsTheFirstFormat() {
    Quantity sum = Quantity.parse("1Gi").add(Quantity.parse("512Mi"));
    assertThat(sum.toString()).isEqualTo("1536Mi");
    assertThat(Quantity.parse("1").subtract(Quantity.parse("250m")).toString()).isEqualTo("750m");
    assertThat(Quantity.parse("250m").subtract(Quantity.parse("1")).milliValue()).isEqualTo(-750);
  }

  @Test
  void factoriesBuildExactAmounts() {
    assertThat(Quantity.ofMilli(1500).toString()).isEqualTo("1500m");
    assertThat(Quantity.of(3).milliValue()).isEqualTo(3000);
    assertThat(Quantity.ofBytes(1 << 20).toString()).isEqualTo("1Mi");
    assertThat(Quantity.parse("0.1Gi").asBigDecimal())
        .isEqualByComparingTo(new BigDecimal("107374182.4"));
    assertThat(Quantity.parse("1Mi").format()).isEqualTo(Quantity.Format.BINARY_SI);
    assertThat(Quantity.parse("1e3").format()).isEqualTo(Quantity.Format.DECIMAL_EXPONENT);
    assertThat(Quantity.parse("500m").toPlainString()).isEqualTo("0.5");
  }
}
