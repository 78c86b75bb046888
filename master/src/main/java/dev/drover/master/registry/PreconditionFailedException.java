package dev.drover.master.registry;

/**
 * The object is not in a state the operation allows: a delete precondition (uid, version) does not
 * hold, a pod is bound already, a namespace is being deleted, ...
 */
public final class PreconditionFailedException extends RegistryException {
  private static final long serialVersionUID = 1L;

  /** Says which state forbids the operation. */
  public PreconditionFailedException(String why) {
    super(why);
  }
}
