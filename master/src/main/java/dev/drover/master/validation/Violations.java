package dev.drover.master.validation;

import dev.drover.api.FieldProblem;
import dev.drover.api.Quantity;
import java.util.ArrayList;
import java.util.List;

/** Collects the violations of one validation run; rules add to it and never stop early. */
final class Violations {
  private final List<FieldViolation> list = new ArrayList<>();

  void add(String field, String description) {
    list.add(new FieldViolation(field, description));
  }

  /** Adds one violation per reason a syntax check returned. */
  void addAll(String field, List<String> reasons) {
    for (String reason : reasons) {
      add(field, reason);
    }
  }

  /** Adds problems found in a part of the object, prefixing their relative paths. */
  void addProblems(String prefix, List<FieldProblem> problems) {
    for (FieldProblem p : problems) {
      add(prefix + "." + p.field(), p.reason());
    }
  }

  void required(String field) {
    add(field, "Required value");
  }

  void nonNegative(String field, long value) {
    if (value < 0) {
      add(field, "must be greater than or equal to 0 (got " + value + ")");
    }
  }

  void atLeast(String field, long value, long min) {
    if (value < min) {
      add(field, "must be greater than or equal to " + min + " (got " + value + ")");
    }
  }

  void port(String field, long value) {
    if (value < 1 || value > 65535) {
      add(field, "must be between 1 and 65535, inclusive (got " + value + ")");
    }
  }

  /** Parses a quantity, reporting why it is not one; returns null when it is not. */
  Quantity quantity(String field, String text) {
    try {
      return Quantity.parseWithinLimits(text);
    } catch (Quantity.QuantityFormatException e) {
      add(field, "invalid quantity \"" + text + "\": " + e.reason());
      return null;
    }
  }

  /** Parses a quantity that must not be negative; returns null when it is not valid. */
  Quantity nonNegativeQuantity(String field, String text) {
    Quantity q = quantity(field, text);
    if (q != null && q.signum() < 0) {
      add(field, "must be greater than or equal to 0 (got " + text + ")");
      return null;
    }
    return q;
  }

  /** Reports {@code field} as immutable when {@code changed}. */
  void immutable(boolean changed, String field) {
    if (changed) {
      add(field, "Invalid value: field is immutable");
    }
  }

  List<FieldViolation> list() {
    return List.copyOf(list);
  }
}
