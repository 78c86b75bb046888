package dev.drover.master.cache;

/**
 * A resource_version or continue token refers to history the cache no longer keeps; the caller must
 * list again (the 410 Gone of Kubernetes).
 */
public final class ExpiredException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** An expiry with an explanation. */
  public ExpiredException(String message) {
    super(message);
  }
}
