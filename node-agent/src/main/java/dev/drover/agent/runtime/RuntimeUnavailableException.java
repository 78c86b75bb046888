package dev.drover.agent.runtime;

/** The container runtime (e.g. the Docker daemon) cannot be reached. */
public class RuntimeUnavailableException extends RuntimeException {
  public RuntimeUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
