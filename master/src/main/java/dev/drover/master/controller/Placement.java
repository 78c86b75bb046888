package dev.drover.master.controller;

import dev.drover.api.v1.Node;
import dev.drover.api.v1.NodeSelector;
import dev.drover.api.v1.NodeSelectorRequirement;
import dev.drover.api.v1.NodeSelectorTerm;
import dev.drover.api.v1.PodSpec;
import dev.drover.api.v1.Taint;
import dev.drover.api.v1.TaintEffect;
import dev.drover.api.v1.Toleration;
import dev.drover.api.v1.TolerationOperator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Placement rules controllers evaluate themselves: node selectors, required node affinity and
 * taints against tolerations (the DaemonSet controller decides where its pods belong; the node
 * lifecycle controller decides which pods a NoExecute taint evicts).
 */
public final class Placement {
  private Placement() {}

  /** True when the toleration matches the taint (key, value by operator, effect). */
  public static boolean tolerates(Toleration toleration, Taint taint) {
    if (toleration.getEffect() != TaintEffect.TAINT_EFFECT_UNSPECIFIED
        && toleration.getEffect() != taint.getEffect()) {
      return false;
    }
    if (toleration.getOperator() == TolerationOperator.TOLERATION_OPERATOR_EXISTS) {
      return toleration.getKey().isEmpty() || toleration.getKey().equals(taint.getKey());
    }
    return toleration.getKey().equals(taint.getKey())
        && toleration.getValue().equals(taint.getValue());
  }

  /** The first toleration in the list matching the taint, if any. */
  public static Optional<Toleration> matching(List<Toleration> tolerations, Taint taint) {
    return tolerations.stream().filter(t -> tolerates(t, taint)).findFirst();
  }

  /** True when every NoSchedule and NoExecute taint of the node is tolerated. */
  public static boolean toleratesNode(List<Toleration> tolerations, Node node) {
    for (Taint taint : node.getSpec().getTaintsList()) {
      boolean repels =
          taint.getEffect() == TaintEffect.TAINT_EFFECT_NO_SCHEDULE
              || taint.getEffect() == TaintEffect.TAINT_EFFECT_NO_EXECUTE;
      if (repels && matching(tolerations, taint).isEmpty()) {
        return false;
      }
    }
    return true;
  }

  /** True when the node satisfies the pod's node selector and required node affinity. */
  public static boolean matchesNode(PodSpec spec, Node node) {
    Map<String, String> labels = node.getMetadata().getLabelsMap();
    for (Map.Entry<String, String> e : spec.getNodeSelectorMap().entrySet()) {
      if (!e.getValue().equals(labels.get(e.getKey()))) {
        return false;
      }
    }
    NodeSelector required =
        spec.getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution();
    if (required.getNodeSelectorTermsCount() == 0) {
      return true;
    }
    for (NodeSelectorTerm term : required.getNodeSelectorTermsList()) {
      if (termMatches(term, node)) {
        return true;
      }
    }
    return false;
  }

  private static boolean termMatches(NodeSelectorTerm term, Node node) {
    if (term.getMatchExpressionsCount() == 0 && term.getMatchFieldsCount() == 0) {
      return false;
    }
    for (NodeSelectorRequirement r : term.getMatchExpressionsList()) {
      if (!requirementMatches(r, node.getMetadata().getLabelsMap().get(r.getKey()))) {
        return false;
      }
    }
    for (NodeSelectorRequirement r : term.getMatchFieldsList()) {
      String value = "metadata.name".equals(r.getKey()) ? node.getMetadata().getName() : null;
      if (!requirementMatches(r, value)) {
        return false;
      }
    }
    return true;
  }

  private static boolean requirementMatches(NodeSelectorRequirement r, String value) {
    return switch (r.getOperator()) {
      case NODE_SELECTOR_OPERATOR_IN -> value != null && r.getValuesList().contains(value);
      case NODE_SELECTOR_OPERATOR_NOT_IN -> value == null || !r.getValuesList().contains(value);
      case NODE_SELECTOR_OPERATOR_EXISTS -> value != null;
      case NODE_SELECTOR_OPERATOR_DOES_NOT_EXIST -> value == null;
      case NODE_SELECTOR_OPERATOR_GT, NODE_SELECTOR_OPERATOR_LT -> compare(r, value);
      default -> false;
    };
  }

  private static boolean compare(NodeSelectorRequirement r, String value) {
    if (value == null || r.getValuesCount() != 1) {
      return false;
    }
    try {
      long actual = Long.parseLong(value);
      long bound = Long.parseLong(r.getValues(0));
      return r.getOperator() == dev.drover.api.v1.NodeSelectorOperator.NODE_SELECTOR_OPERATOR_GT
          ? actual > bound
          : actual < bound;
    } catch (NumberFormatException e) {
      return false;
    }
  }
}
