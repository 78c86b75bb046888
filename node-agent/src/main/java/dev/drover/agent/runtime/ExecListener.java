package dev.drover.agent.runtime;

/**
 * Receives what an attached command prints and how it ends, on a runtime thread. Exactly one of
 * {@link #exited} and {@link #failed} is called, last.
 */
public interface ExecListener {

  /** Output of the command; {@code stderr} tells which stream (always false on a terminal). */
  void output(byte[] data, boolean stderr);

  /** The command exited with this code. */
  void exited(int code);

  /** The command could not run, or the runtime lost it. */
  void failed(Throwable error);
}
