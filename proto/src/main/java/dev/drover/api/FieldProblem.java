package dev.drover.api;

import java.util.Objects;

/**
 * One problem found in a part of a message: the field's path relative to the part checked (in proto
 * field names, with list indexes and map keys, e.g. {@code match_expressions[0].values}) and why it
 * is wrong. Validators prefix the path with where the part sits in the object.
 *
 * @param field path of the bad field, relative to the message checked
 * @param reason why the field is wrong
 */
public record FieldProblem(String field, String reason) {

  /** Checks that both parts are present. */
  public FieldProblem {
    Objects.requireNonNull(field, "field");
    Objects.requireNonNull(reason, "reason");
  }

  @Override
  public String toString() {
    return field + ": " + reason;
  }
}
