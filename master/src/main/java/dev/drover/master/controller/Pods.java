package dev.drover.master.controller;

import dev.drover.api.ApiObjects;
import dev.drover.api.Conditions;
import dev.drover.api.v1.Condition;
import dev.drover.api.v1.ContainerStatus;
import dev.drover.api.v1.IntOrString;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodPhase;
import dev.drover.api.v1.PodTemplateSpec;
import dev.drover.master.disruption.PodAvailability;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Optional;

/** Pod facts controllers share: readiness, availability, activity and creation from templates. */
public final class Pods {
  /** Type of the pod condition that says the pod serves traffic. */
  public static final String READY = Conditions.READY;

  private Pods() {}

  /** True when the pod's Ready condition is true. */
  public static boolean isReady(Pod pod) {
    return Conditions.isReady(pod);
  }

  /** The pod's Ready condition, if reported. */
  public static Optional<Condition> readyCondition(Pod pod) {
    return Conditions.find(pod.getStatus().getConditionsList(), READY);
  }

  /**
   * True when the pod has been ready for at least {@code minReadySeconds} at {@code now}. A ready
   * condition without a transition time counts as ready since forever.
   */
  public static boolean isAvailable(Pod pod, int minReadySeconds, Instant now) {
    return PodAvailability.isAvailable(pod, minReadySeconds, now);
  }

  /**
   * How long until a ready pod becomes available, or empty when it is not ready or already
   * available. Controllers requeue after it so that availability is noticed without an event.
   */
  public static Optional<Duration> untilAvailable(Pod pod, int minReadySeconds, Instant now) {
    if (!isReady(pod) || minReadySeconds <= 0) {
      return Optional.empty();
    }
    Condition ready = readyCondition(pod).orElseThrow();
    if (!ready.hasLastTransitionTime()) {
      return Optional.empty();
    }
    Instant at = ApiObjects.instant(ready.getLastTransitionTime()).plusSeconds(minReadySeconds);
    return at.isAfter(now) ? Optional.of(Duration.between(now, at)) : Optional.empty();
  }

  /** True for a pod that is neither terminating nor finished (Succeeded or Failed). */
  public static boolean isActive(Pod pod) {
    return PodAvailability.isActive(pod);
  }

  /** True when the pod finished, successfully or not. */
  public static boolean isFinished(Pod pod) {
    PodPhase phase = pod.getStatus().getPhase();
    return phase == PodPhase.POD_PHASE_SUCCEEDED || phase == PodPhase.POD_PHASE_FAILED;
  }

  /** Total container restarts of the pod. */
  public static int restarts(Pod pod) {
    return pod.getStatus().getContainerStatusesList().stream()
        .mapToInt(ContainerStatus::getRestartCount)
        .sum();
  }

  /** A new pod from a template, owned (as controller) by the owner, named from the owner's name. */
  public static Pod fromTemplate(PodTemplateSpec template, com.google.protobuf.Message owner) {
    ObjectMeta ownerMeta = ApiObjects.meta(owner);
    ObjectMeta.Builder meta =
        ObjectMeta.newBuilder()
            .setNamespace(ownerMeta.getNamespace())
            .setGenerateName(ownerMeta.getName() + "-")
            .putAllLabels(template.getMetadata().getLabelsMap())
            .putAllAnnotations(template.getMetadata().getAnnotationsMap())
            .addOwnerReferences(ApiObjects.controllerRef(owner));
    return Pod.newBuilder().setMetadata(meta).setSpec(template.getSpec()).build();
  }

  /**
   * Order in which surplus pods are deleted, most deletable first: unscheduled before scheduled,
   * pending before unknown before running, not ready before ready, ready for a shorter time first,
   * more restarts first, newer first.
   */
  public static Comparator<Pod> deletionOrder() {
    return Comparator.<Pod>comparingInt(p -> p.getSpec().getNodeName().isEmpty() ? 0 : 1)
        .thenComparingInt(Pods::phaseRank)
        .thenComparingInt(p -> isReady(p) ? 1 : 0)
        .thenComparing(Pods::readySince, Comparator.reverseOrder())
        .thenComparing(Comparator.comparingInt(Pods::restarts).reversed())
        .thenComparing(Pods::createdAt, Comparator.reverseOrder())
        .thenComparing(p -> p.getMetadata().getName());
  }

  private static int phaseRank(Pod pod) {
    return switch (pod.getStatus().getPhase()) {
      case POD_PHASE_PENDING, POD_PHASE_UNSPECIFIED -> 0;
      case POD_PHASE_UNKNOWN -> 1;
      default -> 2;
    };
  }

  private static Instant readySince(Pod pod) {
    return readyCondition(pod)
        .filter(Condition::hasLastTransitionTime)
        .map(c -> ApiObjects.instant(c.getLastTransitionTime()))
        .orElse(Instant.EPOCH);
  }

  private static Instant createdAt(Pod pod) {
    return ApiObjects.instant(pod.getMetadata().getCreationTime());
  }

  /**
   * Resolves a count-or-percentage against a total: a number as is, "25%" as a share of the total
   * rounded up or down.
   */
  public static int scaledValue(IntOrString value, int total, boolean roundUp, int fallback) {
    return PodAvailability.scaledValue(value, total, roundUp, fallback);
  }
}
