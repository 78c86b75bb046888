package dev.drover.cli.core;

import dev.drover.api.ApiObjects;
import dev.drover.api.v1.Condition;
import dev.drover.api.v1.ConditionStatus;
import dev.drover.api.v1.Container;
import dev.drover.api.v1.ContainerState;
import dev.drover.api.v1.ContainerStateRunning;
import dev.drover.api.v1.ContainerStateWaiting;
import dev.drover.api.v1.ContainerStatus;
import dev.drover.api.v1.Deployment;
import dev.drover.api.v1.DeploymentSpec;
import dev.drover.api.v1.DeploymentStatus;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.LabelSelector;
import dev.drover.api.v1.Node;
import dev.drover.api.v1.NodeSpec;
import dev.drover.api.v1.NodeStatus;
import dev.drover.api.v1.NodeSystemInfo;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodPhase;
import dev.drover.api.v1.PodSpec;
import dev.drover.api.v1.PodStatus;
import dev.drover.api.v1.PodTemplateSpec;

/** Builders of the objects the CLI tests put into the fake service. */
public final class TestObjects {

  private TestObjects() {}

  public static Object runningPod(String name, String node, int restarts) {
    return ApiObjects.wrap(
        Kind.KIND_POD,
        Pod.newBuilder()
            .setMetadata(
                ObjectMeta.newBuilder()
                    .setName(name)
                    .setNamespace("default")
                    .putLabels("app", "web"))
            .setSpec(
                PodSpec.newBuilder()
                    .setNodeName(node)
                    .addContainers(Container.newBuilder().setName("web").setImage("busybox:1")))
            .setStatus(
                PodStatus.newBuilder()
                    .setPhase(PodPhase.POD_PHASE_RUNNING)
                    .setPodIp("10.0.0.7")
                    .addConditions(
                        Condition.newBuilder()
                            .setType("Ready")
                            .setStatus(ConditionStatus.CONDITION_STATUS_TRUE))
                    .addContainerStatuses(
                        ContainerStatus.newBuilder()
                            .setName("web")
                            .setReady(true)
                            .setRestartCount(restarts)
                            .setState(
                                ContainerState.newBuilder()
                                    .setRunning(ContainerStateRunning.getDefaultInstance()))))
            .build());
  }

  public static Object stuckPod(String name, String reason) {
    return ApiObjects.wrap(
        Kind.KIND_POD,
        Pod.newBuilder()
            .setMetadata(
                ObjectMeta.newBuilder()
                    .setName(name)
                    .setNamespace("default")
                    .putLabels("app", "web"))
            .setSpec(
                PodSpec.newBuilder()
                    .setNodeName("n1")
                    .addContainers(Container.newBuilder().setName("web").setImage("nope:1")))
            .setStatus(
                PodStatus.newBuilder()
                    .setPhase(PodPhase.POD_PHASE_PENDING)
                    .addContainerStatuses(
                        ContainerStatus.newBuilder()
                            .setName("web")
                            .setState(
                                ContainerState.newBuilder()
                                    .setWaiting(
                                        ContainerStateWaiting.newBuilder()
                                            .setReason(reason)
                                            .setMessage("pull failed")))))
            .build());
  }

  public static Object deployment(String name, int replicas, int ready) {
    return ApiObjects.wrap(
        Kind.KIND_DEPLOYMENT,
        Deployment.newBuilder()
            .setMetadata(
                ObjectMeta.newBuilder().setName(name).setNamespace("default").setGeneration(1))
            .setSpec(
                DeploymentSpec.newBuilder()
                    .setReplicas(replicas)
                    .setSelector(LabelSelector.newBuilder().putMatchLabels("app", name))
                    .setTemplate(
                        PodTemplateSpec.newBuilder()
                            .setMetadata(ObjectMeta.newBuilder().putLabels("app", name))
                            .setSpec(
                                PodSpec.newBuilder()
                                    .addContainers(
                                        Container.newBuilder()
                                            .setName("web")
                                            .setImage("busybox:1")))))
            .setStatus(
                DeploymentStatus.newBuilder()
                    .setObservedGeneration(1)
                    .setReplicas(replicas)
                    .setUpdatedReplicas(replicas)
                    .setReadyReplicas(ready)
                    .setAvailableReplicas(ready))
            .build());
  }

  public static Object node(String name, boolean ready, boolean cordoned) {
    return ApiObjects.wrap(
        Kind.KIND_NODE,
        Node.newBuilder()
            .setMetadata(
                ObjectMeta.newBuilder()
                    .setName(name)
                    .putLabels("node-role.kubernetes.io/worker", ""))
            .setSpec(NodeSpec.newBuilder().setUnschedulable(cordoned))
            .setStatus(
                NodeStatus.newBuilder()
                    .addConditions(
                        Condition.newBuilder()
                            .setType("Ready")
                            .setStatus(
                                ready
                                    ? ConditionStatus.CONDITION_STATUS_TRUE
                                    : ConditionStatus.CONDITION_STATUS_FALSE))
                    .setNodeInfo(NodeSystemInfo.newBuilder().setAgentVersion("0.1.0")))
            .build());
  }
}
