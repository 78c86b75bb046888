package dev.drover.master.controller.deployment;

import static dev.drover.api.WellKnown.POD_TEMPLATE_HASH;
import static dev.drover.api.WellKnown.REVISION;

import dev.drover.api.v1.Deployment;
import dev.drover.api.v1.PodTemplateSpec;
import dev.drover.api.v1.ReplicaSet;
import dev.drover.master.controller.EventRecorder;
import dev.drover.master.controller.ObjectWriter;
import java.util.Comparator;
import java.util.Optional;

/**
 * Rollbacks: a template set back to an older revision's reuses that revision's ReplicaSet under a
 * new revision number, and with {@code auto_rollback} a rollout that missed its progress deadline
 * gets the template of the previous revision back (once: never back again from there).
 */
final class Rollback {
  private final ObjectWriter writer;
  private final EventRecorder events;

  Rollback(ObjectWriter writer, EventRecorder events) {
    this.writer = writer;
    this.events = events;
  }

  /**
   * Gives a reused older ReplicaSet (the template went back to its) the next revision number, so
   * that it counts as the newest revision; returns the snapshot after the write.
   */
  RolloutSnapshot reviveRevision(RolloutSnapshot s) {
    ReplicaSet newRs = s.newRs();
    long revision = DeploymentController.revisionOf(newRs);
    long max = s.maxRevision();
    if (revision >= max) {
      return s;
    }
    ReplicaSet updated =
        writer.update(
            newRs.toBuilder()
                .setMetadata(
                    newRs.getMetadata().toBuilder()
                        .putAnnotations(REVISION, Long.toString(max + 1)))
                .build());
    events.normal(
        s.deployment(),
        "DeploymentRollback",
        "Rolled back to the template of revision " + revision + ", now revision " + (max + 1));
    return s.withSet(updated);
  }

  /**
   * The revision an automatic rollback returns to: the newest one older than the new ReplicaSet's,
   * if auto-rollback is on and the current revision is not itself the result of one.
   */
  static Optional<ReplicaSet> target(RolloutSnapshot s) {
    Deployment d = s.deployment();
    ReplicaSet newRs = s.newRs();
    if (!d.getSpec().getAutoRollback() || newRs == null) {
      return Optional.empty();
    }
    if (s.hash()
        .equals(
            d.getMetadata()
                .getAnnotationsOrDefault(DeploymentController.AUTO_ROLLED_BACK_TO, ""))) {
      // This revision is the result of an automatic rollback; never bounce back.
      return Optional.empty();
    }
    return s.oldSets().stream()
        .filter(rs -> DeploymentController.revisionOf(rs) < DeploymentController.revisionOf(newRs))
        .max(Comparator.comparingLong(DeploymentController::revisionOf));
  }

  /** Restores the target's template on the deployment and returns the written deployment. */
  Deployment rollBack(RolloutSnapshot s, ReplicaSet target) {
    Deployment d = s.deployment();
    PodTemplateSpec template = DeploymentController.stripped(target.getSpec().getTemplate());
    String targetHash = target.getMetadata().getLabelsOrDefault(POD_TEMPLATE_HASH, "");
    Deployment updated =
        writer.update(
            d.toBuilder()
                .setMetadata(
                    d.getMetadata().toBuilder()
                        .putAnnotations(DeploymentController.AUTO_ROLLED_BACK_TO, targetHash))
                .setSpec(d.getSpec().toBuilder().setTemplate(template))
                .build());
    events.normal(
        updated,
        "RollbackDone",
        String.format(
            "Revision %d did not become available within %ds; rolled back to revision %d",
            DeploymentController.revisionOf(s.newRs()),
            DeploymentProgress.progressDeadline(updated.getSpec()),
            DeploymentController.revisionOf(target)));
    return updated;
  }
}
