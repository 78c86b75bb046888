package dev.drover.agent.runtime;

import java.io.Closeable;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The node agent's view of a container engine: images, containers, their output and commands run
 * inside them. Implementations are thread-safe. Pod concepts stay out of this interface: a pod's
 * sandbox is just a container with its own network namespace that app containers join.
 *
 * <p>Calls that fail because the engine is unreachable throw {@link RuntimeUnavailableException}; a
 * missing container is reported by an empty {@link Optional} or ignored by idempotent calls (stop,
 * remove).
 */
public interface ContainerRuntime extends AutoCloseable {

  /** Checks that the engine answers; throws {@link RuntimeUnavailableException} otherwise. */
  void ping();

  /** Capacity and versions of the host. */
  HostFacts hostFacts();

  /** True if the image is present locally. */
  boolean imagePresent(String image);

  /**
   * Pulls an image, with the given credentials when not null.
   *
   * @throws ImagePullException when the pull fails
   */
  void pullImage(String image, RegistryAuth auth, Duration timeout);

  /** Creates a container (not started) and returns its id. */
  String create(ContainerSpec spec);

  /** Starts a created or exited container. */
  void start(String id);

  /** Sends a signal (e.g. {@code TERM}, {@code KILL}) to a running container; no-op otherwise. */
  void signal(String id, String signal);

  /** Removes a container, killing it first if it runs; no-op if it is gone. */
  void remove(String id);

  /** The container's current state, or empty if it does not exist. */
  Optional<ContainerInfo> inspect(String id);

  /** Every container (running or not) carrying all the given labels. */
  List<ContainerInfo> list(Map<String, String> labels);

  /** Runs a command in a running container and waits at most {@code timeout} for it. */
  ExecResult exec(String id, List<String> command, Duration timeout);

  /**
   * Starts a command in a running container with its input and output attached, and returns at
   * once; {@code listener} hears its output and its end. Runtimes that run no processes answer
   * through the listener too (see theirs).
   */
  default ExecSession attach(String id, ExecOptions options, ExecListener listener) {
    throw new UnsupportedOperationException("this runtime cannot attach to commands");
  }

  /**
   * A sample of a running container's CPU and memory use, or empty when the container does not run.
   * Runtimes that keep no statistics throw {@link UnsupportedOperationException}.
   */
  default Optional<ContainerStats> stats(String id) {
    throw new UnsupportedOperationException("this runtime keeps no container statistics");
  }

  /**
   * Streams a container's output to {@code sink} on a runtime thread. Closing the returned handle
   * stops the stream.
   */
  Closeable logs(String id, LogOptions options, LogSink sink);

  /** Releases the engine connection. */
  @Override
  void close();
}
