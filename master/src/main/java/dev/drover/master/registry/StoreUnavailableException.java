package dev.drover.master.registry;

/**
 * The key-value store underneath did not serve the call: it has no leader, did not answer in time,
 * no longer holds the revision asked for, or returned something unreadable. {@link #reason()} tells
 * which, so the API can answer with the matching code.
 */
public final class StoreUnavailableException extends RegistryException {
  private static final long serialVersionUID = 1L;

  /** Why the store call failed. */
  public enum Reason {
    /** No leader, or the store cannot be reached. */
    UNAVAILABLE,
    /** The store did not answer within the call's timeout. */
    TIMEOUT,
    /** The waiting thread was interrupted. */
    INTERRUPTED,
    /** The revision asked for was compacted away. */
    COMPACTED,
    /** The revision asked for is not reached yet. */
    FUTURE_REVISION,
    /** Anything else: a corrupt value, a store bug. */
    INTERNAL
  }

  private final Reason reason;

  /** A failure for {@code reason}, described for the user. */
  public StoreUnavailableException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  /** Why the store call failed. */
  public Reason reason() {
    return reason;
  }
}
