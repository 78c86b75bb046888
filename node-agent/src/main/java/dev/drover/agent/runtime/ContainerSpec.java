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
    List<Mount> mounts) {

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
