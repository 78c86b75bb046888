package dev.drover.master.scheduler;

import dev.drover.api.v1.LabelSelector;
import dev.drover.api.v1.LabelSelectorRequirement;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A label selector compiled once per pod so that matching it against thousands of pods in a
 * scheduling cycle is a few map lookups without allocation.
 */
final class LabelMatcher {

  /** Matches no object: what Kubernetes does for a term or constraint without a selector. */
  static final LabelMatcher NOTHING = new LabelMatcher(new String[0], new String[0], null, false);

  private final String[] equalKeys;
  private final String[] equalValues;
  private final Requirement[] requirements;
  private final boolean matchesAnything;

  private LabelMatcher(
      String[] equalKeys, String[] equalValues, Requirement[] requirements, boolean any) {
    this.equalKeys = equalKeys;
    this.equalValues = equalValues;
    this.requirements = requirements == null ? new Requirement[0] : requirements;
    this.matchesAnything = any;
  }

  /**
   * Compiles {@code selector}; an absent selector ({@code present == false}) matches nothing,
   * an empty one everything, as in Kubernetes.
   */
  static LabelMatcher compile(String field, boolean present, LabelSelector selector) {
    if (!present) {
      return NOTHING;
    }
    int n = selector.getMatchLabelsCount();
    String[] keys = new String[n];
    String[] values = new String[n];
    int i = 0;
    for (Map.Entry<String, String> e : selector.getMatchLabelsMap().entrySet()) {
      keys[i] = e.getKey();
      values[i] = e.getValue();
      i++;
    }
    List<LabelSelectorRequirement> exprs = selector.getMatchExpressionsList();
    Requirement[] reqs = new Requirement[exprs.size()];
    for (int j = 0; j < reqs.length; j++) {
      LabelSelectorRequirement r = exprs.get(j);
      String where = field + ".match_expressions[" + j + "]";
      switch (r.getOperator()) {
        case LABEL_SELECTOR_OPERATOR_IN:
        case LABEL_SELECTOR_OPERATOR_NOT_IN:
          if (r.getValuesCount() == 0) {
            throw new IllegalArgumentException(where + ".values: must not be empty for In/NotIn");
          }
          break;
        case LABEL_SELECTOR_OPERATOR_EXISTS:
        case LABEL_SELECTOR_OPERATOR_DOES_NOT_EXIST:
          if (r.getValuesCount() != 0) {
            throw new IllegalArgumentException(
                where + ".values: must be empty for Exists/DoesNotExist");
          }
          break;
        default:
          throw new IllegalArgumentException(where + ".operator: must be set");
      }
      reqs[j] = new Requirement(r.getKey(), r.getOperator().getNumber(), Set.copyOf(r.getValuesList()));
    }
    return new LabelMatcher(keys, values, reqs, true);
  }

  boolean matches(Map<String, String> labels) {
    if (!matchesAnything) {
      return false;
    }
    for (int i = 0; i < equalKeys.length; i++) {
      if (!equalValues[i].equals(labels.get(equalKeys[i]))) {
        return false;
      }
    }
    for (Requirement r : requirements) {
      if (!r.matches(labels.get(r.key))) {
        return false;
      }
    }
    return true;
  }

  /** One set-based requirement; operator numbers are those of LabelSelectorOperator. */
  private static final class Requirement {
    final String key;
    final int operator;
    final Set<String> values;

    Requirement(String key, int operator, Set<String> values) {
      this.key = key;
      this.operator = operator;
      this.values = new HashSet<>(values);
    }

    boolean matches(String value) {
      switch (operator) {
        case OP_IN:
          return value != null && values.contains(value);
        case OP_NOT_IN:
          return value == null || !values.contains(value);
        case OP_EXISTS:
          return value != null;
        default:
          return value == null;
      }
    }
  }

  private static final int OP_IN = 1;
  private static final int OP_NOT_IN = 2;
  private static final int OP_EXISTS = 3;
}
