package dev.drover.master.validation;

import com.google.protobuf.ByteString;
import dev.drover.api.Kinds;
import dev.drover.api.v1.ConfigMap;
import dev.drover.api.v1.Container;
import dev.drover.api.v1.ContainerPort;
import dev.drover.api.v1.DaemonSet;
import dev.drover.api.v1.DaemonSetSpec;
import dev.drover.api.v1.Deployment;
import dev.drover.api.v1.DeploymentSpec;
import dev.drover.api.v1.EmptyDirVolumeSource;
import dev.drover.api.v1.EndpointAddress;
import dev.drover.api.v1.EndpointPort;
import dev.drover.api.v1.EndpointSubset;
import dev.drover.api.v1.Endpoints;
import dev.drover.api.v1.EnvVar;
import dev.drover.api.v1.Event;
import dev.drover.api.v1.HttpGetAction;
import dev.drover.api.v1.IntOrString;
import dev.drover.api.v1.Job;
import dev.drover.api.v1.JobSpec;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.LabelSelector;
import dev.drover.api.v1.Lease;
import dev.drover.api.v1.LeaseSpec;
import dev.drover.api.v1.Namespace;
import dev.drover.api.v1.Node;
import dev.drover.api.v1.NodeSpec;
import dev.drover.api.v1.NodeStatus;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.ObjectReference;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodSpec;
import dev.drover.api.v1.PodTemplateSpec;
import dev.drover.api.v1.Probe;
import dev.drover.api.v1.ReplicaSet;
import dev.drover.api.v1.ReplicaSetSpec;
import dev.drover.api.v1.ResourceRequirements;
import dev.drover.api.v1.RestartPolicy;
import dev.drover.api.v1.Secret;
import dev.drover.api.v1.Service;
import dev.drover.api.v1.ServicePort;
import dev.drover.api.v1.ServiceSpec;
import dev.drover.api.v1.Taint;
import dev.drover.api.v1.TaintEffect;
import dev.drover.api.v1.Toleration;
import dev.drover.api.v1.TolerationOperator;
import dev.drover.api.v1.Volume;
import dev.drover.api.v1.VolumeMount;
import java.util.function.Consumer;

/** Valid, fully populated objects of every kind for the validation tables to break. */
final class Fixtures {
  private Fixtures() {}

  static ObjectMeta meta(String name) {
    return ObjectMeta.newBuilder()
        .setName(name)
        .setNamespace("default")
        .putLabels("app", "web")
        .putLabels("app.kubernetes.io/name", "web")
        .putAnnotations("example.com/owner", "team-a")
        .addFinalizers("example.com/cleanup")
        .build();
  }

  static Container container(String name) {
    return Container.newBuilder()
        .setName(name)
        .setImage("127.0.0.1:5000/busybox:1")
        .addCommand("sleep")
        .addArgs("3600")
        .setWorkingDir("/work")
        .addEnv(EnvVar.newBuilder().setName("MODE").setValue("prod"))
        .addPorts(
            ContainerPort.newBuilder()
                .setName(name + "-http")
                .setContainerPort(8080)
                .setHostPort(0))
        .setResources(
            ResourceRequirements.newBuilder()
                .putRequests("cpu", "250m")
                .putRequests("memory", "64Mi")
                .putLimits("cpu", "1")
                .putLimits("memory", "128Mi"))
        .addVolumeMounts(VolumeMount.newBuilder().setName("scratch").setMountPath("/scratch"))
        .setLivenessProbe(
            Probe.newBuilder()
                .setHttpGet(
                    HttpGetAction.newBuilder()
                        .setPath("/healthz")
                        .setPort(IntOrString.newBuilder().setStringValue(name + "-http")))
                .setInitialDelaySeconds(5))
        .setReadinessProbe(
            Probe.newBuilder()
                .setTcpSocket(
                    dev.drover.api.v1.TcpSocketAction.newBuilder()
                        .setPort(IntOrString.newBuilder().setIntValue(8080)))
                .setSuccessThreshold(2))
        .build();
  }

  static PodSpec podSpec() {
    return PodSpec.newBuilder()
        .addContainers(container("web"))
        .addContainers(
            container("sidecar").toBuilder()
                .clearPorts()
                .clearLivenessProbe()
                .clearReadinessProbe())
        .addVolumes(
            Volume.newBuilder()
                .setName("scratch")
                .setEmptyDir(EmptyDirVolumeSource.newBuilder().setSizeLimit("64Mi")))
        .setRestartPolicy(RestartPolicy.RESTART_POLICY_ALWAYS)
        .setTerminationGracePeriodSeconds(10)
        .putNodeSelector("kubernetes.io/os", "linux")
        .addTolerations(
            Toleration.newBuilder()
                .setKey("dedicated")
                .setOperator(TolerationOperator.TOLERATION_OPERATOR_EQUAL)
                .setValue("web")
                .setEffect(TaintEffect.TAINT_EFFECT_NO_SCHEDULE))
        .build();
  }

  static Object pod() {
    return Kinds.wrap(Pod.newBuilder().setMetadata(meta("web-1")).setSpec(podSpec()).build());
  }

  static PodTemplateSpec template() {
    return PodTemplateSpec.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().putLabels("app", "web").putLabels("tier", "fe"))
        .setSpec(podSpec())
        .build();
  }

  static LabelSelector selector() {
    return LabelSelector.newBuilder().putMatchLabels("app", "web").build();
  }

  static Object deployment() {
    return Kinds.wrap(
        Deployment.newBuilder()
            .setMetadata(meta("web"))
            .setSpec(
                DeploymentSpec.newBuilder()
                    .setReplicas(3)
                    .setSelector(selector())
                    .setTemplate(template())
                    .setMinReadySeconds(5))
            .build());
  }

  static Object replicaSet() {
    return Kinds.wrap(
        ReplicaSet.newBuilder()
            .setMetadata(meta("web-abc12"))
            .setSpec(
                ReplicaSetSpec.newBuilder()
                    .setReplicas(2)
                    .setSelector(selector())
                    .setTemplate(template()))
            .build());
  }

  static Object daemonSet() {
    return Kinds.wrap(
        DaemonSet.newBuilder()
            .setMetadata(meta("agent"))
            .setSpec(DaemonSetSpec.newBuilder().setSelector(selector()).setTemplate(template()))
            .build());
  }

  static Object job() {
    PodTemplateSpec template =
        template().toBuilder()
            .setSpec(podSpec().toBuilder().setRestartPolicy(RestartPolicy.RESTART_POLICY_NEVER))
            .build();
    return Kinds.wrap(
        Job.newBuilder()
            .setMetadata(meta("batch-1"))
            .setSpec(JobSpec.newBuilder().setCompletions(3).setParallelism(2).setTemplate(template))
            .build());
  }

  static Object service() {
    return Kinds.wrap(
        Service.newBuilder()
            .setMetadata(meta("web"))
            .setSpec(
                ServiceSpec.newBuilder()
                    .putSelector("app", "web")
                    .addPorts(
                        ServicePort.newBuilder()
                            .setName("http")
                            .setPort(80)
                            .setTargetPort(IntOrString.newBuilder().setStringValue("web-http")))
                    .addPorts(ServicePort.newBuilder().setName("metrics").setPort(9090)))
            .build());
  }

  static Object namespace() {
    return Kinds.wrap(
        Namespace.newBuilder().setMetadata(meta("team-a").toBuilder().clearNamespace()).build());
  }

  static Object node() {
    return Kinds.wrap(
        Node.newBuilder()
            .setMetadata(meta("node-1.example").toBuilder().clearNamespace())
            .setSpec(
                NodeSpec.newBuilder()
                    .setPodCidr("10.1.0.0/24")
                    .addTaints(
                        Taint.newBuilder()
                            .setKey("dedicated")
                            .setValue("web")
                            .setEffect(TaintEffect.TAINT_EFFECT_NO_SCHEDULE)))
            .setStatus(
                NodeStatus.newBuilder()
                    .putCapacity("cpu", "4")
                    .putCapacity("memory", "8Gi")
                    .putCapacity("pods", "110"))
            .build());
  }

  static Object configMap() {
    return Kinds.wrap(
        ConfigMap.newBuilder()
            .setMetadata(meta("settings"))
            .putData("config.yaml", "a: 1")
            .putBinaryData("logo.png", ByteString.copyFrom(new byte[] {1, 2, 3}))
            .build());
  }

  static Object secret() {
    return Kinds.wrap(
        Secret.newBuilder()
            .setMetadata(meta("creds"))
            .setType("Opaque")
            .putData("password", ByteString.copyFromUtf8("s3cret"))
            .build());
  }

  static Object endpoints() {
    return Kinds.wrap(
        Endpoints.newBuilder()
            .setMetadata(meta("web"))
            .addSubsets(
                EndpointSubset.newBuilder()
                    .addAddresses(
                        EndpointAddress.newBuilder().setIp("10.0.0.5").setNodeName("node-1"))
                    .addNotReadyAddresses(EndpointAddress.newBuilder().setIp("fd00::5"))
                    .addPorts(EndpointPort.newBuilder().setName("http").setPort(31080)))
            .build());
  }

  static Object event() {
    return Kinds.wrap(
        Event.newBuilder()
            .setMetadata(meta("web-1.abc"))
            .setInvolvedObject(
                ObjectReference.newBuilder()
                    .setKind(Kind.KIND_POD)
                    .setNamespace("default")
                    .setName("web-1"))
            .setReason("Pulled")
            .setMessage("pulled the image")
            .setCount(1)
            .build());
  }

  static Object lease() {
    return Kinds.wrap(
        Lease.newBuilder()
            .setMetadata(meta("node-1"))
            .setSpec(LeaseSpec.newBuilder().setHolderIdentity("node-1").setLeaseDurationSeconds(40))
            .build());
  }

  /** A copy of {@code object} changed by {@code change}. */
  static Object with(Object object, Consumer<Object.Builder> change) {
    Object.Builder builder = object.toBuilder();
    change.accept(builder);
    return builder.build();
  }
}
