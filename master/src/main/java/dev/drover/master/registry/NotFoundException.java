package dev.drover.master.registry;

/** The object (or the namespace it would live in) does not exist. */
public final class NotFoundException extends RegistryException {
  private static final long serialVersionUID = 1L;

  /** Names what is missing, e.g. {@code pod default/web}. */
  public NotFoundException(String what) {
    super(what + " not found");
  }
}
