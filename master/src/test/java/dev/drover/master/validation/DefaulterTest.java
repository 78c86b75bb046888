package dev.drover.master.validation;

import static dev.drover.master.validation.Fixtures.with;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.drover.api.Kinds;
import dev.drover.api.v1.ConfigMapVolumeSource;
import dev.drover.api.v1.Container;
import dev.drover.api.v1.ContainerPort;
import dev.drover.api.v1.DaemonSet;
import dev.drover.api.v1.DaemonSetSpec;
import dev.drover.api.v1.DaemonSetUpdateStrategyType;
import dev.drover.api.v1.Deployment;
import dev.drover.api.v1.DeploymentSpec;
import dev.drover.api.v1.DeploymentStrategyType;
import dev.drover.api.v1.Event;
import dev.drover.api.v1.EventType;
import dev.drover.api.v1.HttpGetAction;
import dev.drover.api.v1.ImagePullPolicy;
import dev.drover.api.v1.IntOrString;
import dev.drover.api.v1.Job;
import dev.drover.api.v1.JobSpec;
import dev.drover.api.v1.Namespace;
import dev.drover.api.v1.NamespacePhase;
import dev.drover.api.v1.Node;
import dev.drover.api.v1.NodeStatus;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodSpec;
import dev.drover.api.v1.PodTemplateSpec;
import dev.drover.api.v1.Probe;
import dev.drover.api.v1.Protocol;
import dev.drover.api.v1.ResourceRequirements;
import dev.drover.api.v1.RestartPolicy;
import dev.drover.api.v1.Secret;
import dev.drover.api.v1.Service;
import dev.drover.api.v1.ServicePort;
import dev.drover.api.v1.ServiceSpec;
import dev.drover.api.v1.ServiceType;
import dev.drover.api.v1.UriScheme;
import dev.drover.api.v1.Volume;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Checks the Kubernetes defaults the Defaulter fills, and that it keeps what is set. */
class DefaulterTest {

  private static final Defaulter DEFAULTER = new Defaulter();

  private static Object minimalPod() {
    return Kinds.wrap(
        Pod.newBuilder()
            .setMetadata(ObjectMeta.newBuilder().setName("p"))
            .setSpec(
                PodSpec.newBuilder()
                    .addContainers(
                        Container.newBuilder()
                            .setName("c")
                            .setImage("busybox:1")
                            .addPorts(ContainerPort.newBuilder().setContainerPort(80))
                            .setResources(
                                ResourceRequirements.newBuilder()
                                    .putLimits("cpu", "1")
                                    .putLimits("memory", "1Gi")
                                    .putRequests("cpu", "100m"))
                            .setLivenessProbe(
                                Probe.newBuilder()
                                    .setHttpGet(
                                        HttpGetAction.newBuilder()
                                            .setPort(IntOrString.newBuilder().setIntValue(80))))
                            .setReadinessProbe(
                                Probe.newBuilder()
                                    .setPeriodSeconds(5)
                                    .setHttpGet(
                                        HttpGetAction.newBuilder()
                                            .setPort(IntOrString.newBuilder().setIntValue(80)))))
                    .addVolumes(
                        Volume.newBuilder()
                            .setName("cfg")
                            .setConfigMap(ConfigMapVolumeSource.newBuilder().setName("cfg"))))
            .build());
  }

  @Test
  void podDefaults() {
    Pod pod = DEFAULTER.withDefaults(minimalPod()).getPod();
    assertThat(pod.getMetadata().getNamespace()).isEqualTo("default");
    PodSpec spec = pod.getSpec();
    assertThat(spec.getRestartPolicy()).isEqualTo(RestartPolicy.RESTART_POLICY_ALWAYS);
    assertThat(spec.getTerminationGracePeriodSeconds()).isEqualTo(30);
    assertThat(spec.getContainersCount()).as("repeated fields not duplicated").isEqualTo(1);
    Container c = spec.getContainers(0);
    assertThat(c.getImagePullPolicy()).isEqualTo(ImagePullPolicy.IMAGE_PULL_POLICY_IF_NOT_PRESENT);
    assertThat(c.getPorts(0).getProtocol()).isEqualTo(Protocol.PROTOCOL_TCP);
    assertThat(c.getResources().getRequestsMap())
        .containsEntry("cpu", "100m")
        .containsEntry("memory", "1Gi");
    Probe liveness = c.getLivenessProbe();
    assertThat(liveness.getPeriodSeconds()).isEqualTo(10);
    assertThat(liveness.getTimeoutSeconds()).isEqualTo(1);
    assertThat(liveness.getSuccessThreshold()).isEqualTo(1);
    assertThat(liveness.getFailureThreshold()).isEqualTo(3);
    assertThat(liveness.getHttpGet().getPath()).isEqualTo("/");
    assertThat(liveness.getHttpGet().getScheme()).isEqualTo(UriScheme.URI_SCHEME_HTTP);
    assertThat(c.getReadinessProbe().getPeriodSeconds()).as("kept").isEqualTo(5);
    assertThat(c.hasStartupProbe()).as("no probe invented").isFalse();
    assertThat(spec.getVolumes(0).getConfigMap().getDefaultMode()).isEqualTo(0644);
  }

  @Test
  void defaultingTwiceChangesNothingAndSetValuesStay() {
    Object once = DEFAULTER.withDefaults(Fixtures.pod());
    assertThat(DEFAULTER.withDefaults(once)).isEqualTo(once);
    assertThat(once.getPod().getSpec().getTerminationGracePeriodSeconds()).isEqualTo(10);
    Object otherNamespace =
        with(minimalPod(), b -> b.getPodBuilder().getMetadataBuilder().setNamespace("prod"));
    assertThat(DEFAULTER.withDefaults(otherNamespace).getPod().getMetadata().getNamespace())
        .isEqualTo("prod");
    Object.Builder inPlace = minimalPod().toBuilder();
    DEFAULTER.apply(inPlace);
    assertThat(inPlace.getPod().getMetadata().getNamespace()).isEqualTo("default");
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "busybox, IMAGE_PULL_POLICY_ALWAYS",
    "busybox:latest, IMAGE_PULL_POLICY_ALWAYS",
    "127.0.0.1:5000/busybox, IMAGE_PULL_POLICY_ALWAYS",
    "127.0.0.1:5000/busybox:1, IMAGE_PULL_POLICY_IF_NOT_PRESENT",
    "busybox:latest@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef,"
        + " IMAGE_PULL_POLICY_ALWAYS",
    "registry:5000/a/b@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef,"
        + " IMAGE_PULL_POLICY_IF_NOT_PRESENT",
    "Not An Image, IMAGE_PULL_POLICY_IF_NOT_PRESENT",
  })
  void imagePullPolicy(String image, ImagePullPolicy expected) {
    assertThat(Defaulter.pullPolicyFor(image)).isEqualTo(expected);
  }

  @Test
  void deploymentDefaults() {
    Object d =
        DEFAULTER.withDefaults(
            Kinds.wrap(
                Deployment.newBuilder()
                    .setMetadata(ObjectMeta.newBuilder().setName("d"))
                    .setSpec(
                        DeploymentSpec.newBuilder()
                            .setTemplate(
                                PodTemplateSpec.newBuilder()
                                    .setSpec(
                                        PodSpec.newBuilder()
                                            .addContainers(
                                                Container.newBuilder()
                                                    .setName("c")
                                                    .setImage("busybox")))))
                    .build()));
    DeploymentSpec spec = d.getDeployment().getSpec();
    assertThat(spec.getReplicas()).isEqualTo(1);
    assertThat(spec.getStrategy().getType())
        .isEqualTo(DeploymentStrategyType.DEPLOYMENT_STRATEGY_TYPE_ROLLING_UPDATE);
    assertThat(spec.getStrategy().getRollingUpdate().getMaxUnavailable().getStringValue())
        .isEqualTo("25%");
    assertThat(spec.getStrategy().getRollingUpdate().getMaxSurge().getStringValue())
        .isEqualTo("25%");
    assertThat(spec.getRevisionHistoryLimit()).isEqualTo(10);
    assertThat(spec.getProgressDeadlineSeconds()).isEqualTo(600);
    assertThat(spec.getRestartOnConfigChange()).isTrue();
    assertThat(spec.getTemplate().getSpec().getRestartPolicy())
        .isEqualTo(RestartPolicy.RESTART_POLICY_ALWAYS);
    assertThat(spec.getTemplate().getSpec().getContainers(0).getImagePullPolicy())
        .isEqualTo(ImagePullPolicy.IMAGE_PULL_POLICY_ALWAYS);

    Object zero =
        DEFAULTER.withDefaults(
            with(
                d,
                b ->
                    b.getDeploymentBuilder()
                        .getSpecBuilder()
                        .setReplicas(0)
                        .getStrategyBuilder()
                        .clear()
                        .setType(DeploymentStrategyType.DEPLOYMENT_STRATEGY_TYPE_RECREATE)));
    assertThat(zero.getDeployment().getSpec().getReplicas()).as("explicit 0 kept").isZero();
    assertThat(zero.getDeployment().getSpec().getStrategy().hasRollingUpdate())
        .as("no rolling parameters for Recreate")
        .isFalse();
  }

  @Test
  void daemonSetDefaults() {
    DaemonSetSpec spec =
        DEFAULTER
            .withDefaults(
                Kinds.wrap(
                    DaemonSet.newBuilder()
                        .setMetadata(ObjectMeta.newBuilder().setName("d"))
                        .setSpec(DaemonSetSpec.newBuilder())
                        .build()))
            .getDaemonSet()
            .getSpec();
    assertThat(spec.getUpdateStrategy().getType())
        .isEqualTo(DaemonSetUpdateStrategyType.DAEMON_SET_UPDATE_STRATEGY_TYPE_ROLLING_UPDATE);
    assertThat(spec.getUpdateStrategy().getRollingUpdate().getMaxUnavailable().getIntValue())
        .isEqualTo(1);
    assertThat(spec.getRevisionHistoryLimit()).isEqualTo(10);
  }

  @Test
  void jobDefaults() {
    Object job =
        Kinds.wrap(
            Job.newBuilder()
                .setMetadata(ObjectMeta.newBuilder().setName("j").setUid("uid-1"))
                .setSpec(
                    JobSpec.newBuilder()
                        .setTemplate(
                            PodTemplateSpec.newBuilder()
                                .setSpec(
                                    PodSpec.newBuilder()
                                        .addContainers(
                                            Container.newBuilder()
                                                .setName("c")
                                                .setImage("busybox:1")))))
                .build());
    JobSpec spec = DEFAULTER.withDefaults(job).getJob().getSpec();
    assertThat(spec.getParallelism()).isEqualTo(1);
    assertThat(spec.getCompletions()).isEqualTo(1);
    assertThat(spec.getBackoffLimit()).isEqualTo(6);
    assertThat(spec.getSuspend()).isFalse();
    assertThat(spec.getSelector().getMatchLabelsMap())
        .containsEntry(Defaulter.JOB_CONTROLLER_UID_LABEL, "uid-1");
    assertThat(spec.getTemplate().getMetadata().getLabelsMap())
        .containsEntry(Defaulter.JOB_CONTROLLER_UID_LABEL, "uid-1")
        .containsEntry(Defaulter.JOB_NAME_LABEL, "j");
    assertThat(spec.getTemplate().getSpec().getRestartPolicy())
        .as("a Job's restart policy is the user's choice")
        .isEqualTo(RestartPolicy.RESTART_POLICY_UNSPECIFIED);
    assertThat(spec.getTemplate().getSpec().getTerminationGracePeriodSeconds()).isEqualTo(30);

    JobSpec workQueue =
        DEFAULTER
            .withDefaults(with(job, b -> b.getJobBuilder().getSpecBuilder().setParallelism(4)))
            .getJob()
            .getSpec();
    assertThat(workQueue.hasCompletions()).as("work queue keeps completions unset").isFalse();
    assertThat(workQueue.getParallelism()).isEqualTo(4);
  }

  @Test
  void serviceSecretEventNamespaceNodeDefaults() {
    ServiceSpec svc =
        DEFAULTER
            .withDefaults(
                Kinds.wrap(
                    Service.newBuilder()
                        .setMetadata(ObjectMeta.newBuilder().setName("s"))
                        .setSpec(
                            ServiceSpec.newBuilder()
                                .addPorts(ServicePort.newBuilder().setPort(80))
                                .addPorts(
                                    ServicePort.newBuilder()
                                        .setPort(81)
                                        .setTargetPort(
                                            IntOrString.newBuilder().setStringValue("http"))))
                        .build()))
            .getService()
            .getSpec();
    assertThat(svc.getType()).isEqualTo(ServiceType.SERVICE_TYPE_CLUSTER_IP);
    assertThat(svc.getPorts(0).getProtocol()).isEqualTo(Protocol.PROTOCOL_TCP);
    assertThat(svc.getPorts(0).getTargetPort().getIntValue()).isEqualTo(80);
    assertThat(svc.getPorts(1).getTargetPort().getStringValue()).isEqualTo("http");

    Secret secret =
        DEFAULTER
            .withDefaults(
                Kinds.wrap(
                    Secret.newBuilder()
                        .setMetadata(ObjectMeta.newBuilder().setName("s"))
                        .putData("a", ByteString.copyFromUtf8("old"))
                        .putStringData("a", "new")
                        .putStringData("b", "x")
                        .build()))
            .getSecret();
    assertThat(secret.getType()).isEqualTo("Opaque");
    assertThat(secret.getStringDataCount()).isZero();
    assertThat(secret.getDataMap())
        .containsEntry("a", ByteString.copyFromUtf8("new"))
        .containsEntry("b", ByteString.copyFromUtf8("x"));

    Event event =
        DEFAULTER
            .withDefaults(
                Kinds.wrap(
                    Event.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("e")).build()))
            .getEvent();
    assertThat(event.getType()).isEqualTo(EventType.EVENT_TYPE_NORMAL);

    Namespace ns =
        DEFAULTER
            .withDefaults(
                Kinds.wrap(
                    Namespace.newBuilder()
                        .setMetadata(ObjectMeta.newBuilder().setName("n"))
                        .build()))
            .getNamespace();
    assertThat(ns.getMetadata().getNamespace()).as("cluster-scoped stays empty").isEmpty();
    assertThat(ns.getStatus().getPhase()).isEqualTo(NamespacePhase.NAMESPACE_PHASE_ACTIVE);

    Node node =
        DEFAULTER
            .withDefaults(
                Kinds.wrap(
                    Node.newBuilder()
                        .setMetadata(ObjectMeta.newBuilder().setName("n"))
                        .setStatus(NodeStatus.newBuilder().putCapacity("cpu", "4"))
                        .build()))
            .getNode();
    assertThat(node.getMetadata().getNamespace()).isEmpty();
    assertThat(node.getStatus().getAllocatableMap()).containsEntry("cpu", "4");
  }

  @Test
  void emptyObjectIsLeftAlone() {
    assertThat(DEFAULTER.withDefaults(Object.getDefaultInstance()))
        .isEqualTo(Object.getDefaultInstance());
  }
}
