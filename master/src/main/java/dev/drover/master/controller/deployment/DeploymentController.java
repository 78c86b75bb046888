package dev.drover.master.controller.deployment;

import static dev.drover.api.WellKnown.POD_TEMPLATE_HASH;

import com.google.protobuf.Message;
import dev.drover.api.ApiObjects;
import dev.drover.api.Conditions;
import dev.drover.api.WellKnown;
import dev.drover.api.v1.Condition;
import dev.drover.api.v1.Deployment;
import dev.drover.api.v1.DeploymentSpec;
import dev.drover.api.v1.DeploymentStatus;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.PodTemplateSpec;
import dev.drover.api.v1.ReplicaSet;
import dev.drover.master.controller.Controller;
import dev.drover.master.controller.ControllerContext;
import dev.drover.master.controller.ResourceHandler;
import dev.drover.master.controller.Selectors;
import dev.drover.master.controller.TemplateHashing;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

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
 *
 * <p>This class maps events to deployment keys; one sync is {@link DeploymentSync} over a {@link
 * RolloutSnapshot}, with one class per concern: {@link RollingUpdate}, {@link Recreate}, {@link
 * Canary}, {@link Rollback}, {@link ReplicaSetScaler} and {@link DeploymentProgress} (status).
 */
public final class DeploymentController extends Controller {

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

  private final DeploymentSync deploymentSync;

  /** Creates the controller and registers its handlers. */
  public DeploymentController(ControllerContext context, int workers, Duration resync) {
    super("deployment-controller", context, workers, resync);
    deploymentSync = new DeploymentSync(cache, writer, events, clock);
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
    deploymentSync.sync(key, found.get()).ifPresent(wait -> queue.addAfter(key, wait));
  }

  static int desiredReplicas(DeploymentSpec spec) {
    return spec.hasReplicas() ? spec.getReplicas() : 1;
  }

  static long revisionOf(ReplicaSet rs) {
    return WellKnown.revision(rs.getMetadata());
  }

  static boolean restartsOnConfigChange(Deployment d) {
    return !d.getSpec().hasRestartOnConfigChange() || d.getSpec().getRestartOnConfigChange();
  }

  /** The template a ReplicaSet was made from, without the labels and annotations we add. */
  static PodTemplateSpec stripped(PodTemplateSpec template) {
    PodTemplateSpec.Builder b = template.toBuilder();
    b.getMetadataBuilder().removeLabels(POD_TEMPLATE_HASH).removeAnnotations(CONFIG_HASH);
    return b.build();
  }

  static Optional<Condition> condition(DeploymentStatus status, String type) {
    return DeploymentConditions.find(status, type);
  }
}
