package dev.drover.client.manifest;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Thrown when manifests cannot be turned into objects. It carries every error found (not just the
 * first), each with its file, line and field path; the message lists them one per line.
 */
public final class ManifestException extends Exception {

  private static final long serialVersionUID = 1L;

  private final transient List<ManifestProblem> errors;

  /** Creates the exception for a non-empty list of errors. */
  public ManifestException(List<ManifestProblem> errors) {
    super(errors.stream().map(ManifestProblem::toString).collect(Collectors.joining("\n")));
    if (errors.isEmpty()) {
      throw new IllegalArgumentException("a ManifestException needs at least one error");
    }
    this.errors = List.copyOf(errors);
  }

  /** The errors, in the order they occur in the files. */
  public List<ManifestProblem> errors() {
    return errors;
  }
}
