package dev.drover.api;

import dev.drover.api.v1.LabelSelector;
import dev.drover.api.v1.LabelSelectorOperator;
import dev.drover.api.v1.LabelSelectorRequirement;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A parsed label selector: a conjunction of {@link LabelRequirement}s. Build one with {@link
 * LabelSelectors}; it is immutable and safe to share between threads.
 */
public final class LabelMatcher {
  private static final LabelMatcher EVERYTHING = new LabelMatcher(List.of(), false);
  private static final LabelMatcher NOTHING = new LabelMatcher(List.of(), true);

  private final List<LabelRequirement> requirements;
  private final boolean nothing;

  private LabelMatcher(List<LabelRequirement> requirements, boolean nothing) {
    this.requirements = List.copyOf(requirements);
    this.nothing = nothing;
  }

  static LabelMatcher of(List<LabelRequirement> requirements) {
    return requirements.isEmpty() ? EVERYTHING : new LabelMatcher(requirements, false);
  }

  static LabelMatcher everything() {
    return EVERYTHING;
  }

  static LabelMatcher nothing() {
    return NOTHING;
  }

  /** Whether every requirement holds for {@code labels}. */
  public boolean matches(Map<String, String> labels) {
    if (nothing) {
      return false;
    }
    for (LabelRequirement requirement : requirements) {
      if (!requirement.matches(labels)) {
        return false;
      }
    }
    return true;
  }

  /** The requirements, in the order they were given. */
  public List<LabelRequirement> requirements() {
    return requirements;
  }

  /** Whether this selector matches every set of labels (no requirements). */
  public boolean matchesEverything() {
    return !nothing && requirements.isEmpty();
  }

  /** Whether this selector matches no set of labels (Kubernetes' absent selector). */
  public boolean matchesNothing() {
    return nothing;
  }

  /**
   * The selector as a {@code LabelSelector} message: equality requirements become match_labels when
   * their key has no other equality requirement, the rest match_expressions. NOT_EQUALS becomes
   * NotIn with one value, which means the same.
   *
   * @throws IllegalStateException for the "nothing" selector, which a message cannot express
   */
  public LabelSelector toProto() {
    if (nothing) {
      throw new IllegalStateException("the match-nothing selector has no LabelSelector form");
    }
    LabelSelector.Builder builder = LabelSelector.newBuilder();
    for (LabelRequirement r : requirements) {
      LabelSelectorOperator op;
      switch (r.operator()) {
        case EQUALS:
          if (!builder.containsMatchLabels(r.key())) {
            builder.putMatchLabels(r.key(), r.values().iterator().next());
            continue;
          }
          op = LabelSelectorOperator.LABEL_SELECTOR_OPERATOR_IN;
          break;
        case IN:
          op = LabelSelectorOperator.LABEL_SELECTOR_OPERATOR_IN;
          break;
        case NOT_EQUALS:
        case NOT_IN:
          op = LabelSelectorOperator.LABEL_SELECTOR_OPERATOR_NOT_IN;
          break;
        case EXISTS:
          op = LabelSelectorOperator.LABEL_SELECTOR_OPERATOR_EXISTS;
          break;
        case DOES_NOT_EXIST:
          op = LabelSelectorOperator.LABEL_SELECTOR_OPERATOR_DOES_NOT_EXIST;
          break;
        default:
          throw new IllegalStateException("unknown operator " + r.operator());
      }
      builder.addMatchExpressions(
          LabelSelectorRequirement.newBuilder()
              .setKey(r.key())
              .setOperator(op)
              .addAllValues(r.values()));
    }
    return builder.build();
  }

  /** The selector in Kubernetes string syntax; parsing it gives an equal matcher. */
  @Override
  public String toString() {
    if (nothing) {
      return "<nothing>";
    }
    return requirements.stream().map(LabelRequirement::toString).collect(Collectors.joining(","));
  }

  @Override
  public boolean equals(java.lang.Object o) {
    return o instanceof LabelMatcher
        && ((LabelMatcher) o).nothing == nothing
        && ((LabelMatcher) o).requirements.equals(requirements);
  }

  @Override
  public int hashCode() {
    return requirements.hashCode() * 31 + (nothing ? 1 : 0);
  }
}
