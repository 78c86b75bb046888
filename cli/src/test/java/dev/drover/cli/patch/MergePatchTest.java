package dev.drover.cli.patch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.client.manifest.JsonText;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The test cases of RFC 7386, Appendix A, plus the RFC's own introductory example. */
class MergePatchTest {

  @ParameterizedTest(name = "{0} + {1} = {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"a\":\"b\"}                 | {\"a\":\"c\"}                     | {\"a\":\"c\"}",
        "{\"a\":\"b\"}                 | {\"b\":\"c\"}                     | {\"a\":\"b\",\"b\":\"c\"}",
        "{\"a\":\"b\"}                 | {\"a\":null}                      | {}",
        "{\"a\":\"b\",\"b\":\"c\"}     | {\"a\":null}                      | {\"b\":\"c\"}",
        "{\"a\":[\"b\"]}               | {\"a\":\"c\"}                     | {\"a\":\"c\"}",
        "{\"a\":\"c\"}                 | {\"a\":[\"b\"]}                   | {\"a\":[\"b\"]}",
        "{\"a\":{\"b\":\"c\"}}         | {\"a\":{\"b\":\"d\",\"c\":null}}  | {\"a\":{\"b\":\"d\"}}",
        "{\"a\":[{\"b\":\"c\"}]}       | {\"a\":[1]}                       | {\"a\":[1]}",
        "[\"a\",\"b\"]                 | [\"c\",\"d\"]                     | [\"c\",\"d\"]",
        "{\"a\":\"b\"}                 | [\"c\"]                           | [\"c\"]",
        "{\"a\":\"foo\"}               | null                              | null",
        "{\"a\":\"foo\"}               | \"bar\"                           | \"bar\"",
        "{\"e\":null}                  | {\"a\":1}                         | {\"e\":null,\"a\":1}",
        "[1,2]                         | {\"a\":\"b\",\"c\":null}          | {\"a\":\"b\"}",
        "{}                            | {\"a\":{\"bb\":{\"ccc\":null}}}   | {\"a\":{\"bb\":{}}}"
      })
  void rfc7386AppendixA(String target, String patch, String result) {
    Object patched = MergePatch.apply(JsonText.parse(target), JsonText.parse(patch));
    assertThat(JsonTrees.equal(patched, JsonText.parse(result)))
        .as("got %s", JsonText.writeLine(patched))
        .isTrue();
  }

  @Test
  void theRfcsIntroductoryExampleAndTheTargetIsNotChanged() {
    Object target =
        JsonText.parse(
            """
            {"title": "Goodbye!",
             "author": {"givenName": "John", "familyName": "Doe"},
             "tags": ["example", "sample"],
             "content": "This will be unchanged"}
            """);
    Object patch =
        JsonText.parse(
            """
            {"title": "Hello!", "phoneNumber": "+01-123-456-7890",
             "author": {"familyName": null}, "tags": ["example"]}
            """);
    Object patched = MergePatch.apply(target, patch);
    assertThat(JsonText.writeLine(patched))
        .isEqualTo(
            "{\"title\":\"Hello!\",\"author\":{\"givenName\":\"John\"},\"tags\":[\"example\"],"
                + "\"content\":\"This will be unchanged\",\"phoneNumber\":\"+01-123-456-7890\"}");
    assertThat(((Map<?, ?>) target).get("title")).isEqualTo("Goodbye!");
    assertThat(((Map<?, ?>) ((Map<?, ?>) target).get("author")).get("familyName")).isEqualTo("Doe");
  }
}
