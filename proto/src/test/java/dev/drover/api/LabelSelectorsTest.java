package dev.drover.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.drover.api.v1.LabelSelector;
import dev.drover.api.v1.LabelSelectorOperator;
import dev.drover.api.v1.LabelSelectorRequirement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Checks label selector parsing, conversion and matching against Kubernetes' semantics. */
class LabelSelectorsTest {

  /** Labels written as {@code k=v;k2=v2} ({@code -} for none). */
  static Map<String, String> labels(String text) {
    Map<String, String> labels = new LinkedHashMap<>();
    if (text.equals("-")) {
      return labels;
    }
    for (String pair : text.split(";")) {
      int eq = pair.indexOf('=');
      labels.put(pair.substring(0, eq), pair.substring(eq + 1));
    }
    return labels;
  }

  @ParameterizedTest(name = "\"{0}\" on {1} -> {2}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "\"\"| - | true",
        "\"\"| a=b | true",
        "a=b | a=b | true",
        "a=b | a=c | false",
        "a=b | - | false",
        "a==b | a=b | true",
        "a!=b | - | true",
        "a!=b | a=b | false",
        "a!=b | a=c | true",
        "a in (x,y) | a=y | true",
        "a in (x,y) | a=z | false",
        "a in (x,y) | - | false",
        "a notin (x,y) | - | true",
        "a notin (x,y) | a=x | false",
        "a notin (x,y) | a=z | true",
        "a | a= | true",
        "a | b=c | false",
        "!a | - | true",
        "!a | a=x | false",
        "a= | a= | true",
        "a= | a=b | false",
        "a in () | a= | true",
        "a in (x,) | a= | true",
        "\" a = b , c \" | a=b;c=1 | true",
        "\" a = b , c \" | a=b | false",
        "a in(x),b notin(y) | a=x;b=z | true",
        "a=b,a=c | a=b | false",
        "in=x | in=x | true",
        "app.kubernetes.io/name=web | app.kubernetes.io/name=web | true",
        "a=b,c!=d,e in (x,y),f notin (z),g,!h | a=b;e=x;g=1 | true",
        "a=b,c!=d,e in (x,y),f notin (z),g,!h | a=b;e=x;g=1;h=2 | false",
        "a=b,c!=d,e in (x,y),f notin (z),g,!h | a=b;c=d;e=x;g=1 | false",
        "a=b,c!=d,e in (x,y),f notin (z),g,!h | a=b;e=x;f=z;g=1 | false",
        "a=b,c!=d,e in (x,y),f notin (z),g,!h | a=b;e=y;f=w;g= | true",
      })
  void matchesLikeKubernetes(String selector, String labels, boolean expected) {
    LabelMatcher matcher = LabelSelectors.parse(selector);
    assertThat(matcher.matches(labels(labels))).isEqualTo(expected);
    // The printed form and the message form mean the same.
    LabelMatcher reparsed = LabelSelectors.parse(matcher.toString());
    assertThat(reparsed).isEqualTo(matcher);
    assertThat(LabelSelectors.fromProto(matcher.toProto()).matches(labels(labels)))
        .isEqualTo(expected);
  }

  @ParameterizedTest(name = "\"{0}\" fails at {1}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "a=b, | 4 | expected a label key",
        "=b | 0 | expected a label key",
        "a b | 2 | expected one of '=', '==', '!=', 'in', 'notin'",
        "a in b | 5 | expected '('",
        "a in (b | 7 | expected ',' or ')'",
        "a in (b c) | 8 | expected ',' or ')'",
        "! | 1 | expected a label key after '!'",
        "!=a | 0 | expected a label key",
        "a=b=c | 3 | expected ',' or end of string",
        "a=(b) | 2 | expected a label value",
        "a>1 | 1 | found '>'",
        "-a=b | 0 | invalid label key '-a'",
        "a=-b | 2 | invalid label value '-b'",
        "a/b/c=d | 0 | invalid label key",
        "/a | 0 | prefix part must be non-empty",
        "Example.com/a | 0 | prefix part",
        "a in (x,-y) | 8 | invalid label value",
        "a,,b | 2 | expected a label key",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa | 0 | 63 characters",
      })
  void rejectsWithPosition(String selector, int position, String reason) {
    SelectorAssertions.assertFailsAt(() -> LabelSelectors.parse(selector), position, reason);
  }

  @Test
  void convertsMessagesWithLabelsAndExpressions() {
    LabelSelector selector =
        LabelSelector.newBuilder()
            .putMatchLabels("app", "web")
            .addMatchExpressions(
                requirement("tier", LabelSelectorOperator.LABEL_SELECTOR_OPERATOR_IN, "a", "b"))
            .addMatchExpressions(
                requirement("canary", LabelSelectorOperator.LABEL_SELECTOR_OPERATOR_DOES_NOT_EXIST))
            .addMatchExpressions(
                requirement("env", LabelSelectorOperator.LABEL_SELECTOR_OPERATOR_NOT_IN, "dev"))
            .addMatchExpressions(
                requirement("team", LabelSelectorOperator.LABEL_SELECTOR_OPERATOR_EXISTS))
            .build();
    LabelMatcher matcher = LabelSelectors.fromProto(selector);
    assertThat(matcher.matches(labels("app=web;tier=a;team=x"))).isTrue();
    assertThat(matcher.matches(labels("app=web;tier=a;team=x;env=prod"))).isTrue();
    assertThat(matcher.matches(labels("app=web;tier=a;team=x;env=dev"))).isFalse();
    assertThat(matcher.matches(labels("app=web;tier=c;team=x"))).isFalse();
    assertThat(matcher.matches(labels("app=web;tier=a;team=x;canary=1"))).isFalse();
    assertThat(matcher.matches(labels("app=web;tier=a"))).isFalse();
    assertThat(matcher.matches(labels("tier=a;team=x"))).isFalse();
    assertThat(matcher.toString()).isEqualTo("app=web,tier in (a,b),!canary,env notin (dev),team");
  }

  @Test
  void emptySelectorsMatchEverythingAndNothingMatchesNothing() {
    assertThat(LabelSelectors.fromProto(LabelSelector.getDefaultInstance()).matchesEverything())
        .isTrue();
    assertThat(LabelSelectors.parse("  ").matches(labels("a=b"))).isTrue();
    assertThat(LabelSelectors.fromMap(Map.of()).matches(Map.of())).isTrue();
    assertThat(LabelSelectors.nothing().matches(Map.of())).isFalse();
    assertThat(LabelSelectors.nothing().matchesNothing()).isTrue();
    assertThat(LabelSelectors.everything().matchesEverything()).isTrue();
  }

  @Test
  void fromMapRequiresEveryEntry() {
    LabelMatcher matcher = LabelSelectors.fromMap(Map.of("app", "web", "tier", "fe"));
    assertThat(matcher.matches(labels("app=web;tier=fe;x=y"))).isTrue();
    assertThat(matcher.matches(labels("app=web"))).isFalse();
  }

  @Test
  void reportsEveryBadFieldOfAMessage() {
    LabelSelector selector =
        LabelSelector.newBuilder()
            .putMatchLabels("bad key", "v")
            .putMatchLabels("ok", "-bad")
            .addMatchExpressions(requirement("a", LabelSelectorOperator.LABEL_SELECTOR_OPERATOR_IN))
            .addMatchExpressions(
                requirement("b", LabelSelectorOperator.LABEL_SELECTOR_OPERATOR_EXISTS, "x"))
            .addMatchExpressions(
                requirement("c", LabelSelectorOperator.LABEL_SELECTOR_OPERATOR_UNSPECIFIED))
            .addMatchExpressions(
                requirement("-d", LabelSelectorOperator.LABEL_SELECTOR_OPERATOR_NOT_IN, "x", "y z"))
            .build();
    List<String> fields =
        LabelSelectors.check(selector).stream().map(FieldProblem::field).distinct().toList();
    assertThat(fields)
        .containsExactly(
            "match_labels[bad key]",
            "match_labels[ok]",
            "match_expressions[0].values",
            "match_expressions[1].values",
            "match_expressions[2].operator",
            "match_expressions[3].key",
            "match_expressions[3].values[1]");
    assertThatThrownBy(() -> LabelSelectors.fromProto(selector))
        .isInstanceOfSatisfying(
            SelectorException.class,
            e -> {
              assertThat(e.position()).isEqualTo(-1);
              assertThat(e.problems()).hasSize(LabelSelectors.check(selector).size());
            });
  }

  private static LabelSelectorRequirement requirement(
      String key, LabelSelectorOperator op, String... values) {
    return LabelSelectorRequirement.newBuilder()
        .setKey(key)
        .setOperator(op)
        .addAllValues(List.of(values))
        .build();
  }
}
