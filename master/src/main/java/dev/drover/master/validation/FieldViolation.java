package dev.drover.master.validation;

import java.util.Objects;

/**
 * One bad field of an object: its path in proto field names with list indexes and map keys,
 * relative to the object (e.g. {@code spec.containers[0].image}, {@code
 * metadata.labels[app.kubernetes.io/name]}; an empty path means the whole object), and why it is
 * wrong.
 *
 * @param field path of the bad field
 * @param description why it is wrong, in words a user can act on
 */
public record FieldViolation(String field, String description) {

  /** Checks that both parts are present. */
  public FieldViolation {
    Objects.requireNonNull(field, "field");
    Objects.requireNonNull(description, "description");
  }

  @Override
  public String toString() {
    return (field.isEmpty() ? "(object)" : field) + ": " + description;
  }
}
