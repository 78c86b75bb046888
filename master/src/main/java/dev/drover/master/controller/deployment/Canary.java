package dev.drover.master.controller.deployment;

import static dev.drover.master.controller.deployment.RolloutSnapshot.specReplicas;

import dev.drover.api.ApiObjects;
import dev.drover.api.v1.CanaryStatus;
import dev.drover.api.v1.CanaryStrategy;
import dev.drover.api.v1.Deployment;
import dev.drover.master.controller.EventRecorder;
import dev.drover.master.controller.ObjectWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Drover's canary steps: during a rolling update the new ReplicaSet stops at each configured step
 * (a pod count below the replicas) once that many of its pods are available, until the step is
 * promoted (annotation {@value DeploymentController#PROMOTE_ANNOTATION}: the step's index or {@code
 * all}) or its pause has passed.
 */
final class Canary {
  private final ObjectWriter writer;
  private final EventRecorder events;

  Canary(ObjectWriter writer, EventRecorder events) {
    this.writer = writer;
    this.events = events;
  }

  /**
   * Where the canary stands this sync.
   *
   * @param target pods the new ReplicaSet may have now: a step's count or all replicas
   * @param status the canary status to report, or null when no canary is under way
   * @param deployment the deployment, rewritten when a promotion was acted on
   * @param promoted true when a step was passed in this sync
   * @param recheck when a step's pause ends, if it is waiting on one
   */
  record Step(
      int target,
      CanaryStatus status,
      Deployment deployment,
      boolean promoted,
      Optional<Duration> recheck) {}

  /** Decides the new ReplicaSet's target for this sync, passing steps that are due. */
  Step plan(RolloutSnapshot s) {
    Deployment d = s.deployment();
    int replicas = s.replicas();
    Instant now = s.now();
    CanaryStrategy spec = d.getSpec().getCanary();
    List<Integer> steps = spec.getStepsList().stream().filter(n -> n > 0 && n < replicas).toList();
    boolean sameRevision = s.hash().equals(d.getStatus().getCurrentPodTemplateHash());
    CanaryStatus previous =
        sameRevision && d.getStatus().hasCanary() ? d.getStatus().getCanary() : null;
    if (steps.isEmpty() || (previous == null && !s.oldPodsRemain())) {
      return new Step(replicas, null, d, false, Optional.empty());
    }
    int step = previous == null ? 0 : previous.getCurrentStep();
    Instant pausedSince =
        previous != null && previous.getWaiting() && previous.hasPausedSince()
            ? ApiObjects.instant(previous.getPausedSince())
            : null;
    String promote =
        d.getMetadata().getAnnotationsOrDefault(DeploymentController.PROMOTE_ANNOTATION, "");
    boolean passed = false;
    while (step < steps.size()) {
      int target = steps.get(step);
      if (specReplicas(s.newRs()) < target || s.available(s.newRs()) < target) {
        CanaryStatus status =
            CanaryStatus.newBuilder().setCurrentStep(step).setStepReplicas(target).build();
        return new Step(target, status, d, passed, Optional.empty());
      }
      Instant since = pausedSince != null ? pausedSince : now;
      boolean promoted = promote.equals("all") || promote.equals(Integer.toString(step));
      boolean timedOut =
          spec.hasPauseSeconds() && !now.isBefore(since.plusSeconds(spec.getPauseSeconds()));
      if (!promoted && !timedOut) {
        Optional<Duration> recheck =
            spec.hasPauseSeconds()
                ? Optional.of(Duration.between(now, since.plusSeconds(spec.getPauseSeconds())))
                : Optional.empty();
        CanaryStatus status =
            CanaryStatus.newBuilder()
                .setCurrentStep(step)
                .setStepReplicas(target)
                .setWaiting(true)
                .setPausedSince(ApiObjects.timestamp(since))
                .build();
        return new Step(target, status, d, passed, recheck);
      }
      events.normal(
          d,
          "CanaryPromoted",
          String.format(
              "Canary step %d (%d pods) %s",
              step, target, promoted ? "promoted" : "paused long enough"));
      if (promoted) {
        d = clearPromotion(d);
        promote = promote.equals("all") ? promote : "";
      }
      step = promote.equals("all") ? steps.size() : step + 1;
      pausedSince = null;
      passed = true;
    }
    CanaryStatus done =
        s.oldPodsRemain()
            ? CanaryStatus.newBuilder()
                .setCurrentStep(steps.size())
                .setStepReplicas(replicas)
                .build()
            : null;
    return new Step(replicas, done, d, passed, Optional.empty());
  }

  // The promotion is acted on once: removing it keeps a later rollout from passing its steps.
  private Deployment clearPromotion(Deployment d) {
    if (!d.getMetadata().containsAnnotations(DeploymentController.PROMOTE_ANNOTATION)) {
      return d;
    }
    return writer.update(
        d.toBuilder()
            .setMetadata(
                d.getMetadata().toBuilder()
                    .removeAnnotations(DeploymentController.PROMOTE_ANNOTATION))
            .build());
  }
}
