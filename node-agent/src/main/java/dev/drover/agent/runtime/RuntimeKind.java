package dev.drover.agent.runtime;

import java.util.Locale;

/**
 * Which {@link ContainerRuntime} an agent runs pods on: the one runtime choice shared by the
 * agent's config, the embedding builders and the CLI's {@code --runtime} flags, spelled in lower
 * case where users type it.
 */
public enum RuntimeKind {
  /** Real containers through a Docker daemon. */
  DOCKER,
  /** No containers: pods run in memory, for scale tests and machines without Docker. */
  SIMULATED;

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
