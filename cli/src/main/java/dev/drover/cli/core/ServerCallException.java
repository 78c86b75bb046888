package dev.drover.cli.core;

import io.grpc.StatusRuntimeException;
import java.util.List;

/**
 * A failed call to the cluster together with the objects it was about (one for most verbs, every
 * applied object, in request order, for apply), so the error can be reported in the user's terms.
 */
public final class ServerCallException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final transient List<Subject> subjects;

  public ServerCallException(StatusRuntimeException cause, List<Subject> subjects) {
    super(cause.getMessage(), cause);
    this.subjects = List.copyOf(subjects);
  }

  public ServerCallException(StatusRuntimeException cause, Subject subject) {
    this(cause, List.of(subject));
  }

  /** The failed call. */
  public StatusRuntimeException status() {
    return (StatusRuntimeException) getCause();
  }

  /** What the call was about. */
  public List<Subject> subjects() {
    return subjects;
  }
}
