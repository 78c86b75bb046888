package dev.drover.embed;

/**
 * Entry point of the Java embedding API: builders that start a Drover master, and optionally a node
 * agent, inside the calling JVM. Every handle they return is {@link AutoCloseable}:
 *
 * <pre>{@code
 * try (DroverMaster master = Drover.master().dataDir(dir).withAgent().start()) {
 *   try (DroverClient client = master.newClient()) {
 *     client.deployments().create(...);
 *   }
 * }
 * }</pre>
 */
public final class Drover {

  private Drover() {}

  /** A builder for an in-process master (embedded store, API server, scheduler, controllers). */
  public static MasterBuilder master() {
    return new MasterBuilder();
  }

  /** A builder for an in-process node agent that joins an existing master. */
  public static AgentBuilder agent() {
    return new AgentBuilder();
  }
}
