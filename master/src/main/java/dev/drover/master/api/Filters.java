package dev.drover.master.api;

import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Object;
import java.util.function.Predicate;

/** Turns the selector strings of List and Watch requests into object filters. */
public final class Filters {
  private Filters() {}

  /**
   * A filter for label and field selectors in Kubernetes syntax; INVALID_ARGUMENT naming
   * {@code label_selector} or {@code field_selector} when one does not parse.
   */
  public static Predicate<Object> of(Kind kind, String labelSelector, String fieldSelector) {
    if (labelSelector.isEmpty() && fieldSelector.isEmpty()) {
      return o -> true;
    }
    throw ApiErrors.invalid("label_selector", "selectors arrive with the selector library");
  }
}
