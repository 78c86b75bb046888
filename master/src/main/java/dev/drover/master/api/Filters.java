package dev.drover.master.api;

import dev.drover.api.FieldSelectors;
import dev.drover.api.LabelMatcher;
import dev.drover.api.LabelSelectors;
import dev.drover.api.SelectorException;
import dev.drover.api.v1.Kind;
import dev.drover.master.cache.ObjectFilter;

/**
 * Turns the selector strings of List and Watch requests into object filters (which the watch cache
 * tests against metadata it has already read).
 */
public final class Filters {
  private Filters() {}

  /**
   * A filter for label and field selectors in Kubernetes syntax; INVALID_ARGUMENT naming {@code
   * label_selector} or {@code field_selector} (and the position) when one does not parse or names a
   * field the kind does not support.
   */
  public static ObjectFilter of(Kind kind, String labelSelector, String fieldSelector) {
    LabelMatcher labels;
    FieldSelectors.FieldMatcher fields;
    try {
      labels = LabelSelectors.parse(labelSelector);
    } catch (SelectorException e) {
      throw ApiErrors.invalid("label_selector", e.getMessage());
    }
    try {
      fields = FieldSelectors.parse(kind, fieldSelector);
    } catch (SelectorException e) {
      throw ApiErrors.invalid("field_selector", e.getMessage());
    }
    if (labels.matchesEverything() && fields.matchesEverything()) {
      return ObjectFilter.ALL;
    }
    return (o, meta) -> labels.matches(meta.getLabelsMap()) && fields.matches(o);
  }
}
