package dev.drover.agent.runtime;

/**
 * A command started by {@link ContainerRuntime#attach}: its input side. Closing the session
 * detaches from the command (on a terminal the command's session gets a hang-up).
 */
public interface ExecSession extends AutoCloseable {

  /** Sends bytes to the command's standard input (ignored when stdin is not attached). */
  void stdin(byte[] data);

  /** Ends the command's standard input. */
  void closeStdin();

  /** Resizes the command's terminal (ignored without one). */
  void resize(int width, int height);

  /** Detaches from the command. */
  @Override
  void close();
}
