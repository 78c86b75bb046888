package dev.drover.master.registry;

import com.google.rpc.BadRequest.FieldViolation;
import java.util.List;
import java.util.stream.Collectors;

/** The object, or the request about it, breaks rules; one violation per bad field. */
public final class InvalidObjectException extends RegistryException {
  private static final long serialVersionUID = 1L;

  private final transient List<FieldViolation> violations;

  /** Every problem found, each naming its field by path from the object's root. */
  public InvalidObjectException(List<FieldViolation> violations) {
    super(
        "invalid request: "
            + violations.stream()
                .map(v -> v.getField() + ": " + v.getDescription())
                .collect(Collectors.joining("; ")));
    this.violations = List.copyOf(violations);
  }

  /** One bad field. */
  public InvalidObjectException(String field, String why) {
    this(List.of(violation(field, why)));
  }

  /** The violations, in the order found. */
  public List<FieldViolation> violations() {
    return violations;
  }

  /** One field violation. */
  public static FieldViolation violation(String field, String why) {
    return FieldViolation.newBuilder().setField(field).setDescription(why).build();
  }
}
