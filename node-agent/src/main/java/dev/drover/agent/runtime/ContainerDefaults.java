package dev.drover.agent.runtime;

/**
 * Limits and hardening the agent applies to every container it creates, whatever the pod says: a
 * cap on processes (against fork bombs) and on the size of the container's json-file log. The
 * no-new-privileges flag is on too, unless a container's security context allows escalation.
 *
 * @param pidsLimit most processes (and threads) per container; 0 or less means no limit
 * @param logMaxSize size at which the container's log file rotates, Docker syntax ("10m")
 * @param logMaxFiles rotated log files kept per container
 */
public record ContainerDefaults(long pidsLimit, String logMaxSize, int logMaxFiles) {
  /** 4096 processes, logs rotated at 10 MB, 3 files kept. */
  public static final ContainerDefaults STANDARD = new ContainerDefaults(4096, "10m", 3);

  public ContainerDefaults {
    if (logMaxSize == null || !logMaxSize.matches("[0-9]+[kmg]?")) {
      throw new IllegalArgumentException(
          "log max size \"" + logMaxSize + "\": expected a number with k, m or g, e.g. 10m");
    }
    if (logMaxFiles < 1) {
      throw new IllegalArgumentException("log max files must be at least 1, got " + logMaxFiles);
    }
  }
}
