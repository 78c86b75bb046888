package dev.drover.master.controller;

import dev.drover.api.ApiObjects;
import dev.drover.api.v1.Condition;
import dev.drover.api.v1.ConditionStatus;
import dev.drover.api.v1.Container;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.LabelSelector;
import dev.drover.api.v1.Node;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodPhase;
import dev.drover.api.v1.PodSpec;
import dev.drover.api.v1.PodStatus;
import dev.drover.api.v1.PodTemplateSpec;
import java.util.List;
import java.util.Map;

/** Builders of test objects and helpers that play the scheduler and the node agent. */
public final class Fixtures {
  private Fixtures() {}

  /** Metadata with a name in the default namespace. */
  public static ObjectMeta meta(String name) {
    return ObjectMeta.newBuilder().setName(name).setNamespace("default").build();
  }

  /** Metadata with a name and labels in the default namespace. */
  public static ObjectMeta meta(String name, Map<String, String> labels) {
    return meta(name).toBuilder().putAllLabels(labels).build();
  }

  /** A selector matching these labels. */
  public static LabelSelector selector(Map<String, String> labels) {
    return LabelSelector.newBuilder().putAllMatchLabels(labels).build();
  }

  /** A pod template with one container running the image. */
  public static PodTemplateSpec template(Map<String, String> labels, String image) {
    return PodTemplateSpec.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().putAllLabels(labels))
        .setSpec(
            PodSpec.newBuilder()
                .addContainers(Container.newBuilder().setName("main").setImage(image)))
        .build();
  }

  /** A ready, schedulable node. */
  public static Node node(String name, Map<String, String> labels) {
    return Node.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName(name).putAllLabels(labels))
        .build();
  }

  /** Pods of the cluster as stored, in the default namespace. */
  public static List<Pod> pods(FakeCluster cluster) {
    return cluster.stored(Kind.KIND_POD);
  }

  /** Plays the scheduler and agent: binds the pod to a node and marks it running and ready. */
  public static Pod makeReady(FakeCluster cluster, Clock clock, Pod pod, String node) {
    Pod current =
        cluster.stored(
            Kind.KIND_POD, pod.getMetadata().getNamespace(), pod.getMetadata().getName());
    if (current.getSpec().getNodeName().isEmpty()) {
      current =
          cluster.update(
              current.toBuilder().setSpec(current.getSpec().toBuilder().setNodeName(node)).build());
    }
    PodStatus status =
        current.getStatus().toBuilder()
            .setPhase(PodPhase.POD_PHASE_RUNNING)
            .setHostIp(
                current.getStatus().getHostIp().isEmpty()
                    ? "10.0.0." + Math.abs(node.hashCode() % 200 + 1)
                    : current.getStatus().getHostIp())
            .clearConditions()
            .addConditions(
                Condition.newBuilder()
                    .setType("Ready")
                    .setStatus(ConditionStatus.CONDITION_STATUS_TRUE)
                    .setLastTransitionTime(ApiObjects.timestamp(clock.now())))
            .build();
    return cluster.updateStatus(current.toBuilder().setStatus(status).build());
  }

  /** Plays the agent: sets the phase of a pod (e.g. Succeeded or Failed). */
  public static Pod setPhase(FakeCluster cluster, Pod pod, PodPhase phase) {
    Pod current =
        cluster.stored(
            Kind.KIND_POD, pod.getMetadata().getNamespace(), pod.getMetadata().getName());
    return cluster.updateStatus(
        current.toBuilder()
            .setStatus(current.getStatus().toBuilder().setPhase(phase).clearConditions())
            .build());
  }
}
