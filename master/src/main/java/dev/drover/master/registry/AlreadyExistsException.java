package dev.drover.master.registry;

/** A create named an object that exists already. */
public final class AlreadyExistsException extends RegistryException {
  private static final long serialVersionUID = 1L;

  /** Names the object that exists, e.g. {@code pod default/web}. */
  public AlreadyExistsException(String what) {
    super(what + " already exists");
  }
}
