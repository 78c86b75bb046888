package dev.drover.api;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * One requirement of a label selector: a key, an operator and the values it compares with. Values
 * are kept sorted so that equal requirements print and compare equally.
 *
 * @param key the label key
 * @param operator how the label's value relates to {@code values}
 * @param values one value for EQUALS and NOT_EQUALS, at least one for IN and NOT_IN, none for
 *     EXISTS and DOES_NOT_EXIST
 */
public record LabelRequirement(String key, Operator operator, Set<String> values) {

  /** How a label relates to the requirement's values. */
  public enum Operator {
    /** The label is present with the single value ({@code a=b}, {@code a==b}). */
    EQUALS,
    /** The label is absent or has another value ({@code a!=b}). */
    NOT_EQUALS,
    /** The label is present with one of the values ({@code a in (b,c)}). */
    IN,
    /** The label is absent or has none of the values ({@code a notin (b,c)}). */
    NOT_IN,
    /** The label is present ({@code a}). */
    EXISTS,
    /** The label is absent ({@code !a}). */
    DOES_NOT_EXIST
  }

  /** Copies the values into an unmodifiable sorted set. */
  public LabelRequirement {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(operator, "operator");
    values = Collections.unmodifiableSortedSet(new TreeSet<>(values));
  }

  /** Whether a set of labels satisfies this requirement. */
  public boolean matches(Map<String, String> labels) {
    String value = labels.get(key);
    switch (operator) {
      case EQUALS:
      case IN:
        return value != null && values.contains(value);
      case NOT_EQUALS:
      case NOT_IN:
        return value == null || !values.contains(value);
      case EXISTS:
        return value != null;
      case DOES_NOT_EXIST:
        return value == null;
      default:
        throw new IllegalStateException("unknown operator " + operator);
    }
  }

  /** The requirement in selector syntax, e.g. {@code tier in (a,b)}. */
  @Override
  public String toString() {
    switch (operator) {
      case EQUALS:
        return key + "=" + values.iterator().next();
      case NOT_EQUALS:
        return key + "!=" + values.iterator().next();
      case IN:
        return key + " in (" + String.join(",", values) + ")";
      case NOT_IN:
        return key + " notin (" + String.join(",", values) + ")";
      case EXISTS:
        return key;
      case DOES_NOT_EXIST:
        return "!" + key;
      default:
        throw new IllegalStateException("unknown operator " + operator);
    }
  }
}
