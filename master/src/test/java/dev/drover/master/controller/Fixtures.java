package dev.drover.master.controller;

import dev.drover.api.ApiObjects;
import dev.drover.api.v1.Condition;
import dev.drover.api.v1.ConditionStatus;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodPhase;
import dev.drover.api.v1.PodStatus;
import java.util.List;

/** Helpers that play the scheduler and the node agent over a {@link FakeCluster}. */
public final class Fixtures {
  private Fixtures() {}

  /** Pods of the cluster as stored, in the default namespace. */
  public static List<Pod> pods(FakeCluster cluster) {
    return cluster.stored(Kind.KIND_POD);
  }

  /** Plays the scheduler and agent: binds the pod to a node and marks it running and ready. */
  public static Pod makeReady(FakeCluster cluster, java.time.Clock clock, Pod pod, String node) {
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
                    .setLastTransitionTime(ApiObjects.timestamp(clock.instant())))
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
