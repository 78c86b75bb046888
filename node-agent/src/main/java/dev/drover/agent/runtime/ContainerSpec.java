package dev.drover.agent.runtime;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything a runtime needs to create one container: a pod's sandbox or one of its app containers.
 * Immutable; the sync loop builds it from the pod spec.
 *
 * @param name runtime name of the container (unique on the node)
 * @param image image reference
 * @param labels labels put on the container (pod uid, namespace, name, container, node)
 * @param command entrypoint override; empty keeps the image's
 * @param args arguments override; empty keeps the image's
 * @param env environment as NAME=value strings
 * @param workingDir working directory; empty keeps the image's
 * @param network how the container gets its network namespace
 * @param hostname hostname inside the container; only honoured for sandboxes
 * @param ports ports to publish on the host; only honoured for sandboxes
 * @param nanoCpus CPU limit in billionths of a CPU; 0 means none
 * @param memoryBytes memory limit in bytes; 0 means none
 * @param mounts bind mounts
 * @param security the container's security settings (the runtime adds its own defaults)
 */
public record ContainerSpec(
    String name,
    String image,
    Map<String, String> labels,
    List<String> command,
    List<String> args,
    List<String> env,
    String workingDir,
    Network network,
    String hostname,
    List<PortBinding> ports,
    long nanoCpus,
    long memoryBytes,
    List<Mount> mounts,
    Security security) {

  public ContainerSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(image, "image");
    labels = Map.copyOf(labels);
    command = List.copyOf(command);
    args = List.copyOf(args);
    env = List.copyOf(env);
    workingDir = workingDir == null ? "" : workingDir;
    Objects.requireNonNull(network, "network");
    hostname = hostname == null ? "" : hostname;
    ports = List.copyOf(ports);
    mounts = List.copyOf(mounts);
    Objects.requireNonNull(security, "security");
  }

  /**
   * A container's security settings, resolved from the pod's and the container's security contexts.
   * Null means "not set": the image's user, the runtime's default for escalation.
   *
   * @param runAsUser uid to run as
   * @param runAsGroup gid to run as
   * @param runAsNonRoot refuse to run when the process would be root
   * @param readOnlyRootFilesystem mount the root filesystem read-only
   * @param allowPrivilegeEscalation only true lifts the runtime's no-new-privileges default
   * @param privileged run privileged
   * @param capAdd capabilities to add, upper case without "CAP_"
   * @param capDrop capabilities to drop, upper case without "CAP_"
   * @param hostPid share the host's process-ID namespace
   */
  public record Security(
      Long runAsUser,
      Long runAsGroup,
      boolean runAsNonRoot,
      boolean readOnlyRootFilesystem,
      Boolean allowPrivilegeEscalation,
      boolean privileged,
      List<String> capAdd,
      List<String> capDrop,
      boolean hostPid) {
    /** Nothing set. */
    public static final Security NONE =
        new Security(null, null, false, false, null, false, List.of(), List.of(), false);

    public Security {
      capAdd = List.copyOf(capAdd);
      capDrop = List.copyOf(capDrop);
    }

    /** False only when escalation was allowed explicitly (or the container is privileged). */
    public boolean noNewPrivileges() {
      return !privileged && !Boolean.TRUE.equals(allowPrivilegeEscalation);
    }
  }

  /** Where a container's network namespace comes from. */
  public sealed interface Network {}

  /** A fresh namespace of its own (for sandboxes). */
  public record OwnNetwork() implements Network {}

  /** The host's namespace (hostNetwork pods). */
  public record HostNetwork() implements Network {}

  /** The namespace of another container (the pod's sandbox). */
  public record JoinNetwork(String containerId) implements Network {
    public JoinNetwork {
      Objects.requireNonNull(containerId, "containerId");
    }
  }

  /** One published port. */
  public record PortBinding(int containerPort, int hostPort, String protocol) {}

  /** One bind mount of a host path. */
  public record Mount(String hostPath, String containerPath, boolean readOnly) {}
}
