package dev.drover.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Checks the name syntax rules against Kubernetes' examples of valid and invalid strings. */
class NamesTest {

  @ParameterizedTest(name = "{0}(\"{1}\") valid={2}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "label | web-1 | true",
        "label | 123-abc | true",
        "label | a | true",
        "label | Web | false",
        "label | -web | false",
        "label | web- | false",
        "label | web.1 | false",
        "label | \"\" | false",
        "label | aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa | true",
        "label | aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa | false",
        "dns1035 | web-1 | true",
        "dns1035 | 1web | false",
        "dns1035 | web_1 | false",
        "subdomain | example.com | true",
        "subdomain | web-1 | true",
        "subdomain | a..b | false",
        "subdomain | .a | false",
        "subdomain | a_b | false",
        "subdomain | A.com | false",
        "qualified | app | true",
        "qualified | app.kubernetes.io/name | true",
        "qualified | example.com/MyName | true",
        "qualified | my_name.x-y | true",
        "qualified | /name | false",
        "qualified | example.com/ | false",
        "qualified | a/b/c | false",
        "qualified | Example.com/a | false",
        "qualified | _a | false",
        "qualified | a b | false",
        "value | \"\" | true",
        "value | v1.2_3-x | true",
        "value | -x | false",
        "value | x y | false",
        "value | aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa | false",
        "port | http | true",
        "port | web-8080 | true",
        "port | 8080 | false",
        "port | a--b | false",
        "port | -http | false",
        "port | HTTP | false",
        "port | abcdefghijklmnop | false",
        "env | PATH | true",
        "env | my.var-1 | true",
        "env | _X | true",
        "env | 1X | false",
        "env | A=B | false",
        "env | \"\" | false",
        "key | config.yaml | true",
        "key | .hidden | true",
        "key | .. | false",
        "key | ..x | false",
        "key | a/b | false",
      })
  void checks(String rule, String value, boolean valid) {
    Function<String, List<String>> check =
        switch (rule) {
          case "label" -> Names::checkDns1123Label;
          case "subdomain" -> Names::checkDns1123Subdomain;
          case "dns1035" -> Names::checkDns1035Label;
          case "qualified" -> Names::checkQualifiedName;
          case "value" -> Names::checkLabelValue;
          case "port" -> Names::checkIanaSvcName;
          case "env" -> Names::checkEnvVarName;
          case "key" -> Names::checkConfigMapKey;
          default -> throw new IllegalArgumentException(rule);
        };
    List<String> errors = check.apply(value);
    if (valid) {
      assertThat(errors).isEmpty();
    } else {
      assertThat(errors).isNotEmpty().allSatisfy(e -> assertThat(e).isNotBlank());
    }
  }
}
