package dev.drover.master.controller.deployment;

import static dev.drover.api.WellKnown.POD_TEMPLATE_HASH;
import static dev.drover.api.WellKnown.REVISION;
import static dev.drover.master.controller.deployment.RolloutSnapshot.specReplicas;

import dev.drover.api.ApiObjects;
import dev.drover.api.v1.CanaryStatus;
import dev.drover.api.v1.Deployment;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.LabelSelector;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodTemplateSpec;
import dev.drover.api.v1.ReplicaSet;
import dev.drover.api.v1.ReplicaSetSpec;
import dev.drover.master.controller.DeleteOptions;
import dev.drover.master.controller.ObjectCache;
import dev.drover.master.controller.ObjectWriter;
import dev.drover.master.controller.Pods;
import dev.drover.master.controller.Selectors;
import dev.drover.master.controller.TemplateHashing;
import dev.drover.master.controller.WriteException;
import dev.drover.master.events.EventRecorder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The main reconcile of one deployment, as Kubernetes' sync: claims its ReplicaSets and reads their
 * pods into a {@link RolloutSnapshot}, finds or creates the ReplicaSet of the effective template,
 * hands the rollout to the strategy (or spreads a replica change proportionally), deletes old
 * ReplicaSets beyond the revision history limit, writes the status and, past the progress deadline,
 * rolls back automatically.
 */
final class DeploymentSync {
  private final ObjectCache cache;
  private final ObjectWriter writer;
  private final Clock clock;
  private final ReplicaSetScaler scaler;
  private final RollingUpdate rolling;
  private final Recreate recreate;
  private final Canary canary;
  private final Rollback rollback;
  private final DeploymentProgress progress;

  DeploymentSync(ObjectCache cache, ObjectWriter writer, EventRecorder events, Clock clock) {
    this.cache = cache;
    this.writer = writer;
    this.clock = clock;
    this.scaler = new ReplicaSetScaler(writer, events);
    this.rolling = new RollingUpdate(scaler);
    this.recreate = new Recreate(scaler);
    this.canary = new Canary(writer, events);
    this.rollback = new Rollback(writer, events);
    this.progress = new DeploymentProgress(writer, events, clock);
  }

  /** Syncs the deployment; returns when to look at it again, if a timed decision is pending. */
  Optional<Duration> sync(String key, Deployment d) {
    RolloutSnapshot start = read(key, d);
    RolloutSnapshot s = start;
    Canary.Step step = null;
    if (ReplicaSetScaler.isScalingEvent(s)) {
      s = scaler.scaleProportionally(s);
    } else if (!d.getSpec().getPaused()) {
      s = s.newRs() == null ? createNewReplicaSet(s) : rollback.reviveRevision(s);
      if (RolloutBounds.isRecreate(d.getSpec())) {
        s = recreate.rollout(s);
      } else {
        step = canary.plan(s);
        s = rolling.rollout(s.withDeployment(step.deployment()), step.target());
      }
      cleanupHistory(s);
    }
    CanaryStatus canaryStatus = step == null ? null : step.status();
    boolean progressed = s.progressedSince(start) || (step != null && step.promoted());
    DeploymentProgress.Outcome status = progress.write(s, canaryStatus, progressed);
    s = s.withDeployment(status.deployment());
    if (status.deadlineExceeded()) {
      Optional<ReplicaSet> target = Rollback.target(s);
      if (target.isPresent()) {
        rollback.rollBack(s, target.get());
      }
    }
    return Stream.of(
            s.untilNextAvailable(),
            step == null ? Optional.<Duration>empty() : step.recheck(),
            status.recheck())
        .flatMap(Optional::stream)
        .min(Comparator.naturalOrder());
  }

  private RolloutSnapshot read(String key, Deployment d) {
    Instant now = clock.instant();
    List<ReplicaSet> sets = claimReplicaSets(d);
    Map<String, List<Pod>> pods = loadPods(d, sets);
    RolloutBounds bounds =
        RolloutBounds.of(d.getSpec(), DeploymentController.desiredReplicas(d.getSpec()));
    PodTemplateSpec effective = effectiveTemplate(d);
    String hash = TemplateHashing.templateHash(effective, collisions(d));
    ReplicaSet newRs =
        sets.stream()
            .filter(rs -> sameTemplate(rs.getSpec().getTemplate(), effective))
            .max(Comparator.comparingLong(DeploymentController::revisionOf))
            .orElse(null);
    return new RolloutSnapshot(key, d, now, bounds, effective, hash, sets, pods, newRs);
  }

  private static int collisions(Deployment d) {
    return d.getStatus().hasCollisionCount() ? d.getStatus().getCollisionCount() : 0;
  }

  // A set runs the effective template when they are equal without our label and annotation,
  // and the config hash (the data of the ConfigMaps and Secrets it uses) is the same too.
  private static boolean sameTemplate(PodTemplateSpec set, PodTemplateSpec effective) {
    return DeploymentController.stripped(set).equals(DeploymentController.stripped(effective))
        && configHashOf(set).equals(configHashOf(effective));
  }

  private static String configHashOf(PodTemplateSpec template) {
    return template
        .getMetadata()
        .getAnnotationsMap()
        .getOrDefault(DeploymentController.CONFIG_HASH, "");
  }

  // The deployment's ReplicaSets, claimed by the rules of Kubernetes' controller ref manager: a
  // set it controls stays its own while its labels match the selector and is released when they
  // no longer do; an orphan whose labels match is adopted, unless either is being deleted; a set
  // another object controls is never touched, whatever its labels.
  private List<ReplicaSet> claimReplicaSets(Deployment d) {
    String uid = d.getMetadata().getUid();
    LabelSelector selector = d.getSpec().getSelector();
    boolean canClaim = !d.getMetadata().hasDeletionTime() && !Selectors.isEmpty(selector);
    List<ReplicaSet> sets = new ArrayList<>();
    for (ReplicaSet rs :
        cache.<ReplicaSet>list(Kind.KIND_REPLICA_SET, d.getMetadata().getNamespace(), null)) {
      ObjectMeta meta = rs.getMetadata();
      if (ApiObjects.isControlledBy(meta, uid)) {
        if (canClaim
            && !meta.hasDeletionTime()
            && !Selectors.matches(selector, meta.getLabelsMap())) {
          releaseReplicaSet(d, rs);
        } else {
          sets.add(rs);
        }
      } else if (canClaim
          && ApiObjects.controllerOf(meta).isEmpty()
          && !meta.hasDeletionTime()
          && Selectors.matches(selector, meta.getLabelsMap())) {
        sets.add(
            writer.update(
                rs.toBuilder()
                    .setMetadata(meta.toBuilder().addOwnerReferences(ApiObjects.controllerRef(d)))
                    .build()));
      }
    }
    return sets;
  }

  // Drops the deployment's controller reference from a set whose labels left its selector; the
  // set keeps its pods and runs on as an orphan, as upstream releases it.
  private void releaseReplicaSet(Deployment d, ReplicaSet rs) {
    ObjectMeta meta = rs.getMetadata();
    ObjectMeta.Builder b = meta.toBuilder().clearOwnerReferences();
    meta.getOwnerReferencesList().stream()
        .filter(ref -> !ref.getUid().equals(d.getMetadata().getUid()))
        .forEach(b::addOwnerReferences);
    try {
      writer.update(rs.toBuilder().setMetadata(b).build());
    } catch (WriteException e) {
      if (!e.isGone()) {
        throw e;
      }
    }
  }

  private Map<String, List<Pod>> loadPods(Deployment d, List<ReplicaSet> sets) {
    Map<String, List<Pod>> podsBySet = new HashMap<>();
    for (ReplicaSet rs : sets) {
      podsBySet.put(rs.getMetadata().getUid(), new ArrayList<>());
    }
    for (Pod pod : cache.<Pod>list(Kind.KIND_POD, d.getMetadata().getNamespace(), null)) {
      ApiObjects.controllerOf(pod.getMetadata())
          .filter(ref -> podsBySet.containsKey(ref.getUid()))
          .filter(ref -> Pods.isActive(pod))
          .ifPresent(ref -> podsBySet.get(ref.getUid()).add(pod));
    }
    return podsBySet;
  }

  // The user's template plus, unless opted out, the hash of the config it references.
  private PodTemplateSpec effectiveTemplate(Deployment d) {
    PodTemplateSpec.Builder b =
        DeploymentController.stripped(d.getSpec().getTemplate()).toBuilder();
    if (DeploymentController.restartsOnConfigChange(d)) {
      TemplateHashing.configHash(cache, d.getMetadata().getNamespace(), b.getSpec())
          .ifPresent(
              h -> b.getMetadataBuilder().putAnnotations(DeploymentController.CONFIG_HASH, h));
    }
    return b.build();
  }

  private RolloutSnapshot createNewReplicaSet(RolloutSnapshot s) {
    Deployment d = s.deployment();
    String hash = s.hash();
    ObjectMeta.Builder meta =
        ObjectMeta.newBuilder()
            .setName(d.getMetadata().getName() + "-" + hash)
            .setNamespace(d.getMetadata().getNamespace())
            .putAllLabels(s.effective().getMetadata().getLabelsMap())
            .putLabels(POD_TEMPLATE_HASH, hash)
            .putAnnotations(REVISION, Long.toString(s.maxRevision() + 1))
            .putAnnotations(DeploymentController.DESIRED_REPLICAS, Integer.toString(s.replicas()))
            .addOwnerReferences(ApiObjects.controllerRef(d));
    PodTemplateSpec.Builder template = s.effective().toBuilder();
    template.getMetadataBuilder().putLabels(POD_TEMPLATE_HASH, hash);
    ReplicaSet rs =
        ReplicaSet.newBuilder()
            .setMetadata(meta)
            .setSpec(
                ReplicaSetSpec.newBuilder()
                    .setReplicas(0)
                    .setMinReadySeconds(d.getSpec().getMinReadySeconds())
                    .setSelector(
                        d.getSpec().getSelector().toBuilder()
                            .putMatchLabels(POD_TEMPLATE_HASH, hash))
                    .setTemplate(template))
            .build();
    try {
      return s.withNewSet(writer.create(rs));
    } catch (WriteException e) {
      if (e.reason() == WriteException.Reason.ALREADY_EXISTS) {
        // Another template produced the same name: count the collision so that the next
        // sync hashes differently (Kubernetes' collisionCount).
        writer.updateStatus(
            d.toBuilder()
                .setStatus(d.getStatus().toBuilder().setCollisionCount(collisions(d) + 1))
                .build());
      }
      throw e;
    }
  }

  // Deletes the oldest idle ReplicaSets beyond the revision history limit.
  private void cleanupHistory(RolloutSnapshot s) {
    Deployment d = s.deployment();
    int limit =
        d.getSpec().hasRevisionHistoryLimit()
            ? d.getSpec().getRevisionHistoryLimit()
            : DeploymentController.DEFAULT_REVISION_HISTORY;
    List<ReplicaSet> idle =
        s.oldSets().stream()
            .filter(rs -> specReplicas(rs) == 0 && s.pods(rs).isEmpty())
            .filter(rs -> !rs.getMetadata().hasDeletionTime())
            .toList();
    for (int i = 0; i < idle.size() - limit; i++) {
      ObjectMeta meta = idle.get(i).getMetadata();
      try {
        writer.delete(
            Kind.KIND_REPLICA_SET,
            meta.getNamespace(),
            meta.getName(),
            DeleteOptions.withUid(meta.getUid()));
      } catch (WriteException e) {
        if (!e.isGone()) {
          throw e;
        }
      }
    }
  }
}
