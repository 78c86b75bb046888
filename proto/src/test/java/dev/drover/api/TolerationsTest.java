package dev.drover.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.api.v1.Taint;
import dev.drover.api.v1.TaintEffect;
import dev.drover.api.v1.Toleration;
import dev.drover.api.v1.TolerationOperator;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Checks Kubernetes' toleration rules: operator, empty key, effect and toleration seconds. */
class TolerationsTest {

  private static final TaintEffect NO_SCHEDULE = TaintEffect.TAINT_EFFECT_NO_SCHEDULE;
  private static final TaintEffect NO_EXECUTE = TaintEffect.TAINT_EFFECT_NO_EXECUTE;
  private static final TaintEffect PREFER = TaintEffect.TAINT_EFFECT_PREFER_NO_SCHEDULE;

  @ParameterizedTest(name = "{0} {1}={2} ({3}) vs taint {4}={5} ({6}) -> {7}")
  @CsvSource(
      delimiter = '|',
      nullValues = "-",
      value = {
        // operator Equal: key and value must both match
        "EQUAL  | k | v  | -          | k  | v  | NO_SCHEDULE | true",
        "EQUAL  | k | v  | -          | k  | w  | NO_SCHEDULE | false",
        "EQUAL  | k | v  | -          | k2 | v  | NO_SCHEDULE | false",
        // the default operator is Equal
        "-      | k | v  | -          | k  | v  | NO_SCHEDULE | true",
        "-      | k | v  | -          | k  | w  | NO_SCHEDULE | false",
        // Equal with an empty key only matches a taint with an empty key
        "EQUAL  |   |    | -          | k  |    | NO_SCHEDULE | false",
        // operator Exists: any value of the key
        "EXISTS | k |    | -          | k  | v  | NO_SCHEDULE | true",
        "EXISTS | k |    | -          | k2 | v  | NO_SCHEDULE | false",
        // Exists with an empty key matches every taint
        "EXISTS |   |    | -          | k  | v  | NO_EXECUTE  | true",
        // an effect on the toleration must be the taint's
        "EXISTS | k |    | NO_EXECUTE | k  | v  | NO_SCHEDULE | false",
        "EXISTS | k |    | NO_EXECUTE | k  | v  | NO_EXECUTE  | true",
        "EQUAL  | k | v  | PREFER     | k  | v  | PREFER      | true",
        "EQUAL  | k | v  | PREFER     | k  | v  | NO_SCHEDULE | false",
      })
  void matchesByKubernetesRules(
      String operator,
      String key,
      String value,
      String effect,
      String taintKey,
      String taintValue,
      String taintEffect,
      boolean expected) {
    Toleration.Builder t = Toleration.newBuilder().setKey(orEmpty(key)).setValue(orEmpty(value));
    if (operator != null) {
      t.setOperator(TolerationOperator.valueOf("TOLERATION_OPERATOR_" + operator));
    }
    if (effect != null) {
      t.setEffect(effect(effect));
    }
    Taint taint =
        Taint.newBuilder()
            .setKey(orEmpty(taintKey))
            .setValue(orEmpty(taintValue))
            .setEffect(effect(taintEffect))
            .build();
    assertThat(Tolerations.tolerates(t.build(), taint)).isEqualTo(expected);
    assertThat(Tolerations.anyTolerates(List.of(t.build()), taint)).isEqualTo(expected);
  }

  @Test
  void firstMatchingPicksTheFirstInListOrder() {
    Toleration other = exists("other", null);
    Toleration first = exists("k", NO_EXECUTE).toBuilder().setTolerationSeconds(10).build();
    Toleration second = exists("", null);
    Taint taint = taint("k", NO_EXECUTE);
    assertThat(Tolerations.firstMatching(List.of(other, first, second), taint)).contains(first);
    assertThat(Tolerations.firstMatching(List.of(other), taint)).isEmpty();
  }

  @Test
  void firstUntoleratedReturnsTheFirstTaintNoTolerationMatches() {
    Taint a = taint("a", NO_SCHEDULE);
    Taint b = taint("b", NO_SCHEDULE);
    Taint c = taint("c", NO_EXECUTE);
    assertThat(Tolerations.firstUntolerated(List.of(exists("a", null)), new Taint[] {a, b, c}))
        .isEqualTo(b);
    assertThat(Tolerations.firstUntolerated(List.of(exists("", null)), new Taint[] {a, b, c}))
        .isNull();
  }

  @Test
  void schedulingIgnoresPreferNoScheduleTaints() {
    List<Taint> taints = List.of(taint("soft", PREFER), taint("hard", NO_SCHEDULE));
    assertThat(Tolerations.toleratesScheduling(List.of(exists("hard", null)), taints)).isTrue();
    assertThat(Tolerations.toleratesScheduling(List.of(exists("soft", null)), taints)).isFalse();
    assertThat(
            Tolerations.toleratesScheduling(
                List.of(), List.of(taint("x", NO_EXECUTE), taint("y", PREFER))))
        .isFalse();
    assertThat(Tolerations.toleratesScheduling(List.of(), List.of(taint("y", PREFER)))).isTrue();
  }

  @Test
  void tolerationTimeIsForeverWithoutSecondsAndNeverNegative() {
    Toleration forever = exists("k", NO_EXECUTE);
    assertThat(Tolerations.tolerationTime(forever)).isEmpty();
    assertThat(Tolerations.tolerationTime(forever.toBuilder().setTolerationSeconds(300).build()))
        .contains(Duration.ofSeconds(300));
    assertThat(Tolerations.tolerationTime(forever.toBuilder().setTolerationSeconds(0).build()))
        .contains(Duration.ZERO);
    assertThat(Tolerations.tolerationTime(forever.toBuilder().setTolerationSeconds(-5).build()))
        .contains(Duration.ZERO);
  }

  private static Toleration exists(String key, TaintEffect effect) {
    Toleration.Builder t =
        Toleration.newBuilder()
            .setKey(key)
            .setOperator(TolerationOperator.TOLERATION_OPERATOR_EXISTS);
    if (effect != null) {
      t.setEffect(effect);
    }
    return t.build();
  }

  private static Taint taint(String key, TaintEffect effect) {
    return Taint.newBuilder().setKey(key).setEffect(effect).build();
  }

  private static TaintEffect effect(String name) {
    return TaintEffect.valueOf(
        "TAINT_EFFECT_" + (name.equals("PREFER") ? "PREFER_NO_SCHEDULE" : name));
  }

  private static String orEmpty(String s) {
    return s == null ? "" : s;
  }
}
