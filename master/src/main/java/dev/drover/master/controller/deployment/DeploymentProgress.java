package dev.drover.master.controller.deployment;

import static dev.drover.master.controller.deployment.RolloutSnapshot.specReplicas;

import dev.drover.api.ApiObjects;
import dev.drover.api.v1.CanaryStatus;
import dev.drover.api.v1.Condition;
import dev.drover.api.v1.ConditionStatus;
import dev.drover.api.v1.Deployment;
import dev.drover.api.v1.DeploymentSpec;
import dev.drover.api.v1.DeploymentStatus;
import dev.drover.api.v1.ReplicaSet;
import dev.drover.master.controller.ObjectWriter;
import dev.drover.master.controller.Pods;
import dev.drover.master.events.EventRecorder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Optional;

/**
 * Computes and writes a deployment's status at the end of a sync: replica counts, the canary
 * status, the Available condition, a ReplicaSet's ReplicaFailure, and the Progressing condition,
 * whose heartbeat is the time of the last progress and which turns False once the progress deadline
 * has passed without any.
 */
final class DeploymentProgress {
  private final ObjectWriter writer;
  private final EventRecorder events;
  private final Clock clock;

  DeploymentProgress(ObjectWriter writer, EventRecorder events, Clock clock) {
    this.writer = writer;
    this.events = events;
    this.clock = clock;
  }

  /**
   * What the status write found.
   *
   * @param deployment the deployment after the status write
   * @param deadlineExceeded true when the rollout made no progress within its deadline
   * @param recheck when the progress deadline will pass, if the rollout is under way
   */
  record Outcome(Deployment deployment, boolean deadlineExceeded, Optional<Duration> recheck) {}

  /** The progress deadline of the spec in seconds. */
  static int progressDeadline(DeploymentSpec spec) {
    return spec.hasProgressDeadlineSeconds()
        ? spec.getProgressDeadlineSeconds()
        : DeploymentController.DEFAULT_PROGRESS_DEADLINE;
  }

  /**
   * Writes the status of the snapshot's deployment.
   *
   * @param canary the canary status to report, or null
   * @param progressed whether this sync moved the rollout on
   */
  Outcome write(RolloutSnapshot s, CanaryStatus canary, boolean progressed) {
    Deployment d = s.deployment();
    ReplicaSet newRs = s.newRs();
    int replicas = s.replicas();
    int total = 0;
    int ready = 0;
    int available = 0;
    for (ReplicaSet rs : s.sets()) {
      total += s.pods(rs).size();
      ready += (int) s.pods(rs).stream().filter(Pods::isReady).count();
      available += s.available(rs);
    }
    int updated = newRs == null ? 0 : s.pods(newRs).size();
    DeploymentStatus previous = d.getStatus();
    DeploymentStatus.Builder status =
        previous.toBuilder()
            .setObservedGeneration(d.getMetadata().getGeneration())
            .setReplicas(total)
            .setUpdatedReplicas(updated)
            .setReadyReplicas(ready)
            .setAvailableReplicas(available)
            .setUnavailableReplicas(Math.max(0, replicas - available));
    if (newRs != null) {
      status
          .setCurrentRevision(DeploymentController.revisionOf(newRs))
          .setCurrentPodTemplateHash(s.hash());
    }
    boolean paused = d.getSpec().getPaused();
    if (canary != null && !paused) {
      status.setCanary(canary);
    } else if (!paused) {
      status.clearCanary();
    }
    boolean minAvailable = available >= replicas - s.bounds().maxUnavailable();
    set(
        status,
        DeploymentController.AVAILABLE,
        minAvailable
            ? ConditionStatus.CONDITION_STATUS_TRUE
            : ConditionStatus.CONDITION_STATUS_FALSE,
        minAvailable ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
        minAvailable
            ? "Deployment has minimum availability."
            : "Deployment does not have minimum availability.",
        false);
    copyReplicaFailure(s, status);

    boolean complete =
        newRs != null
            && specReplicas(newRs) == replicas
            && updated == replicas
            && s.available(newRs) == replicas
            && !s.oldPodsRemain();
    boolean changed =
        progressed
            || d.getMetadata().getGeneration() != previous.getObservedGeneration()
            || previous.getReplicas() != total
            || previous.getUpdatedReplicas() != updated
            || previous.getReadyReplicas() != ready
            || previous.getAvailableReplicas() != available;
    Optional<Duration> recheck = Optional.empty();
    boolean deadlineExceeded = false;
    Optional<Condition> prior =
        DeploymentConditions.find(previous, DeploymentController.PROGRESSING);
    boolean wasPaused =
        prior.isPresent() && prior.get().getReason().equals(DeploymentController.PAUSED);
    if (paused != wasPaused) {
      events.normal(
          d,
          paused ? DeploymentController.PAUSED : DeploymentController.RESUMED,
          paused ? "Deployment paused: no rollout until it is resumed" : "Deployment resumed");
    }
    String newName = newRs == null ? "" : newRs.getMetadata().getName();
    int deadlineSeconds = progressDeadline(d.getSpec());
    if (paused) {
      setProgressing(
          status,
          ConditionStatus.CONDITION_STATUS_UNKNOWN,
          DeploymentController.PAUSED,
          "Deployment is paused",
          false);
    } else if (complete) {
      setProgressing(
          status,
          ConditionStatus.CONDITION_STATUS_TRUE,
          "NewReplicaSetAvailable",
          "ReplicaSet " + newName + " has successfully progressed.",
          false);
    } else if (canary != null && canary.getWaiting()) {
      setProgressing(
          status,
          ConditionStatus.CONDITION_STATUS_TRUE,
          "CanaryPaused",
          "Waiting at canary step " + canary.getCurrentStep(),
          false);
    } else if (changed
        || prior.isEmpty()
        || !(prior.get().getReason().equals("ReplicaSetUpdated")
            || prior.get().getReason().equals("ProgressDeadlineExceeded"))) {
      setProgressing(
          status,
          ConditionStatus.CONDITION_STATUS_TRUE,
          "ReplicaSetUpdated",
          "ReplicaSet " + newName + " is progressing.",
          true);
      recheck = Optional.of(Duration.ofSeconds(deadlineSeconds));
    } else {
      Instant now = s.now();
      Instant lastProgress =
          prior.get().hasLastHeartbeatTime()
              ? ApiObjects.instant(prior.get().getLastHeartbeatTime())
              : now;
      Instant deadline = lastProgress.plusSeconds(deadlineSeconds);
      if (!now.isBefore(deadline)) {
        if (prior.get().getStatus() != ConditionStatus.CONDITION_STATUS_FALSE) {
          setProgressing(
              status,
              ConditionStatus.CONDITION_STATUS_FALSE,
              "ProgressDeadlineExceeded",
              "ReplicaSet " + newName + " has timed out progressing.",
              false);
          events.warning(
              d,
              "ProgressDeadlineExceeded",
              "Rollout made no progress for " + deadlineSeconds + "s");
        }
        deadlineExceeded = true;
      } else {
        recheck = Optional.of(Duration.between(now, deadline));
      }
    }
    DeploymentStatus next = status.build();
    if (!next.equals(d.getStatus())) {
      d = writer.updateStatus(d.toBuilder().setStatus(next).build());
    }
    return new Outcome(d, deadlineExceeded, recheck);
  }

  // Surfaces a ReplicaSet's ReplicaFailure (pods it cannot create or delete) on the
  // deployment, the new set's first; removes it once no set reports one.
  private void copyReplicaFailure(RolloutSnapshot s, DeploymentStatus.Builder status) {
    Optional<Condition> failure =
        s.sets().stream()
            .sorted(Comparator.comparing((ReplicaSet rs) -> !s.isNew(rs)))
            .flatMap(rs -> rs.getStatus().getConditionsList().stream())
            .filter(
                c ->
                    c.getType().equals(DeploymentController.REPLICA_FAILURE)
                        && c.getStatus() == ConditionStatus.CONDITION_STATUS_TRUE)
            .findFirst();
    if (failure.isPresent()) {
      set(
          status,
          DeploymentController.REPLICA_FAILURE,
          ConditionStatus.CONDITION_STATUS_TRUE,
          failure.get().getReason(),
          failure.get().getMessage(),
          false);
    } else {
      DeploymentConditions.remove(status, DeploymentController.REPLICA_FAILURE);
    }
  }

  private void setProgressing(
      DeploymentStatus.Builder status,
      ConditionStatus value,
      String reason,
      String message,
      boolean refresh) {
    set(status, DeploymentController.PROGRESSING, value, reason, message, refresh);
  }

  private void set(
      DeploymentStatus.Builder status,
      String type,
      ConditionStatus value,
      String reason,
      String message,
      boolean refresh) {
    DeploymentConditions.set(
        status, ApiObjects.timestamp(clock.instant()), type, value, reason, message, refresh);
  }
}
