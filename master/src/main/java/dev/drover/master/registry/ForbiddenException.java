package dev.drover.master.registry;

/**
 * The operation is refused whatever the caller's rights, because of the state of the object it
 * lands in: as Kubernetes forbids new content in a namespace that is being terminated.
 */
public final class ForbiddenException extends RegistryException {
  private static final long serialVersionUID = 1L;

  /** Says what forbids the operation. */
  public ForbiddenException(String why) {
    super(why);
  }
}
