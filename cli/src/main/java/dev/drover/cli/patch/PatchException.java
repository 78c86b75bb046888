package dev.drover.cli.patch;

/**
 * A patch that cannot be applied or is malformed; the message names the failing operation and path
 * as the user wrote them, e.g. {@code operation 2 (test) at "/spec/replicas": value is 3, not 2}.
 */
public final class PatchException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  public PatchException(String message) {
    super(message);
  }
}
