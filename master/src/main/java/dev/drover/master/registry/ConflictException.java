package dev.drover.master.registry;

/**
 * A compare-and-swap lost: the object is no longer at the version the write was based on. The
 * caller reads it again and retries.
 */
public final class ConflictException extends RegistryException {
  private static final long serialVersionUID = 1L;

  private final long expectedVersion;
  private final long currentVersion;

  /** The object {@code what} is at {@code current}, not {@code expected}. */
  public ConflictException(String what, long expected, long current) {
    super(
        what
            + " is at resource_version "
            + current
            + ", not "
            + expected
            + "; read it again and retry");
    this.expectedVersion = expected;
    this.currentVersion = current;
  }

  /** A conflict whose current version is not known (a guard of several objects failed). */
  public ConflictException(String message) {
    super(message);
    this.expectedVersion = -1;
    this.currentVersion = -1;
  }

  /** The version the write expected, or -1 when not known. */
  public long expectedVersion() {
    return expectedVersion;
  }

  /** The object's current version, or -1 when not known. */
  public long currentVersion() {
    return currentVersion;
  }
}
