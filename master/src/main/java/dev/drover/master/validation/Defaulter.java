package dev.drover.master.validation;

import com.google.protobuf.ByteString;
import dev.drover.api.ApiObjects;
import dev.drover.api.ImageReference;
import dev.drover.api.Kinds;
import dev.drover.api.PersistentVolumes;
import dev.drover.api.v1.CompletionMode;
import dev.drover.api.v1.ConfigMapVolumeSource;
import dev.drover.api.v1.Container;
import dev.drover.api.v1.ContainerPort;
import dev.drover.api.v1.DaemonSetSpec;
import dev.drover.api.v1.DaemonSetUpdateStrategyType;
import dev.drover.api.v1.DeploymentSpec;
import dev.drover.api.v1.DeploymentStrategyType;
import dev.drover.api.v1.EventType;
import dev.drover.api.v1.ImagePullPolicy;
import dev.drover.api.v1.IntOrString;
import dev.drover.api.v1.JobSpec;
import dev.drover.api.v1.LabelSelector;
import dev.drover.api.v1.NamespacePhase;
import dev.drover.api.v1.NodeStatus;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.PersistentVolumeClaim;
import dev.drover.api.v1.PersistentVolumeClaimSpec;
import dev.drover.api.v1.PersistentVolumeReclaimPolicy;
import dev.drover.api.v1.PodManagementPolicyType;
import dev.drover.api.v1.PodSpec;
import dev.drover.api.v1.PodTemplateSpec;
import dev.drover.api.v1.Probe;
import dev.drover.api.v1.Protocol;
import dev.drover.api.v1.ReplicaSetSpec;
import dev.drover.api.v1.RestartPolicy;
import dev.drover.api.v1.Secret;
import dev.drover.api.v1.SecretVolumeSource;
import dev.drover.api.v1.ServicePort;
import dev.drover.api.v1.ServiceSpec;
import dev.drover.api.v1.ServiceType;
import dev.drover.api.v1.StatefulSetSpec;
import dev.drover.api.v1.StatefulSetUpdateStrategyType;
import dev.drover.api.v1.UriScheme;
import dev.drover.api.v1.Volume;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Fills the fields a client may leave unset with Kubernetes' defaults, in place on an {@code
 * Object.Builder}: the namespace {@code default}; for pods and pod templates the restart policy,
 * grace period, image pull policy, port protocol, probe timings, HTTP probe path and scheme,
 * requests from limits and volume file modes; replica counts, rollout strategies and history limits
 * of controllers; Job parallelism, completions, backoff and (once the uid is known) selector;
 * Service type, port protocol and target port; Secret type and string_data; Event type; Namespace
 * phase; Node allocatable. Fields already set are never changed, so defaulting twice gives the same
 * object. Stateless and thread-safe.
 */
public final class Defaulter {

  /** Default seconds between SIGTERM and SIGKILL. */
  public static final long TERMINATION_GRACE_SECONDS = 30;

  /** Label (and selector key) a Job's pods carry with the Job's uid. */
  public static final String JOB_CONTROLLER_UID_LABEL = "batch.kubernetes.io/controller-uid";

  /** Label a Job's pods carry with the Job's name. */
  public static final String JOB_NAME_LABEL = "batch.kubernetes.io/job-name";

  private static final IntOrString TWENTY_FIVE_PERCENT =
      IntOrString.newBuilder().setStringValue("25%").build();

  /** Fills defaults of the object in {@code builder}. */
  public void apply(Object.Builder builder) {
    if (builder.getKindCase() == Object.KindCase.KIND_NOT_SET) {
      return;
    }
    Object object = builder.build();
    ObjectMeta meta = ApiObjects.meta(object);
    if (Kinds.isNamespaced(Kinds.kindOf(object)) && meta.getNamespace().isEmpty()) {
      // Replace rather than merge: merging would append the repeated fields a second time.
      builder
          .clear()
          .mergeFrom(ApiObjects.withMeta(object, meta.toBuilder().setNamespace("default").build()));
    }
    switch (builder.getKindCase()) {
      case NAMESPACE:
        var nsStatus = builder.getNamespaceBuilder().getStatusBuilder();
        if (nsStatus.getPhase() == NamespacePhase.NAMESPACE_PHASE_UNSPECIFIED) {
          nsStatus.setPhase(NamespacePhase.NAMESPACE_PHASE_ACTIVE);
        }
        break;
      case NODE:
        node(builder.getNodeBuilder().getStatusBuilder());
        break;
      case POD:
        podSpec(builder.getPodBuilder().getSpecBuilder(), true);
        break;
      case DEPLOYMENT:
        deployment(builder.getDeploymentBuilder().getSpecBuilder());
        break;
      case REPLICA_SET:
        replicaSet(builder.getReplicaSetBuilder().getSpecBuilder());
        break;
      case DAEMON_SET:
        daemonSet(builder.getDaemonSetBuilder().getSpecBuilder());
        break;
      case JOB:
        ObjectMeta jobMeta = builder.getJob().getMetadata();
        job(builder.getJobBuilder().getSpecBuilder(), jobMeta);
        break;
      case SERVICE:
        service(builder.getServiceBuilder().getSpecBuilder());
        break;
      case STATEFUL_SET:
        statefulSet(builder.getStatefulSetBuilder().getSpecBuilder());
        break;
      case PERSISTENT_VOLUME_CLAIM:
        claim(builder.getPersistentVolumeClaimBuilder().getSpecBuilder());
        break;
      case PERSISTENT_VOLUME:
        var pv = builder.getPersistentVolumeBuilder().getSpecBuilder();
        if (pv.getPersistentVolumeReclaimPolicy()
            == PersistentVolumeReclaimPolicy.PERSISTENT_VOLUME_RECLAIM_POLICY_UNSPECIFIED) {
          pv.setPersistentVolumeReclaimPolicy(
              PersistentVolumeReclaimPolicy.PERSISTENT_VOLUME_RECLAIM_POLICY_RETAIN);
        }
        break;
      case SECRET:
        secret(builder.getSecretBuilder());
        break;
      case EVENT:
        if (builder.getEvent().getType() == EventType.EVENT_TYPE_UNSPECIFIED) {
          builder.getEventBuilder().setType(EventType.EVENT_TYPE_NORMAL);
        }
        break;
      default:
        break;
    }
  }

  /** Returns a copy of {@code object} with defaults filled. */
  public Object withDefaults(Object object) {
    Object.Builder builder = object.toBuilder();
    apply(builder);
    return builder.build();
  }

  private static void node(NodeStatus.Builder status) {
    if (status.getAllocatableCount() == 0) {
      status.putAllAllocatable(status.getCapacityMap());
    }
  }

  /**
   * Defaults of a pod spec. Job templates keep an unset restart policy: Kubernetes' Always would be
   * invalid there, and the validator then asks for OnFailure or Never explicitly.
   */
  private static void podSpec(PodSpec.Builder spec, boolean defaultRestartPolicy) {
    if (defaultRestartPolicy
        && spec.getRestartPolicy() == RestartPolicy.RESTART_POLICY_UNSPECIFIED) {
      spec.setRestartPolicy(RestartPolicy.RESTART_POLICY_ALWAYS);
    }
    if (!spec.hasTerminationGracePeriodSeconds()) {
      spec.setTerminationGracePeriodSeconds(TERMINATION_GRACE_SECONDS);
    }
    for (Container.Builder c : spec.getInitContainersBuilderList()) {
      container(c);
    }
    for (Container.Builder c : spec.getContainersBuilderList()) {
      container(c);
    }
    for (Volume.Builder volume : spec.getVolumesBuilderList()) {
      if (volume.hasConfigMap() && !volume.getConfigMap().hasDefaultMode()) {
        ConfigMapVolumeSource.Builder cm = volume.getConfigMapBuilder();
        cm.setDefaultMode(0644);
      }
      if (volume.hasSecret() && !volume.getSecret().hasDefaultMode()) {
        SecretVolumeSource.Builder secret = volume.getSecretBuilder();
        secret.setDefaultMode(0644);
      }
    }
  }

  private static void container(Container.Builder c) {
    if (c.getImagePullPolicy() == ImagePullPolicy.IMAGE_PULL_POLICY_UNSPECIFIED) {
      c.setImagePullPolicy(pullPolicyFor(c.getImage()));
    }
    for (ContainerPort.Builder port : c.getPortsBuilderList()) {
      if (port.getProtocol() == Protocol.PROTOCOL_UNSPECIFIED) {
        port.setProtocol(Protocol.PROTOCOL_TCP);
      }
    }
    var resources = c.getResourcesBuilder();
    for (Map.Entry<String, String> limit : resources.getLimitsMap().entrySet()) {
      if (!resources.containsRequests(limit.getKey())) {
        resources.putRequests(limit.getKey(), limit.getValue());
      }
    }
    if (c.hasLivenessProbe()) {
      probe(c.getLivenessProbeBuilder());
    }
    if (c.hasReadinessProbe()) {
      probe(c.getReadinessProbeBuilder());
    }
    if (c.hasStartupProbe()) {
      probe(c.getStartupProbeBuilder());
    }
  }

  /**
   * Kubernetes' rule: Always for the {@code latest} tag or no tag (and no digest), IfNotPresent
   * otherwise. An unparseable image gets IfNotPresent; the validator reports the image.
   */
  static ImagePullPolicy pullPolicyFor(String image) {
    return ImageReference.tryParse(image)
        .flatMap(ImageReference::effectiveTag)
        .filter("latest"::equals)
        .map(tag -> ImagePullPolicy.IMAGE_PULL_POLICY_ALWAYS)
        .orElse(ImagePullPolicy.IMAGE_PULL_POLICY_IF_NOT_PRESENT);
  }

  private static void probe(Probe.Builder p) {
    if (!p.hasPeriodSeconds()) {
      p.setPeriodSeconds(10);
    }
    if (!p.hasTimeoutSeconds()) {
      p.setTimeoutSeconds(1);
    }
    if (!p.hasSuccessThreshold()) {
      p.setSuccessThreshold(1);
    }
    if (!p.hasFailureThreshold()) {
      p.setFailureThreshold(3);
    }
    if (p.hasHttpGet()) {
      var http = p.getHttpGetBuilder();
      if (http.getPath().isEmpty()) {
        http.setPath("/");
      }
      if (http.getScheme() == UriScheme.URI_SCHEME_UNSPECIFIED) {
        http.setScheme(UriScheme.URI_SCHEME_HTTP);
      }
    }
  }

  private static void template(PodTemplateSpec.Builder template, boolean defaultRestartPolicy) {
    podSpec(template.getSpecBuilder(), defaultRestartPolicy);
  }

  private static void deployment(DeploymentSpec.Builder spec) {
    if (!spec.hasReplicas()) {
      spec.setReplicas(1);
    }
    var strategy = spec.getStrategyBuilder();
    if (strategy.getType() == DeploymentStrategyType.DEPLOYMENT_STRATEGY_TYPE_UNSPECIFIED) {
      strategy.setType(DeploymentStrategyType.DEPLOYMENT_STRATEGY_TYPE_ROLLING_UPDATE);
    }
    if (strategy.getType() == DeploymentStrategyType.DEPLOYMENT_STRATEGY_TYPE_ROLLING_UPDATE) {
      var rolling = strategy.getRollingUpdateBuilder();
      if (!rolling.hasMaxUnavailable()) {
        rolling.setMaxUnavailable(TWENTY_FIVE_PERCENT);
      }
      if (!rolling.hasMaxSurge()) {
        rolling.setMaxSurge(TWENTY_FIVE_PERCENT);
      }
    }
    if (!spec.hasRevisionHistoryLimit()) {
      spec.setRevisionHistoryLimit(10);
    }
    if (!spec.hasProgressDeadlineSeconds()) {
      spec.setProgressDeadlineSeconds(600);
    }
    if (!spec.hasRestartOnConfigChange()) {
      spec.setRestartOnConfigChange(true);
    }
    template(spec.getTemplateBuilder(), true);
  }

  private static void replicaSet(ReplicaSetSpec.Builder spec) {
    if (!spec.hasReplicas()) {
      spec.setReplicas(1);
    }
    template(spec.getTemplateBuilder(), true);
  }

  private static void daemonSet(DaemonSetSpec.Builder spec) {
    var strategy = spec.getUpdateStrategyBuilder();
    if (strategy.getType()
        == DaemonSetUpdateStrategyType.DAEMON_SET_UPDATE_STRATEGY_TYPE_UNSPECIFIED) {
      strategy.setType(DaemonSetUpdateStrategyType.DAEMON_SET_UPDATE_STRATEGY_TYPE_ROLLING_UPDATE);
    }
    if (strategy.getType()
        == DaemonSetUpdateStrategyType.DAEMON_SET_UPDATE_STRATEGY_TYPE_ROLLING_UPDATE) {
      var rolling = strategy.getRollingUpdateBuilder();
      if (!rolling.hasMaxUnavailable()) {
        rolling.setMaxUnavailable(IntOrString.newBuilder().setIntValue(1));
      }
      if (!rolling.hasMaxSurge()) {
        rolling.setMaxSurge(IntOrString.newBuilder().setIntValue(0));
      }
    }
    if (!spec.hasRevisionHistoryLimit()) {
      spec.setRevisionHistoryLimit(10);
    }
    template(spec.getTemplateBuilder(), true);
  }

  private static void statefulSet(StatefulSetSpec.Builder spec) {
    if (!spec.hasReplicas()) {
      spec.setReplicas(1);
    }
    if (spec.getPodManagementPolicy()
        == PodManagementPolicyType.POD_MANAGEMENT_POLICY_TYPE_UNSPECIFIED) {
      spec.setPodManagementPolicy(PodManagementPolicyType.POD_MANAGEMENT_POLICY_TYPE_ORDERED_READY);
    }
    var strategy = spec.getUpdateStrategyBuilder();
    if (strategy.getType()
        == StatefulSetUpdateStrategyType.STATEFUL_SET_UPDATE_STRATEGY_TYPE_UNSPECIFIED) {
      strategy.setType(
          StatefulSetUpdateStrategyType.STATEFUL_SET_UPDATE_STRATEGY_TYPE_ROLLING_UPDATE);
    }
    if (strategy.getType()
            == StatefulSetUpdateStrategyType.STATEFUL_SET_UPDATE_STRATEGY_TYPE_ROLLING_UPDATE
        && !strategy.getRollingUpdateBuilder().hasPartition()) {
      strategy.getRollingUpdateBuilder().setPartition(0);
    }
    if (!spec.hasRevisionHistoryLimit()) {
      spec.setRevisionHistoryLimit(10);
    }
    for (PersistentVolumeClaim.Builder claim : spec.getVolumeClaimTemplatesBuilderList()) {
      claim(claim.getSpecBuilder());
    }
    template(spec.getTemplateBuilder(), true);
  }

  // Kubernetes' DefaultStorageClass admission: a claim without a class gets the default one.
  private static void claim(PersistentVolumeClaimSpec.Builder spec) {
    if (!spec.hasStorageClassName()) {
      spec.setStorageClassName(PersistentVolumes.DEFAULT_STORAGE_CLASS);
    }
    if (spec.getVolumeMode().isEmpty()) {
      spec.setVolumeMode("Filesystem");
    }
  }

  private static void job(JobSpec.Builder spec, ObjectMeta meta) {
    // Kubernetes: both unset means one pod to one completion; parallelism alone is a work queue.
    if (!spec.hasCompletions() && !spec.hasParallelism()) {
      spec.setCompletions(1);
    }
    if (!spec.hasParallelism()) {
      spec.setParallelism(1);
    }
    if (!spec.hasBackoffLimit()) {
      spec.setBackoffLimit(6);
    }
    if (!spec.hasCompletionMode()) {
      spec.setCompletionMode(CompletionMode.COMPLETION_MODE_NON_INDEXED);
    }
    if (!spec.hasSuspend()) {
      spec.setSuspend(false);
    }
    boolean noSelector =
        spec.getSelector().getMatchLabelsCount() == 0
            && spec.getSelector().getMatchExpressionsCount() == 0;
    if (noSelector && !meta.getUid().isEmpty()) {
      spec.setSelector(
          LabelSelector.newBuilder().putMatchLabels(JOB_CONTROLLER_UID_LABEL, meta.getUid()));
      var labels = spec.getTemplateBuilder().getMetadataBuilder();
      labels.putLabels(JOB_CONTROLLER_UID_LABEL, meta.getUid());
      if (!meta.getName().isEmpty()) {
        labels.putLabels(JOB_NAME_LABEL, meta.getName());
      }
    }
    template(spec.getTemplateBuilder(), false);
  }

  private static void service(ServiceSpec.Builder spec) {
    if (spec.getType() == ServiceType.SERVICE_TYPE_UNSPECIFIED) {
      spec.setType(ServiceType.SERVICE_TYPE_CLUSTER_IP);
    }
    for (ServicePort.Builder port : spec.getPortsBuilderList()) {
      if (port.getProtocol() == Protocol.PROTOCOL_UNSPECIFIED) {
        port.setProtocol(Protocol.PROTOCOL_TCP);
      }
      if (!port.hasTargetPort()
          || port.getTargetPort().getValueCase() == IntOrString.ValueCase.VALUE_NOT_SET) {
        port.setTargetPort(IntOrString.newBuilder().setIntValue(port.getPort()));
      }
    }
  }

  private static void secret(Secret.Builder secret) {
    if (secret.getType().isEmpty()) {
      secret.setType("Opaque");
    }
    // string_data is write-only: it is merged into data (winning over it, as in Kubernetes).
    for (Map.Entry<String, String> e : secret.getStringDataMap().entrySet()) {
      secret.putData(e.getKey(), ByteString.copyFrom(e.getValue(), StandardCharsets.UTF_8));
    }
    secret.clearStringData();
  }
}
