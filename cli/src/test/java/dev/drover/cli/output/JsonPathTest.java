package dev.drover.cli.output;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.drover.cli.core.CliException;
import dev.drover.client.manifest.JsonText;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The JSONPath and custom-columns cases of the Kubernetes documentation (reference/kubectl/jsonpath
 * and the kubectl output docs), run on the documentation's own input. Maps print as one-line JSON,
 * as current kubectl does (the page still shows Go's older {@code map[cpu:4]}).
 */
class JsonPathTest {

  static final String INPUT =
      """
      {
        "kind": "List",
        "items":[
          {
            "kind":"None",
            "metadata":{
              "name":"127.0.0.1",
              "labels":{"kubernetes.io/hostname":"127.0.0.1"}
            },
            "status":{
              "capacity":{"cpu":"4"},
              "addresses":[{"type": "LegacyHostIP", "address":"127.0.0.1"}]
            }
          },
          {
            "kind":"None",
            "metadata":{"name":"127.0.0.2"},
            "status":{
              "capacity":{"cpu":"8"},
              "addresses":[
                {"type": "LegacyHostIP", "address":"127.0.0.2"},
                {"type": "another", "address":"127.0.0.3"}
              ]
            }
          }
        ],
        "users":[
          {"name": "myself", "user": {}},
          {"name": "e2e", "user": {"username": "admin", "password": "secret"}}
        ]
      }
      """;

  static final Object DATA = JsonText.parse(INPUT);

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        "kind is {.kind}                                          | kind is List",
        "{.kind}                                                  | List",
        "{['kind']}                                               | List",
        "{..name}                                                 | 127.0.0.1 127.0.0.2 myself e2e",
        "{.items[*].metadata.name}                                | 127.0.0.1 127.0.0.2",
        "{.users[0].name}                                         | myself",
        "{.users[?(@.name==\"e2e\")].user.password}               | secret",
        "{.items[0].metadata.labels.kubernetes\\.io/hostname}     | 127.0.0.1",
        "{.items[-1:].metadata.name}                              | 127.0.0.2",
        "{.items[0:1].metadata.name}                              | 127.0.0.1",
        "{.items[1].status.addresses[?(@.type!=\"another\")].address} | 127.0.0.2",
        "{.items[*].status.addresses[?(@.type=='another')].address} | 127.0.0.3",
        "{.items[0].status.capacity}                              | {\"cpu\":\"4\"}",
        "{.nothing.here}                                          | ''",
        "`{range .items[*]}[{.metadata.name}, {.status.capacity}] {end}`"
            + " | `[127.0.0.1, {\"cpu\":\"4\"}] [127.0.0.2, {\"cpu\":\"8\"}] `",
      })
  void documentationExamples(String template, String expected) {
    assertThat(JsonPath.parse(template).execute(DATA))
        .isEqualTo(expected.equals("''") ? "" : expected);
  }

  @Test
  void quotedTextInterpretsTabsAndNewlines() {
    assertThat(JsonPath.parse("{range .items[*]}{.metadata.name}{'\\t'}{end}").execute(DATA))
        .isEqualTo("127.0.0.1\t127.0.0.2\t");
    assertThat(
            JsonPath.parse("{range .users[*]}{.name}{\"\\t\"}{.user.username}{\"\\n\"}{end}")
                .execute(DATA))
        .isEqualTo("myself\t\ne2e\tadmin\n");
  }

  @Test
  void atIsTheWholeInput() {
    assertThat(JsonPath.parse("{@}").execute(DATA)).isEqualTo(JsonText.writeLine(DATA));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{.items[        | unclosed action",
        "{.items[}       | unterminated array",
        "{.items[x]}     | invalid array index x",
        "{range .items[*]}{.kind} | unclosed range",
        "{end}           | not in range, nothing to end",
        "{kind}          | unrecognized identifier kind",
      })
  void badTemplatesGiveOneLineErrorsNamingThem(String template, String reason) {
    assertThatThrownBy(() -> JsonPath.parse(template))
        .isInstanceOf(CliException.class)
        .hasMessage("error parsing jsonpath " + template + ", " + reason);
  }

  @Test
  void customColumnsAsInTheKubectlDocs() {
    Map<String, Object> pod =
        Map.of("metadata", Map.of("name", "submit-queue", "resourceVersion", "610995"));
    assertThat(
            new CustomColumns("NAME:.metadata.name,RSRC:.metadata.resourceVersion")
                .lines(List.of(pod), true))
        .containsExactly("NAME           RSRC", "submit-queue   610995");
  }

  @Test
  void customColumnsJoinSeveralValuesAndMarkMissingOnes() {
    Map<String, Object> pod =
        Map.of(
            "metadata",
            Map.of("name", "a"),
            "spec",
            Map.of("containers", List.of(Map.of("image", "nginx"), Map.of("image", "busybox"))));
    assertThat(
            new CustomColumns("DATA:spec.containers[*].image,N:{.metadata.name},X:.nope")
                .lines(List.of(pod), true))
        .containsExactly("DATA            N         X", "nginx,busybox   a         <none>");
  }

  @Test
  void badCustomColumnsSpecIsOneLine() {
    assertThatThrownBy(() -> new CustomColumns("NAME"))
        .isInstanceOf(CliException.class)
        .hasMessage("unexpected custom-columns spec: NAME, expected <header>:<json-path-expr>");
    assertThatThrownBy(() -> new CustomColumns("NAME:.items[x]"))
        .hasMessage("error parsing jsonpath {.items[x]}, invalid array index x");
  }
}
