package dev.drover.api;

import java.util.List;

/**
 * Thrown when a label or field selector is malformed. A selector string's error carries the
 * zero-based position of the offending token; a {@code LabelSelector} message's error carries the
 * problems by field path instead (position -1).
 */
public final class SelectorException extends IllegalArgumentException {
  private final int position;
  private final String reason;
  private final List<FieldProblem> problems;

  /** An error in a selector string at {@code position}. */
  SelectorException(String selector, int position, String reason) {
    super("invalid selector \"" + selector + "\" at position " + position + ": " + reason);
    this.position = position;
    this.reason = reason;
    this.problems = List.of();
  }

  /** Errors in a selector message, one per bad field. */
  SelectorException(List<FieldProblem> problems) {
    super("invalid selector: " + problems);
    this.position = -1;
    this.reason = problems.toString();
    this.problems = List.copyOf(problems);
  }

  /** Zero-based position of the offending token in the selector string, or -1. */
  public int position() {
    return position;
  }

  /** Why the selector is wrong, without the selector text. */
  public String reason() {
    return reason;
  }

  /** For a selector message: every bad field; empty for selector strings. */
  public List<FieldProblem> problems() {
    return problems;
  }
}
