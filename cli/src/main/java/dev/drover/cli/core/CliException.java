package dev.drover.cli.core;

/**
 * An error the CLI reports to the user as one {@code error: ...} line (exit code 1): a condition
 * that is neither a usage mistake nor a failure answered by the cluster.
 */
public final class CliException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public CliException(String message) {
    super(message);
  }

  public CliException(String message, Throwable cause) {
    super(message, cause);
  }
}
