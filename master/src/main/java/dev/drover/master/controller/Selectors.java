package dev.drover.master.controller;

import dev.drover.api.v1.LabelSelector;
import dev.drover.api.v1.LabelSelectorRequirement;
import java.util.Map;

/**
 * Matches structured label selectors (the {@code LabelSelector} message of controller specs)
 * against labels. An empty selector matches everything, as in the API.
 */
public final class Selectors {
  private Selectors() {}

  /** True when the labels satisfy every requirement of the selector. */
  public static boolean matches(LabelSelector selector, Map<String, String> labels) {
    if (selector == null) {
      return true;
    }
    for (Map.Entry<String, String> entry : selector.getMatchLabelsMap().entrySet()) {
      if (!entry.getValue().equals(labels.get(entry.getKey()))) {
        return false;
      }
    }
    for (LabelSelectorRequirement requirement : selector.getMatchExpressionsList()) {
      String value = labels.get(requirement.getKey());
      boolean ok =
          switch (requirement.getOperator()) {
            case LABEL_SELECTOR_OPERATOR_IN ->
                value != null && requirement.getValuesList().contains(value);
            case LABEL_SELECTOR_OPERATOR_NOT_IN ->
                value == null || !requirement.getValuesList().contains(value);
            case LABEL_SELECTOR_OPERATOR_EXISTS -> value != null;
            case LABEL_SELECTOR_OPERATOR_DOES_NOT_EXIST -> value == null;
            default -> false;
          };
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** True when the selector has no requirement (and so matches everything). */
  public static boolean isEmpty(LabelSelector selector) {
    return selector == null
        || (selector.getMatchLabelsCount() == 0 && selector.getMatchExpressionsCount() == 0);
  }
}
