package dev.drover.master.controller;

/**
 * A write through {@link ObjectWriter} that did not happen. The reason tells the controller whether
 * to re-read and retry (conflict), to treat the object as gone (not found) or to report a problem
 * (invalid, unavailable).
 */
public final class WriteException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why the write failed; maps onto the API's gRPC status codes. */
  public enum Reason {
    /** The expected resource_version is not the current one (ABORTED). */
    CONFLICT,
    /** The object does not exist (NOT_FOUND). */
    NOT_FOUND,
    /** An object of that name exists already (ALREADY_EXISTS). */
    ALREADY_EXISTS,
    /** A delete precondition (uid, version) does not hold (FAILED_PRECONDITION). */
    PRECONDITION_FAILED,
    /** The object was rejected by validation (INVALID_ARGUMENT). */
    INVALID,
    /** The store could not be reached (UNAVAILABLE, DEADLINE_EXCEEDED). */
    UNAVAILABLE
  }

  private final Reason reason;

  /** Creates an exception with a reason and a message naming the object. */
  public WriteException(Reason reason, String message) {
    super(reason + ": " + message);
    this.reason = reason;
  }

  /** Creates an exception with a reason, a message and a cause. */
  public WriteException(Reason reason, String message, Throwable cause) {
    super(reason + ": " + message, cause);
    this.reason = reason;
  }

  /** Why the write failed. */
  public Reason reason() {
    return reason;
  }

  /** True when the object is gone (or was replaced by another of the same name and a new uid). */
  public boolean isGone() {
    return reason == Reason.NOT_FOUND || reason == Reason.PRECONDITION_FAILED;
  }
}
