package dev.drover.master.controller;

import dev.drover.api.LabelMatcher;
import dev.drover.api.LabelSelectors;
import dev.drover.api.SelectorException;
import dev.drover.api.v1.LabelSelector;
import java.util.Map;

/**
 * Matches the structured label selectors of controller specs against labels, through the API's
 * {@link LabelSelectors}. An empty selector matches everything, as in the API; a selector that is
 * not valid (the server rejects those on write) matches nothing, so that a controller never acts on
 * pods it cannot tell are its own.
 */
public final class Selectors {
  private Selectors() {}

  /** A matcher for the selector; null matches everything, an invalid one nothing. */
  public static LabelMatcher matcher(LabelSelector selector) {
    if (selector == null) {
      return LabelSelectors.everything();
    }
    try {
      return LabelSelectors.fromProto(selector);
    } catch (SelectorException e) {
      return LabelSelectors.nothing();
    }
  }

  /** True when the labels satisfy every requirement of the selector. */
  public static boolean matches(LabelSelector selector, Map<String, String> labels) {
    return matcher(selector).matches(labels);
  }

  /** True when the selector has no requirement (and so matches everything). */
  public static boolean isEmpty(LabelSelector selector) {
    return selector == null
        || (selector.getMatchLabelsCount() == 0 && selector.getMatchExpressionsCount() == 0);
  }
}
