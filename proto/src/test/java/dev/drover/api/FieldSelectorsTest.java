package dev.drover.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.drover.api.FieldSelectors.Field;
import dev.drover.api.FieldSelectors.FieldMatcher;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Node;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodPhase;
import dev.drover.api.v1.PodSpec;
import dev.drover.api.v1.PodStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Checks field selector parsing and matching over the supported fields. */
class FieldSelectorsTest {

  private static final Object BOUND_RUNNING =
      pod("default", "web-1", "n1", PodPhase.POD_PHASE_RUNNING);
  private static final Object PENDING = pod("prod", "web-2", "", PodPhase.POD_PHASE_PENDING);
  private static final Object NODE =
      Kinds.wrap(Node.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("n1")).build());

  private static Object pod(String namespace, String name, String node, PodPhase phase) {
    return Kinds.wrap(
        Pod.newBuilder()
            .setMetadata(ObjectMeta.newBuilder().setNamespace(namespace).setName(name))
            .setSpec(PodSpec.newBuilder().setNodeName(node))
            .setStatus(PodStatus.newBuilder().setPhase(phase))
            .build());
  }

  @ParameterizedTest(name = "\"{0}\" -> running {1}, pending {2}, node {3}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "\"\" | true | true | true",
        "metadata.name=web-1 | true | false | false",
        "metadata.name==web-1 | true | false | false",
        "metadata.name!=web-1 | false | true | true",
        "metadata.namespace=prod | false | true | false",
        "metadata.namespace= | false | false | true",
        "spec.node_name!= | true | false | false",
        "spec.node_name= | false | true | true",
        "spec.nodeName=n1 | true | false | false",
        "status.phase=Running | true | false | false",
        "status.phase!=Running | false | true | true",
        "status.phase=Pending,metadata.namespace=prod | false | true | false",
        "metadata.name=web-1,status.phase=Pending | false | false | false",
        "\" metadata.name = web-1 \" | true | false | false",
        "metadata.name=web-1, | true | false | false",
        "metadata.name=n1 | false | false | true",
      })
  void matches(String selector, boolean running, boolean pending, boolean node) {
    FieldMatcher matcher = FieldSelectors.parse(selector);
    assertThat(matcher.matches(BOUND_RUNNING)).as("running pod").isEqualTo(running);
    assertThat(matcher.matches(PENDING)).as("pending pod").isEqualTo(pending);
    assertThat(matcher.matches(NODE)).as("node").isEqualTo(node);
    FieldMatcher reparsed = FieldSelectors.parse(matcher.toString());
    assertThat(reparsed.terms()).isEqualTo(matcher.terms());
  }

  @ParameterizedTest(name = "\"{0}\" fails at {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "foo=bar | 0 | unknown field 'foo'",
        "metadata.name | 0 | expected a term",
        "metadata.name=a,spec.x=1 | 16 | unknown field 'spec.x'",
        "metadata.labels=a | 0 | unknown field",
        "status.phase=Runnin | 13 | unknown pod phase 'Runnin'",
        "metadata.name=a=b | 15 | unescaped '='",
        "metadata.name=a!b | 15 | unescaped '!'",
        "metadata.name=a\\x | 15 | invalid escape",
        "metadata.name=a\\ | 15 | must be followed",
      })
  void rejectsWithPosition(String selector, int position, String reason) {
    SelectorAssertions.assertFailsAt(() -> FieldSelectors.parse(selector), position, reason);
  }

  @Test
  void podFieldsAreRejectedForOtherKinds() {
    assertThat(FieldSelectors.parse(Kind.KIND_POD, "spec.node_name=n1").terms()).hasSize(1);
    assertThatThrownBy(
            () -> FieldSelectors.parse(Kind.KIND_NODE, "metadata.name=a,spec.node_name=n1"))
        .isInstanceOfSatisfying(
            SelectorException.class,
            e -> {
              assertThat(e.position()).isEqualTo(16);
              assertThat(e.reason()).contains("only supported for pods, not Node");
            });
    assertThat(FieldSelectors.parse(Kind.KIND_NODE, "metadata.name=a").matches(NODE)).isFalse();
  }

  @Test
  void escapesAndRequiredValues() {
    FieldMatcher matcher = FieldSelectors.parse("metadata.name=a\\,b,spec.node_name=n1");
    assertThat(matcher.terms().get(0).value()).isEqualTo("a,b");
    assertThat(matcher.requiredValue(Field.SPEC_NODE_NAME)).contains("n1");
    assertThat(matcher.requiredValue(Field.STATUS_PHASE)).isEmpty();
    assertThat(matcher.toString()).isEqualTo("metadata.name=a\\,b,spec.node_name=n1");
    assertThat(FieldSelectors.parse("spec.node_name!=n1").requiredValue(Field.SPEC_NODE_NAME))
        .isEmpty();
    assertThat(FieldSelectors.parse("").matchesEverything()).isTrue();
  }

  @Test
  void phaseNames() {
    assertThat(FieldSelectors.phaseName(PodPhase.POD_PHASE_SUCCEEDED)).isEqualTo("Succeeded");
    assertThat(FieldSelectors.phaseName(PodPhase.POD_PHASE_UNSPECIFIED)).isEmpty();
  }
}
