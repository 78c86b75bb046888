package dev.drover.agent.runtime;

/** Receives a container's output as a runtime streams it. */
public interface LogSink {

  /** A chunk of output; {@code stderr} tells which stream it came from. */
  void chunk(byte[] data, boolean stderr);

  /** The stream ended (container gone, not following, or closed); {@code error} may be null. */
  void done(Throwable error);
}
