package dev.drover.agent.testing;

import dev.drover.api.v1.Container;
import dev.drover.api.v1.ContainerStatus;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodSpec;
import dev.drover.api.v1.PodStatus;
import dev.drover.api.v1.RestartPolicy;
import java.util.List;

/** Small builders and lookups for pods in tests. */
public final class Pods {
  private Pods() {}

  /** A pod bound to {@code node} with the given containers. */
  public static Pod.Builder pod(String name, String node, Container... containers) {
    return Pod.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName(name).setNamespace("default"))
        .setSpec(
            PodSpec.newBuilder()
                .setNodeName(node)
                .setRestartPolicy(RestartPolicy.RESTART_POLICY_ALWAYS)
                .setTerminationGracePeriodSeconds(2)
                .addAllContainers(List.of(containers)));
  }

  /** A container running {@code sh -c script}. */
  public static Container.Builder shell(String name, String image, String script) {
    return Container.newBuilder()
        .setName(name)
        .setImage(image)
        .addCommand("sh")
        .addCommand("-c")
        .addArgs(script);
  }

  /** The status of one container. */
  public static ContainerStatus container(PodStatus status, String name) {
    return status.getContainerStatusesList().stream()
        .filter(c -> c.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no status for container " + name + " in " + status));
  }

  /** True if the pod's Ready condition is TRUE. */
  public static boolean ready(PodStatus status) {
    return status.getConditionsList().stream()
        .anyMatch(
            c ->
                c.getType().equals("Ready")
                    && c.getStatus() == dev.drover.api.v1.ConditionStatus.CONDITION_STATUS_TRUE);
  }
}
