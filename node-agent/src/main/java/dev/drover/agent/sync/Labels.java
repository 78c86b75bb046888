package dev.drover.agent.sync;

/** Label keys the agent puts on every container it creates, and what adoption reads back. */
public final class Labels {
  /** Uid of the owning pod. */
  public static final String POD_UID = "drover.pod.uid";

  /** Namespace of the owning pod. */
  public static final String POD_NAMESPACE = "drover.pod.namespace";

  /** Name of the owning pod. */
  public static final String POD_NAME = "drover.pod.name";

  /** Container name from the pod spec ({@link #SANDBOX} for the sandbox). */
  public static final String CONTAINER_NAME = "drover.container.name";

  /** Name of the node whose agent created the container. */
  public static final String NODE = "drover.node";

  /** Restart attempt (0 for the first run) of an app container. */
  public static final String ATTEMPT = "drover.container.attempt";

  /**
   * Hash of the container's definition in the pod spec when it was created; a different hash means
   * the spec changed and the container is replaced.
   */
  public static final String SPEC_HASH = "drover.container.spec-hash";

  /** Host ports of a sandbox, "container:containerPort:hostPort:protocol" comma-separated. */
  public static final String HOST_PORTS = "drover.pod.host-ports";

  /** Value of {@link #CONTAINER_NAME} for sandboxes; never a valid container name. */
  public static final String SANDBOX = "_sandbox";

  private Labels() {}
}
