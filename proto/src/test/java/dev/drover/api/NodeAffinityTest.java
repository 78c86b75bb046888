package dev.drover.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.drover.api.v1.Affinity;
import dev.drover.api.v1.Node;
import dev.drover.api.v1.NodeSelector;
import dev.drover.api.v1.NodeSelectorOperator;
import dev.drover.api.v1.NodeSelectorRequirement;
import dev.drover.api.v1.NodeSelectorTerm;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.PodSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Checks node selector and required node affinity matching, and how terms are compiled. */
class NodeAffinityTest {

  private static final Map<String, String> LABELS =
      Map.of("zone", "a", "disk", "ssd", "cores", "8");

  @Test
  void nodeSelectorNeedsEveryKeyWithItsValue() {
    PodSpec spec = PodSpec.newBuilder().putNodeSelector("zone", "a").build();
    assertThat(NodeAffinity.compile(spec).matches("n", LABELS)).isTrue();
    PodSpec both = spec.toBuilder().putNodeSelector("disk", "hdd").build();
    assertThat(NodeAffinity.compile(both).matches("n", LABELS)).isFalse();
    assertThat(NodeAffinity.compile(spec).matches("n", Map.of())).isFalse();
  }

  @Test
  void noSelectionMatchesEveryNode() {
    NodeAffinity none = NodeAffinity.compile(PodSpec.getDefaultInstance());
    assertThat(none.selectsAll()).isTrue();
    assertThat(none.matches("n", Map.of())).isTrue();
    assertThat(NodeAffinity.compile(PodSpec.newBuilder().putNodeSelector("a", "b").build()))
        .returns(false, NodeAffinity::selectsAll);
  }

  @Test
  void requiredTermsAreOredAndRequirementsAnded() {
    PodSpec spec =
        required(
            term(label("zone", NodeSelectorOperator.NODE_SELECTOR_OPERATOR_IN, "b")),
            term(
                label("disk", NodeSelectorOperator.NODE_SELECTOR_OPERATOR_EXISTS),
                label("cores", NodeSelectorOperator.NODE_SELECTOR_OPERATOR_GT, "4")));
    NodeAffinity affinity = NodeAffinity.compile(spec);
    assertThat(affinity.selectsAll()).isFalse();
    assertThat(affinity.matches("n", LABELS)).isTrue();
    assertThat(affinity.matches("n", Map.of("disk", "ssd", "cores", "2"))).isFalse();
    assertThat(affinity.matches("n", Map.of("zone", "b"))).isTrue();
  }

  @Test
  void everyOperatorOnLabels() {
    assertThat(matches(label("zone", NodeSelectorOperator.NODE_SELECTOR_OPERATOR_IN, "a", "b")))
        .isTrue();
    assertThat(matches(label("zone", NodeSelectorOperator.NODE_SELECTOR_OPERATOR_NOT_IN, "a")))
        .isFalse();
    assertThat(matches(label("gpu", NodeSelectorOperator.NODE_SELECTOR_OPERATOR_NOT_IN, "x")))
        .isTrue();
    assertThat(matches(label("gpu", NodeSelectorOperator.NODE_SELECTOR_OPERATOR_EXISTS))).isFalse();
    assertThat(matches(label("gpu", NodeSelectorOperator.NODE_SELECTOR_OPERATOR_DOES_NOT_EXIST)))
        .isTrue();
    assertThat(matches(label("cores", NodeSelectorOperator.NODE_SELECTOR_OPERATOR_LT, "8")))
        .isFalse();
    assertThat(matches(label("cores", NodeSelectorOperator.NODE_SELECTOR_OPERATOR_LT, "9")))
        .isTrue();
    // A label that is not an integer satisfies neither Gt nor Lt.
    assertThat(matches(label("zone", NodeSelectorOperator.NODE_SELECTOR_OPERATOR_GT, "1")))
        .isFalse();
  }

  @Test
  void matchFieldsSelectByNodeName() {
    NodeSelectorRequirement name =
        NodeSelectorRequirement.newBuilder()
            .setKey("metadata.name")
            .setOperator(NodeSelectorOperator.NODE_SELECTOR_OPERATOR_IN)
            .addValues("n1")
            .build();
    PodSpec spec = required(NodeSelectorTerm.newBuilder().addMatchFields(name).build());
    assertThat(NodeAffinity.matchesNode(spec, node("n1"))).isTrue();
    assertThat(NodeAffinity.matchesNode(spec, node("n2"))).isFalse();
  }

  @Test
  void anEmptyTermMatchesNothing() {
    PodSpec spec = required(NodeSelectorTerm.getDefaultInstance());
    assertThat(NodeAffinity.compile(spec).matches("n", LABELS)).isFalse();
  }

  @Test
  void compileNamesTheBadField() {
    PodSpec spec =
        required(
            term(label("zone", NodeSelectorOperator.NODE_SELECTOR_OPERATOR_IN, "a")),
            term(label("cores", NodeSelectorOperator.NODE_SELECTOR_OPERATOR_GT, "many")));
    assertThatThrownBy(() -> NodeAffinity.compile(spec))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(
            "spec.affinity.node_affinity.required_during_scheduling_ignored_during_execution"
                + ".node_selector_terms[1].match_expressions[0].values[0]");
    // A spec that cannot be interpreted matches no node rather than failing its caller.
    assertThat(NodeAffinity.matchesNode(spec, node("n"))).isFalse();
  }

  private static boolean matches(NodeSelectorRequirement r) {
    return NodeAffinity.compile(required(term(r))).matches("n", LABELS);
  }

  private static NodeSelectorRequirement label(
      String key, NodeSelectorOperator op, String... values) {
    return NodeSelectorRequirement.newBuilder()
        .setKey(key)
        .setOperator(op)
        .addAllValues(List.of(values))
        .build();
  }

  private static NodeSelectorTerm term(NodeSelectorRequirement... requirements) {
    return NodeSelectorTerm.newBuilder().addAllMatchExpressions(List.of(requirements)).build();
  }

  private static PodSpec required(NodeSelectorTerm... terms) {
    NodeSelector selector =
        NodeSelector.newBuilder().addAllNodeSelectorTerms(List.of(terms)).build();
    Affinity.Builder affinity = Affinity.newBuilder();
    affinity.getNodeAffinityBuilder().setRequiredDuringSchedulingIgnoredDuringExecution(selector);
    return PodSpec.newBuilder().setAffinity(affinity).build();
  }

  private static Node node(String name) {
    return Node.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName(name).putAllLabels(LABELS))
        .build();
  }
}
