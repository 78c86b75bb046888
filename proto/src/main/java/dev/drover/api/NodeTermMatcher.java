package dev.drover.api;

import dev.drover.api.v1.NodeSelectorOperator;
import dev.drover.api.v1.NodeSelectorRequirement;
import dev.drover.api.v1.NodeSelectorTerm;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One compiled node selector term (all requirements ANDed) of a pod's node affinity, with the
 * Kubernetes operators In, NotIn, Exists, DoesNotExist, Gt and Lt on labels and In/NotIn on the
 * field {@code metadata.name}. Compiled once, it matches a node without allocating. Immutable.
 *
 * @see NodeAffinity
 */
public final class NodeTermMatcher {

  private final Requirement[] labelRequirements;
  private final Requirement[] fieldRequirements;

  private NodeTermMatcher(Requirement[] labels, Requirement[] fields) {
    this.labelRequirements = labels;
    this.fieldRequirements = fields;
  }

  /**
   * Compiles {@code term}.
   *
   * @param field where the term is, for error messages
   * @throws IllegalArgumentException naming the field when a requirement cannot be interpreted
   */
  public static NodeTermMatcher compile(String field, NodeSelectorTerm term) {
    return new NodeTermMatcher(
        compileAll(field + ".match_expressions", term.getMatchExpressionsList(), false),
        compileAll(field + ".match_fields", term.getMatchFieldsList(), true));
  }

  /** True if any of {@code terms} matches (terms are ORed; no terms matches nothing). */
  public static boolean anyMatches(
      NodeTermMatcher[] terms, String nodeName, Map<String, String> labels) {
    for (NodeTermMatcher t : terms) {
      if (t.matches(nodeName, labels)) {
        return true;
      }
    }
    return false;
  }

  /** An empty term matches no node, as in Kubernetes. */
  public boolean matches(String nodeName, Map<String, String> labels) {
    if (labelRequirements.length == 0 && fieldRequirements.length == 0) {
      return false;
    }
    for (Requirement r : labelRequirements) {
      if (!r.matches(labels.get(r.key))) {
        return false;
      }
    }
    for (Requirement r : fieldRequirements) {
      if (!r.matches(nodeName)) {
        return false;
      }
    }
    return true;
  }

  private static Requirement[] compileAll(
      String field, List<NodeSelectorRequirement> list, boolean fields) {
    Requirement[] out = new Requirement[list.size()];
    for (int i = 0; i < out.length; i++) {
      NodeSelectorRequirement r = list.get(i);
      String where = field + "[" + i + "]";
      NodeSelectorOperator op = r.getOperator();
      if (fields) {
        if (!"metadata.name".equals(r.getKey())) {
          throw new IllegalArgumentException(
              where
                  + ".key: only the field 'metadata.name' is supported, not '"
                  + r.getKey()
                  + "'");
        }
        if (op != NodeSelectorOperator.NODE_SELECTOR_OPERATOR_IN
            && op != NodeSelectorOperator.NODE_SELECTOR_OPERATOR_NOT_IN) {
          throw new IllegalArgumentException(
              where + ".operator: only In and NotIn are supported for fields");
        }
      }
      long bound = 0;
      switch (op) {
        case NODE_SELECTOR_OPERATOR_IN:
        case NODE_SELECTOR_OPERATOR_NOT_IN:
          if (r.getValuesCount() == 0) {
            throw new IllegalArgumentException(where + ".values: must not be empty for In/NotIn");
          }
          break;
        case NODE_SELECTOR_OPERATOR_EXISTS:
        case NODE_SELECTOR_OPERATOR_DOES_NOT_EXIST:
          if (r.getValuesCount() != 0) {
            throw new IllegalArgumentException(
                where + ".values: must be empty for Exists/DoesNotExist");
          }
          break;
        case NODE_SELECTOR_OPERATOR_GT:
        case NODE_SELECTOR_OPERATOR_LT:
          if (r.getValuesCount() != 1) {
            throw new IllegalArgumentException(where + ".values: Gt/Lt need exactly one integer");
          }
          try {
            bound = Long.parseLong(r.getValues(0));
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                where + ".values[0]: '" + r.getValues(0) + "' is not an integer", e);
          }
          break;
        default:
          throw new IllegalArgumentException(where + ".operator: must be set");
      }
      out[i] = new Requirement(r.getKey(), op, Set.copyOf(r.getValuesList()), bound);
    }
    return out;
  }

  /** One requirement on a label value or the node name. */
  private static final class Requirement {
    final String key;
    final NodeSelectorOperator operator;
    final Set<String> values;
    final long bound;

    Requirement(String key, NodeSelectorOperator operator, Set<String> values, long bound) {
      this.key = key;
      this.operator = operator;
      this.values = values;
      this.bound = bound;
    }

    boolean matches(String value) {
      switch (operator) {
        case NODE_SELECTOR_OPERATOR_IN:
          return value != null && values.contains(value);
        case NODE_SELECTOR_OPERATOR_NOT_IN:
          return value == null || !values.contains(value);
        case NODE_SELECTOR_OPERATOR_EXISTS:
          return value != null;
        case NODE_SELECTOR_OPERATOR_DOES_NOT_EXIST:
          return value == null;
        case NODE_SELECTOR_OPERATOR_GT:
          return value != null && compareInteger(value) > 0;
        case NODE_SELECTOR_OPERATOR_LT:
          return value != null && compareInteger(value) < 0;
        default:
          return false;
      }
    }

    /** Sign of (value - bound); a label that is not an integer compares as "no match" (0). */
    private int compareInteger(String value) {
      long v;
      try {
        v = Long.parseLong(value);
      } catch (NumberFormatException e) {
        return 0;
      }
      return Long.compare(v, bound);
    }
  }
}
