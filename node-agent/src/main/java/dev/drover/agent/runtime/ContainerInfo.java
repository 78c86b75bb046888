package dev.drover.agent.runtime;

import java.time.Instant;
import java.util.Map;

/**
 * What a runtime reports about one container.
 *
 * @param id runtime id
 * @param name runtime name
 * @param image image reference it was created from
 * @param imageId resolved image id
 * @param labels its labels
 * @param state coarse state
 * @param exitCode exit code once exited
 * @param oomKilled true when the kernel killed it for exceeding its memory limit
 * @param startedAt when it last started; null if never
 * @param finishedAt when it last exited; null if it did not
 * @param ipAddress its IP address in its own network namespace; empty if none
 * @param error runtime error text, empty if none
 */
public record ContainerInfo(
    String id,
    String name,
    String image,
    String imageId,
    Map<String, String> labels,
    State state,
    int exitCode,
    boolean oomKilled,
    Instant startedAt,
    Instant finishedAt,
    String ipAddress,
    String error) {

  public ContainerInfo {
    labels = Map.copyOf(labels);
    ipAddress = ipAddress == null ? "" : ipAddress;
    error = error == null ? "" : error;
  }

  /** Coarse container state shared by every runtime. */
  public enum State {
    /** Created, never started. */
    CREATED,
    /** Running. */
    RUNNING,
    /** Exited (or dead). */
    EXITED
  }

  public boolean running() {
    return state == State.RUNNING;
  }
}
