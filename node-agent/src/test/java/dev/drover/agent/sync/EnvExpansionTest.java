package dev.drover.agent.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Kubernetes' {@code $(VAR)} expansion rules, case by case. */
class EnvExpansionTest {

  private static final Map<String, String> VARS =
      Map.of("PROTOCOL", "https", "SERVICE_IP", "172.17.0.1", "EMPTY", "", "X", "$(PROTOCOL)");

  @ParameterizedTest(name = "[{0}] -> [{1}]")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '\'',
      value = {
        "$(PROTOCOL)://$(SERVICE_IP)|https://172.17.0.1",
        "$$(PROTOCOL)|$(PROTOCOL)",
        "$$$(PROTOCOL)|$https",
        "$$$$|$$",
        "$(UNKNOWN)|$(UNKNOWN)",
        "a$(EMPTY)b|ab",
        "$()|$()",
        "$(PROTOCOL|$(PROTOCOL",
        "$(|$(",
        "trailing $|trailing $",
        "$PROTOCOL|$PROTOCOL",
        "$x$(PROTOCOL)|$xhttps",
        // A value is not expanded again.
        "$(X)|$(PROTOCOL)",
        "no refs|no refs",
        "$(PROTOCOL)$(PROTOCOL)|httpshttps",
        "$(a$(PROTOCOL))|$(a$(PROTOCOL))",
      })
  void expandsAsKubernetes(String input, String expected) {
    assertThat(EnvExpansion.expand(input, VARS)).isEqualTo(expected);
  }

  @Test
  void emptyStringStaysEmpty() {
    assertThat(EnvExpansion.expand("", VARS)).isEmpty();
  }

  @Test
  void expandsEachOfAList() {
    assertThat(EnvExpansion.expandAll(List.of("echo", "$(SERVICE_IP)", "$$(SERVICE_IP)"), VARS))
        .containsExactly("echo", "172.17.0.1", "$(SERVICE_IP)");
  }
}
