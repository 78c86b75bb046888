package dev.drover.master.registry;

/**
 * A registry operation that did not happen, for a reason the caller can act on. The subclasses are
 * the registry's whole failure vocabulary; the API maps each to its gRPC code in one place, so the
 * registry itself never speaks gRPC.
 */
public abstract class RegistryException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** An exception with a message meant for the user. */
  protected RegistryException(String message) {
    super(message);
  }

  /** An exception with a message meant for the user and what caused it. */
  protected RegistryException(String message, Throwable cause) {
    super(message, cause);
  }
}
