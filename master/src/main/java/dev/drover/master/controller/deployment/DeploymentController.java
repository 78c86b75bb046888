package dev.drover.master.controller.deployment;

import static dev.drover.api.WellKnown.POD_TEMPLATE_HASH;
import static dev.drover.api.WellKnown.REVISION;

import com.google.protobuf.Message;
import dev.drover.api.ApiObjects;
import dev.drover.api.Conditions;
import dev.drover.api.WellKnown;
import dev.drover.api.v1.CanaryStatus;
import dev.drover.api.v1.CanaryStrategy;
import dev.drover.api.v1.Condition;
import dev.drover.api.v1.ConditionStatus;
import dev.drover.api.v1.Deployment;
import dev.drover.api.v1.DeploymentSpec;
import dev.drover.api.v1.DeploymentStatus;
import dev.drover.api.v1.DeploymentStrategyType;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.LabelSelector;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodTemplateSpec;
import dev.drover.api.v1.ReplicaSet;
import dev.drover.api.v1.ReplicaSetSpec;
import dev.drover.api.v1.RollingUpdateDeployment;
import dev.drover.master.controller.Controller;
import dev.drover.master.controller.ControllerContext;
import dev.drover.master.controller.DeleteOptions;
import dev.drover.master.controller.Pods;
import dev.drover.master.controller.ResourceHandler;
import dev.drover.master.controller.Selectors;
import dev.drover.master.controller.TemplateHashing;
import dev.drover.master.controller.WriteException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rolls Deployments out through one ReplicaSet per pod-template revision.
 *
 * <p>Each sync computes the effective template (the user's template plus, unless opted out, a hash
 * of the data of the ConfigMaps and Secrets it references), finds or creates the ReplicaSet of that
 * template (labelled {@code pod-template-hash}, revision in {@code
 * deployment.kubernetes.io/revision}; an older ReplicaSet with the same template is reused under a
 * new revision, which is how rollbacks work), then moves replicas from old to new ReplicaSets:
 * Recreate scales old ones to zero first; RollingUpdate keeps at most {@code replicas + maxSurge}
 * pods and at least {@code replicas - maxUnavailable} available pods, counting availability from
 * the pods themselves. A canary stops the new ReplicaSet at each step until promoted (annotation
 * {@value #PROMOTE_ANNOTATION}) or until its pause has passed. A replica change while several
 * ReplicaSets are active is spread proportionally. Old ReplicaSets beyond the revision history
 * limit are deleted. Without progress for the progress deadline the Progressing condition turns
 * False and, with auto_rollback, the template of the previous revision is restored.
 */
public final class DeploymentController extends Controller {
  private static final Logger LOG = LoggerFactory.getLogger(DeploymentController.class);

  /** ReplicaSet annotation with the deployment's replicas when the set was last scaled. */
  public static final String DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas";

  /** Template annotation with the hash of referenced ConfigMaps and Secrets. */
  public static final String CONFIG_HASH = "deploy.drover.dev/config-hash";

  /**
   * Deployment annotation that promotes a waiting canary: the index of the step to pass
   * (status.canary.current_step) or {@code all} to finish the rollout. The controller removes it
   * once acted on.
   */
  public static final String PROMOTE_ANNOTATION = WellKnown.CANARY_PROMOTED_STEP;

  /** Deployment annotation naming the template hash an automatic rollback returned to. */
  public static final String AUTO_ROLLED_BACK_TO = "deploy.drover.dev/auto-rolled-back-to";

  static final String AVAILABLE = "Available";
  static final String PROGRESSING = "Progressing";

  /** Reason of the Progressing condition and of the event when a deployment is paused. */
  static final String PAUSED = "DeploymentPaused";

  /** Reason of the event when a paused deployment is resumed. */
  static final String RESUMED = "DeploymentResumed";

  static final String REPLICA_FAILURE = Conditions.REPLICA_FAILURE;
  static final int DEFAULT_REVISION_HISTORY = 10;
  static final int DEFAULT_PROGRESS_DEADLINE = 600;

  /** Creates the controller and registers its handlers. */
  public DeploymentController(ControllerContext context, int workers, Duration resync) {
    super("deployment-controller", context, workers, resync);
    cache.addHandler(Kind.KIND_DEPLOYMENT, ResourceHandler.onAnyChange(this::enqueue));
    cache.addHandler(
        Kind.KIND_REPLICA_SET, ResourceHandler.onAnyChange(this::enqueueForReplicaSet));
    cache.addHandler(Kind.KIND_POD, ResourceHandler.onAnyChange(this::enqueueForPod));
    cache.addHandler(
        Kind.KIND_CONFIG_MAP, ResourceHandler.onAnyChange(o -> enqueueForConfig("configmap/", o)));
    cache.addHandler(
        Kind.KIND_SECRET, ResourceHandler.onAnyChange(o -> enqueueForConfig("secret/", o)));
  }

  /** Creates the controller with two workers and a 30 s resync. */
  public DeploymentController(ControllerContext context) {
    this(context, 2, Duration.ofSeconds(30));
  }

  private void enqueueForReplicaSet(Message rs) {
    Optional<String> owner = controllerKey(rs, Kind.KIND_DEPLOYMENT);
    if (owner.isPresent()) {
      queue.add(owner.get());
      return;
    }
    ObjectMeta meta = ApiObjects.meta(rs);
    if (ApiObjects.controllerOf(meta).isEmpty()) {
      for (Deployment d : cache.<Deployment>list(Kind.KIND_DEPLOYMENT, meta.getNamespace(), null)) {
        if (!Selectors.isEmpty(d.getSpec().getSelector())
            && Selectors.matches(d.getSpec().getSelector(), meta.getLabelsMap())) {
          enqueue(d);
        }
      }
    }
  }

  private void enqueueForPod(Message pod) {
    controllerKey(pod, Kind.KIND_REPLICA_SET)
        .flatMap(
            key ->
                cache.<ReplicaSet>get(
                    Kind.KIND_REPLICA_SET, ApiObjects.namespaceOf(key), ApiObjects.nameOf(key)))
        .flatMap(rs -> controllerKey(rs, Kind.KIND_DEPLOYMENT))
        .ifPresent(queue::add);
  }

  private void enqueueForConfig(String prefix, Message config) {
    ObjectMeta meta = ApiObjects.meta(config);
    String ref = prefix + meta.getName();
    for (Deployment d : cache.<Deployment>list(Kind.KIND_DEPLOYMENT, meta.getNamespace(), null)) {
      if (restartsOnConfigChange(d)
          && TemplateHashing.configReferences(d.getSpec().getTemplate().getSpec()).contains(ref)) {
        enqueue(d);
      }
    }
  }

  private static boolean restartsOnConfigChange(Deployment d) {
    return !d.getSpec().hasRestartOnConfigChange() || d.getSpec().getRestartOnConfigChange();
  }

  @Override
  protected List<String> allKeys() {
    return cache.<Deployment>list(Kind.KIND_DEPLOYMENT, "", null).stream()
        .map(ApiObjects::key)
        .toList();
  }

  @Override
  protected void sync(String key) {
    Optional<Deployment> found =
        cache.get(Kind.KIND_DEPLOYMENT, ApiObjects.namespaceOf(key), ApiObjects.nameOf(key));
    if (found.isEmpty() || found.get().getMetadata().hasDeletionTime()) {
      return;
    }
    new Rollout(key, found.get()).run();
  }

  static int desiredReplicas(DeploymentSpec spec) {
    return spec.hasReplicas() ? spec.getReplicas() : 1;
  }

  static long revisionOf(ReplicaSet rs) {
    return WellKnown.revision(rs.getMetadata());
  }

  /** The template a ReplicaSet was made from, without the labels and annotations we add. */
  static PodTemplateSpec stripped(PodTemplateSpec template) {
    PodTemplateSpec.Builder b = template.toBuilder();
    b.getMetadataBuilder().removeLabels(POD_TEMPLATE_HASH).removeAnnotations(CONFIG_HASH);
    return b.build();
  }

  /** One sync of one deployment; holds what the sync learned and wrote. */
  private final class Rollout {
    final String key;
    Deployment d;
    final Instant now = clock.now();
    final int replicas;
    final List<ReplicaSet> sets = new ArrayList<>();
    final Map<String, List<Pod>> podsBySet = new HashMap<>();
    ReplicaSet newRs;
    PodTemplateSpec effective;
    String hash;
    Duration recheck;
    boolean progressed;
    CanaryStatus canary;
    int maxSurge;
    int maxUnavailable;

    Rollout(String key, Deployment d) {
      this.key = key;
      this.d = d;
      this.replicas = desiredReplicas(d.getSpec());
    }

    void run() {
      claimReplicaSets();
      loadPods();
      computeStrategyBounds();
      effective = effectiveTemplate();
      int collisions = d.getStatus().hasCollisionCount() ? d.getStatus().getCollisionCount() : 0;
      hash = TemplateHashing.templateHash(effective, collisions);
      newRs =
          sets.stream()
              .filter(
                  rs ->
                      stripped(rs.getSpec().getTemplate()).equals(stripped(effective))
                          && rs.getSpec()
                              .getTemplate()
                              .getMetadata()
                              .getAnnotationsMap()
                              .getOrDefault(CONFIG_HASH, "")
                              .equals(
                                  effective
                                      .getMetadata()
                                      .getAnnotationsMap()
                                      .getOrDefault(CONFIG_HASH, "")))
              .max(Comparator.comparingLong(DeploymentController::revisionOf))
              .orElse(null);

      if (isScalingEvent()) {
        scaleProportionally();
      } else if (!d.getSpec().getPaused()) {
        if (newRs == null) {
          createNewReplicaSet(collisions);
        } else {
          bumpRevisionIfReused();
        }
        if (recreate()) {
          rolloutRecreate();
        } else {
          rolloutRolling();
        }
        cleanupHistory();
      }
      Optional<ReplicaSet> rollbackTarget = writeStatus();
      rollbackTarget.ifPresent(this::autoRollback);
      if (recheck != null) {
        queue.addAfter(key, recheck);
      }
    }

    // ----- reading -----

    void claimReplicaSets() {
      String uid = d.getMetadata().getUid();
      LabelSelector selector = d.getSpec().getSelector();
      for (ReplicaSet rs :
          cache.<ReplicaSet>list(Kind.KIND_REPLICA_SET, d.getMetadata().getNamespace(), null)) {
        ObjectMeta meta = rs.getMetadata();
        if (ApiObjects.isControlledBy(meta, uid)) {
          sets.add(rs);
        } else if (ApiObjects.controllerOf(meta).isEmpty()
            && !meta.hasDeletionTime()
            && !Selectors.isEmpty(selector)
            && Selectors.matches(selector, meta.getLabelsMap())) {
          sets.add(
              writer.update(
                  rs.toBuilder()
                      .setMetadata(meta.toBuilder().addOwnerReferences(ApiObjects.controllerRef(d)))
                      .build()));
        }
      }
    }

    void loadPods() {
      Map<String, ReplicaSet> byUid = new HashMap<>();
      for (ReplicaSet rs : sets) {
        byUid.put(rs.getMetadata().getUid(), rs);
        podsBySet.put(rs.getMetadata().getUid(), new ArrayList<>());
      }
      for (Pod pod : cache.<Pod>list(Kind.KIND_POD, d.getMetadata().getNamespace(), null)) {
        ApiObjects.controllerOf(pod.getMetadata())
            .filter(ref -> byUid.containsKey(ref.getUid()))
            .filter(ref -> Pods.isActive(pod))
            .ifPresent(ref -> podsBySet.get(ref.getUid()).add(pod));
      }
    }

    List<Pod> pods(ReplicaSet rs) {
      return podsBySet.getOrDefault(rs.getMetadata().getUid(), List.of());
    }

    int available(ReplicaSet rs) {
      int minReady = d.getSpec().getMinReadySeconds();
      int count = 0;
      for (Pod pod : pods(rs)) {
        if (Pods.isAvailable(pod, minReady, now)) {
          count++;
        } else {
          Pods.untilAvailable(pod, minReady, now).ifPresent(this::recheckAfter);
        }
      }
      return count;
    }

    // Available pods the set will keep: pods above spec are about to be deleted, and the
    // ReplicaSet deletes unavailable pods first, so at most spec of them stay.
    int keptAvailable(ReplicaSet rs) {
      return Math.min(available(rs), specReplicas(rs));
    }

    void recheckAfter(Duration wait) {
      if (recheck == null || wait.compareTo(recheck) < 0) {
        recheck = wait;
      }
    }

    boolean recreate() {
      return d.getSpec().getStrategy().getType()
          == DeploymentStrategyType.DEPLOYMENT_STRATEGY_TYPE_RECREATE;
    }

    void computeStrategyBounds() {
      if (recreate()) {
        maxSurge = 0;
        maxUnavailable = 0;
        return;
      }
      RollingUpdateDeployment ru = d.getSpec().getStrategy().getRollingUpdate();
      maxSurge =
          ru.hasMaxSurge()
              ? Pods.scaledValue(ru.getMaxSurge(), replicas, true, 0)
              : (int) Math.ceil(replicas * 0.25);
      maxUnavailable =
          ru.hasMaxUnavailable()
              ? Pods.scaledValue(ru.getMaxUnavailable(), replicas, false, 0)
              : (int) Math.floor(replicas * 0.25);
      if (maxSurge == 0 && maxUnavailable == 0) {
        maxUnavailable = 1;
      }
      maxUnavailable = Math.min(maxUnavailable, replicas);
    }

    PodTemplateSpec effectiveTemplate() {
      PodTemplateSpec.Builder b = stripped(d.getSpec().getTemplate()).toBuilder();
      if (restartsOnConfigChange(d)) {
        TemplateHashing.configHash(cache, d.getMetadata().getNamespace(), b.getSpec())
            .ifPresent(h -> b.getMetadataBuilder().putAnnotations(CONFIG_HASH, h));
      }
      return b.build();
    }

    List<ReplicaSet> oldSets() {
      return sets.stream()
          .filter(
              rs ->
                  newRs == null || !rs.getMetadata().getUid().equals(newRs.getMetadata().getUid()))
          .sorted(Comparator.comparingLong(DeploymentController::revisionOf))
          .toList();
    }

    int specReplicas(ReplicaSet rs) {
      return rs.getSpec().hasReplicas() ? rs.getSpec().getReplicas() : 1;
    }

    long maxRevision() {
      return sets.stream().mapToLong(DeploymentController::revisionOf).max().orElse(0);
    }

    // ----- writing replica sets -----

    void replace(ReplicaSet updated) {
      for (int i = 0; i < sets.size(); i++) {
        if (sets.get(i).getMetadata().getUid().equals(updated.getMetadata().getUid())) {
          sets.set(i, updated);
        }
      }
      if (newRs != null && newRs.getMetadata().getUid().equals(updated.getMetadata().getUid())) {
        newRs = updated;
      }
    }

    ReplicaSet scale(ReplicaSet rs, int count) {
      int from = specReplicas(rs);
      String desired = Integer.toString(replicas);
      if (from == count
          && desired.equals(rs.getMetadata().getAnnotationsOrDefault(DESIRED_REPLICAS, ""))) {
        return rs;
      }
      if (LOG.isDebugEnabled() && from != count) {
        LOG.debug(
            "{}: scaling {} from {} to {}; replicas {}, max surge {}, max unavailable {}, sets {}",
            key,
            rs.getMetadata().getName(),
            from,
            count,
            replicas,
            maxSurge,
            maxUnavailable,
            describeSets());
      }
      ReplicaSet updated =
          writer.update(
              rs.toBuilder()
                  .setMetadata(
                      rs.getMetadata().toBuilder().putAnnotations(DESIRED_REPLICAS, desired))
                  .setSpec(rs.getSpec().toBuilder().setReplicas(count))
                  .build());
      replace(updated);
      if (from != count) {
        progressed = true;
        events.normal(
            d,
            "ScalingReplicaSet",
            String.format(
                "Scaled %s replica set %s from %d to %d",
                count > from ? "up" : "down", rs.getMetadata().getName(), from, count));
      }
      return updated;
    }

    // Per set what this sync saw: spec replicas, active pods, ready pods, available pods.
    String describeSets() {
      return sets.stream()
          .map(
              rs ->
                  String.format(
                      "%s(rev %d: spec %d, pods %d, ready %d, available %d)",
                      rs.getMetadata().getName(),
                      revisionOf(rs),
                      specReplicas(rs),
                      pods(rs).size(),
                      pods(rs).stream().filter(Pods::isReady).count(),
                      available(rs)))
          .collect(Collectors.joining(", "));
    }

    void createNewReplicaSet(int collisions) {
      ObjectMeta.Builder meta =
          ObjectMeta.newBuilder()
              .setName(d.getMetadata().getName() + "-" + hash)
              .setNamespace(d.getMetadata().getNamespace())
              .putAllLabels(effective.getMetadata().getLabelsMap())
              .putLabels(POD_TEMPLATE_HASH, hash)
              .putAnnotations(REVISION, Long.toString(maxRevision() + 1))
              .putAnnotations(DESIRED_REPLICAS, Integer.toString(replicas))
              .addOwnerReferences(ApiObjects.controllerRef(d));
      PodTemplateSpec.Builder template = effective.toBuilder();
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
        newRs = writer.create(rs);
      } catch (WriteException e) {
        if (e.reason() == WriteException.Reason.ALREADY_EXISTS) {
          // Another template produced the same name: count the collision so that the next
          // sync hashes differently (Kubernetes' collisionCount).
          writer.updateStatus(
              d.toBuilder()
                  .setStatus(d.getStatus().toBuilder().setCollisionCount(collisions + 1))
                  .build());
        }
        throw e;
      }
      sets.add(newRs);
      podsBySet.put(newRs.getMetadata().getUid(), new ArrayList<>());
      progressed = true;
    }

    void bumpRevisionIfReused() {
      long revision = revisionOf(newRs);
      long max = maxRevision();
      if (revision < max) {
        ReplicaSet updated =
            writer.update(
                newRs.toBuilder()
                    .setMetadata(
                        newRs.getMetadata().toBuilder()
                            .putAnnotations(REVISION, Long.toString(max + 1)))
                    .build());
        replace(updated);
        progressed = true;
        events.normal(
            d,
            "DeploymentRollback",
            "Rolled back to the template of revision " + revision + ", now revision " + (max + 1));
      }
    }

    // ----- scaling -----

    boolean isScalingEvent() {
      String desired = Integer.toString(replicas);
      List<ReplicaSet> active = sets.stream().filter(rs -> specReplicas(rs) > 0).toList();
      if (active.isEmpty()) {
        return false;
      }
      return active.stream()
          .anyMatch(
              rs ->
                  !desired.equals(rs.getMetadata().getAnnotationsOrDefault(DESIRED_REPLICAS, "")));
    }

    void scaleProportionally() {
      List<ReplicaSet> active =
          new ArrayList<>(sets.stream().filter(rs -> specReplicas(rs) > 0).toList());
      if (active.size() == 1) {
        scale(active.get(0), replicas);
        return;
      }
      int allowed = replicas + maxSurge;
      int current = active.stream().mapToInt(this::specReplicas).sum();
      int toAdd = allowed - current;
      // Larger sets first, newer first among equals; the rounding leftover goes to the first.
      active.sort(
          Comparator.comparingInt(this::specReplicas)
              .reversed()
              .thenComparing(
                  Comparator.comparingLong(DeploymentController::revisionOf).reversed()));
      Map<String, Integer> target = new HashMap<>();
      int assigned = 0;
      for (ReplicaSet rs : active) {
        int share = (int) Math.round((double) specReplicas(rs) * toAdd / current);
        if (toAdd > 0) {
          share = Math.min(share, toAdd - assigned);
        } else {
          share = Math.max(share, toAdd - assigned);
        }
        target.put(rs.getMetadata().getUid(), Math.max(0, specReplicas(rs) + share));
        assigned += share;
      }
      String first = active.get(0).getMetadata().getUid();
      target.put(first, Math.max(0, target.get(first) + (toAdd - assigned)));
      for (ReplicaSet rs : active) {
        scale(rs, target.get(rs.getMetadata().getUid()));
      }
    }

    void rolloutRecreate() {
      boolean oldActive = false;
      for (ReplicaSet rs : oldSets()) {
        if (specReplicas(rs) > 0) {
          scale(rs, 0);
          oldActive = true;
        } else if (!pods(rs).isEmpty()) {
          oldActive = true;
        }
      }
      if (!oldActive) {
        scale(newRs, replicas);
      }
    }

    int totalPods() {
      return sets.stream().mapToInt(rs -> Math.max(specReplicas(rs), pods(rs).size())).sum();
    }

    void rolloutRolling() {
      int newTarget = canaryTarget();
      int newReplicas = specReplicas(newRs);
      if (newReplicas > newTarget) {
        scale(newRs, newTarget);
      } else if (newReplicas < newTarget) {
        int room = replicas + maxSurge - totalPods();
        if (room > 0) {
          scale(newRs, newReplicas + Math.min(room, newTarget - newReplicas));
        }
      } else {
        scale(newRs, newReplicas);
      }
      scaleDownOld(newTarget);
    }

    void scaleDownOld(int newTarget) {
      List<ReplicaSet> old = oldSets();
      int minAvailable = replicas - maxUnavailable;
      int newUnavailable = Math.max(0, specReplicas(newRs) - keptAvailable(newRs));
      int maxScaledDown = totalPods() - minAvailable - newUnavailable;
      // During a canary step the old sets keep what the new one does not run yet.
      int oldFloor = Math.max(0, replicas - newTarget);
      int oldTotal = old.stream().mapToInt(this::specReplicas).sum();
      int floorRoom = oldTotal - oldFloor;
      if (maxScaledDown <= 0 || floorRoom <= 0) {
        return;
      }
      // First old pods that are not available anyway: removing them costs no availability.
      for (ReplicaSet rs : old) {
        int unhealthy = specReplicas(rs) - keptAvailable(rs);
        int cut = Math.min(Math.min(maxScaledDown, unhealthy), floorRoom);
        if (cut > 0) {
          scale(rs, specReplicas(rs) - cut);
          maxScaledDown -= cut;
          floorRoom -= cut;
        }
      }
      int availableAll = sets.stream().mapToInt(this::keptAvailable).sum();
      int budget = Math.min(availableAll - minAvailable, floorRoom);
      for (ReplicaSet rs : oldSets()) {
        if (budget <= 0) {
          break;
        }
        int cut = Math.min(specReplicas(rs), budget);
        if (cut > 0) {
          scale(rs, specReplicas(rs) - cut);
          budget -= cut;
        }
      }
    }

    boolean oldPodsRemain() {
      return oldSets().stream().anyMatch(rs -> specReplicas(rs) > 0 || !pods(rs).isEmpty());
    }

    // The number of pods the new ReplicaSet may have now: all of them, or a canary step.
    int canaryTarget() {
      CanaryStrategy spec = d.getSpec().getCanary();
      List<Integer> steps =
          spec.getStepsList().stream().filter(s -> s > 0 && s < replicas).toList();
      boolean sameRevision = hash.equals(d.getStatus().getCurrentPodTemplateHash());
      CanaryStatus previous =
          sameRevision && d.getStatus().hasCanary() ? d.getStatus().getCanary() : null;
      if (steps.isEmpty() || (previous == null && !oldPodsRemain())) {
        canary = null;
        return replicas;
      }
      int step = previous == null ? 0 : previous.getCurrentStep();
      Instant pausedSince =
          previous != null && previous.getWaiting() && previous.hasPausedSince()
              ? ApiObjects.instant(previous.getPausedSince())
              : null;
      String promote = d.getMetadata().getAnnotationsOrDefault(PROMOTE_ANNOTATION, "");
      while (step < steps.size()) {
        int target = steps.get(step);
        if (specReplicas(newRs) < target || available(newRs) < target) {
          canary = CanaryStatus.newBuilder().setCurrentStep(step).setStepReplicas(target).build();
          return target;
        }
        Instant since = pausedSince != null ? pausedSince : now;
        boolean promoted = promote.equals("all") || promote.equals(Integer.toString(step));
        boolean timedOut =
            spec.hasPauseSeconds() && !now.isBefore(since.plusSeconds(spec.getPauseSeconds()));
        if (!promoted && !timedOut) {
          if (spec.hasPauseSeconds()) {
            recheckAfter(Duration.between(now, since.plusSeconds(spec.getPauseSeconds())));
          }
          canary =
              CanaryStatus.newBuilder()
                  .setCurrentStep(step)
                  .setStepReplicas(target)
                  .setWaiting(true)
                  .setPausedSince(ApiObjects.timestamp(since))
                  .build();
          return target;
        }
        events.normal(
            d,
            "CanaryPromoted",
            String.format(
                "Canary step %d (%d pods) %s",
                step, target, promoted ? "promoted" : "paused long enough"));
        if (promoted) {
          clearPromotion();
          promote = promote.equals("all") ? promote : "";
        }
        step = promote.equals("all") ? steps.size() : step + 1;
        pausedSince = null;
        progressed = true;
      }
      canary =
          oldPodsRemain()
              ? CanaryStatus.newBuilder()
                  .setCurrentStep(steps.size())
                  .setStepReplicas(replicas)
                  .build()
              : null;
      return replicas;
    }

    void clearPromotion() {
      if (d.getMetadata().containsAnnotations(PROMOTE_ANNOTATION)) {
        d =
            writer.update(
                d.toBuilder()
                    .setMetadata(d.getMetadata().toBuilder().removeAnnotations(PROMOTE_ANNOTATION))
                    .build());
      }
    }

    void cleanupHistory() {
      int limit =
          d.getSpec().hasRevisionHistoryLimit()
              ? d.getSpec().getRevisionHistoryLimit()
              : DEFAULT_REVISION_HISTORY;
      List<ReplicaSet> idle =
          oldSets().stream()
              .filter(rs -> specReplicas(rs) == 0 && pods(rs).isEmpty())
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
          if (!isGone(e)) {
            throw e;
          }
        }
      }
    }

    // ----- status -----

    /** Writes the status; returns the revision to roll back to when that is due. */
    Optional<ReplicaSet> writeStatus() {
      int total = 0;
      int ready = 0;
      int available = 0;
      for (ReplicaSet rs : sets) {
        total += pods(rs).size();
        ready += (int) pods(rs).stream().filter(Pods::isReady).count();
        available += available(rs);
      }
      int updated = newRs == null ? 0 : pods(newRs).size();
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
        status.setCurrentRevision(revisionOf(newRs)).setCurrentPodTemplateHash(hash);
      }
      if (canary != null && !d.getSpec().getPaused()) {
        status.setCanary(canary);
      } else if (!d.getSpec().getPaused()) {
        status.clearCanary();
      }
      boolean minAvailable = available >= replicas - maxUnavailable;
      setCondition(
          status,
          AVAILABLE,
          minAvailable
              ? ConditionStatus.CONDITION_STATUS_TRUE
              : ConditionStatus.CONDITION_STATUS_FALSE,
          minAvailable ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
          minAvailable
              ? "Deployment has minimum availability."
              : "Deployment does not have minimum availability.",
          false);

      copyReplicaFailure(status);

      boolean complete =
          newRs != null
              && specReplicas(newRs) == replicas
              && updated == replicas
              && available(newRs) == replicas
              && !oldPodsRemain();
      boolean changed =
          progressed
              || d.getMetadata().getGeneration() != previous.getObservedGeneration()
              || previous.getReplicas() != total
              || previous.getUpdatedReplicas() != updated
              || previous.getReadyReplicas() != ready
              || previous.getAvailableReplicas() != available;
      Optional<Condition> prior = condition(previous, PROGRESSING);
      Optional<ReplicaSet> rollback = Optional.empty();
      boolean paused = d.getSpec().getPaused();
      boolean wasPaused = prior.isPresent() && prior.get().getReason().equals(PAUSED);
      if (paused != wasPaused) {
        events.normal(
            d,
            paused ? PAUSED : RESUMED,
            paused ? "Deployment paused: no rollout until it is resumed" : "Deployment resumed");
      }
      if (paused) {
        setCondition(
            status,
            PROGRESSING,
            ConditionStatus.CONDITION_STATUS_UNKNOWN,
            PAUSED,
            "Deployment is paused",
            false);
      } else if (complete) {
        setCondition(
            status,
            PROGRESSING,
            ConditionStatus.CONDITION_STATUS_TRUE,
            "NewReplicaSetAvailable",
            "ReplicaSet " + newRs.getMetadata().getName() + " has successfully progressed.",
            false);
      } else if (canary != null && canary.getWaiting()) {
        setCondition(
            status,
            PROGRESSING,
            ConditionStatus.CONDITION_STATUS_TRUE,
            "CanaryPaused",
            "Waiting at canary step " + canary.getCurrentStep(),
            false);
      } else if (changed
          || prior.isEmpty()
          || !(prior.get().getReason().equals("ReplicaSetUpdated")
              || prior.get().getReason().equals("ProgressDeadlineExceeded"))) {
        setCondition(
            status,
            PROGRESSING,
            ConditionStatus.CONDITION_STATUS_TRUE,
            "ReplicaSetUpdated",
            "ReplicaSet "
                + (newRs == null ? "" : newRs.getMetadata().getName())
                + " is progressing.",
            true);
        recheckAfter(Duration.ofSeconds(progressDeadline()));
      } else {
        Instant lastProgress =
            prior.get().hasLastHeartbeatTime()
                ? ApiObjects.instant(prior.get().getLastHeartbeatTime())
                : now;
        Instant deadline = lastProgress.plusSeconds(progressDeadline());
        if (!now.isBefore(deadline)) {
          if (prior.get().getStatus() != ConditionStatus.CONDITION_STATUS_FALSE) {
            setCondition(
                status,
                PROGRESSING,
                ConditionStatus.CONDITION_STATUS_FALSE,
                "ProgressDeadlineExceeded",
                "ReplicaSet "
                    + (newRs == null ? "" : newRs.getMetadata().getName())
                    + " has timed out progressing.",
                false);
            events.warning(
                d,
                "ProgressDeadlineExceeded",
                "Rollout made no progress for " + progressDeadline() + "s");
          }
          rollback = rollbackTarget();
        } else {
          recheckAfter(Duration.between(now, deadline));
        }
      }
      DeploymentStatus next = status.build();
      if (!next.equals(d.getStatus())) {
        d = writer.updateStatus(d.toBuilder().setStatus(next).build());
      }
      return rollback;
    }

    // Surfaces a ReplicaSet's ReplicaFailure (pods it cannot create or delete) on the
    // deployment, the new set's first; removes it once no set reports one.
    void copyReplicaFailure(DeploymentStatus.Builder status) {
      Optional<Condition> failure =
          sets.stream()
              .sorted(
                  Comparator.comparing(
                      (ReplicaSet rs) ->
                          newRs == null
                              || !rs.getMetadata().getUid().equals(newRs.getMetadata().getUid())))
              .flatMap(rs -> rs.getStatus().getConditionsList().stream())
              .filter(
                  c ->
                      c.getType().equals(REPLICA_FAILURE)
                          && c.getStatus() == ConditionStatus.CONDITION_STATUS_TRUE)
              .findFirst();
      if (failure.isPresent()) {
        setCondition(
            status,
            REPLICA_FAILURE,
            ConditionStatus.CONDITION_STATUS_TRUE,
            failure.get().getReason(),
            failure.get().getMessage(),
            false);
        return;
      }
      List<Condition> kept =
          status.getConditionsList().stream()
              .filter(c -> !c.getType().equals(REPLICA_FAILURE))
              .toList();
      status.clearConditions().addAllConditions(kept);
    }

    int progressDeadline() {
      return d.getSpec().hasProgressDeadlineSeconds()
          ? d.getSpec().getProgressDeadlineSeconds()
          : DEFAULT_PROGRESS_DEADLINE;
    }

    Optional<ReplicaSet> rollbackTarget() {
      if (!d.getSpec().getAutoRollback() || newRs == null) {
        return Optional.empty();
      }
      if (hash.equals(d.getMetadata().getAnnotationsOrDefault(AUTO_ROLLED_BACK_TO, ""))) {
        // This revision is the result of an automatic rollback; never bounce back.
        return Optional.empty();
      }
      return oldSets().stream()
          .filter(rs -> revisionOf(rs) < revisionOf(newRs))
          .max(Comparator.comparingLong(DeploymentController::revisionOf));
    }

    void autoRollback(ReplicaSet target) {
      PodTemplateSpec template = stripped(target.getSpec().getTemplate());
      String targetHash = target.getMetadata().getLabelsOrDefault(POD_TEMPLATE_HASH, "");
      Deployment updated =
          writer.update(
              d.toBuilder()
                  .setMetadata(
                      d.getMetadata().toBuilder().putAnnotations(AUTO_ROLLED_BACK_TO, targetHash))
                  .setSpec(d.getSpec().toBuilder().setTemplate(template))
                  .build());
      d = updated;
      events.normal(
          d,
          "RollbackDone",
          String.format(
              "Revision %d did not become available within %ds; rolled back to revision %d",
              revisionOf(newRs), progressDeadline(), revisionOf(target)));
    }
  }

  static Optional<Condition> condition(DeploymentStatus status, String type) {
    return status.getConditionsList().stream().filter(c -> c.getType().equals(type)).findFirst();
  }

  // Sets a condition; the transition time changes only with the status, the heartbeat (used as
  // the last progress time of Progressing) whenever refresh is true.
  private void setCondition(
      DeploymentStatus.Builder status,
      String type,
      ConditionStatus value,
      String reason,
      String message,
      boolean refresh) {
    var now = ApiObjects.timestamp(clock.now());
    List<Condition> conditions = new ArrayList<>(status.getConditionsList());
    int index = -1;
    for (int i = 0; i < conditions.size(); i++) {
      if (conditions.get(i).getType().equals(type)) {
        index = i;
      }
    }
    Condition.Builder c =
        Condition.newBuilder().setType(type).setStatus(value).setReason(reason).setMessage(message);
    if (index >= 0) {
      Condition old = conditions.get(index);
      boolean sameState = old.getStatus() == value && old.getReason().equals(reason);
      c.setLastTransitionTime(
          old.getStatus() == value && old.hasLastTransitionTime()
              ? old.getLastTransitionTime()
              : now);
      c.setLastHeartbeatTime(
          refresh || !sameState || !old.hasLastHeartbeatTime() ? now : old.getLastHeartbeatTime());
      conditions.set(index, c.build());
    } else {
      c.setLastTransitionTime(now).setLastHeartbeatTime(now);
      conditions.add(c.build());
    }
    status.clearConditions().addAllConditions(conditions);
  }
}
