package dev.drover.master.validation;

import static dev.drover.master.validation.Fixtures.with;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.drover.api.v1.Condition;
import dev.drover.api.v1.ConditionStatus;
import dev.drover.api.v1.Container;
import dev.drover.api.v1.ContainerPort;
import dev.drover.api.v1.EnvVar;
import dev.drover.api.v1.ExecAction;
import dev.drover.api.v1.IntOrString;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.LabelSelector;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.OwnerReference;
import dev.drover.api.v1.PodStatus;
import dev.drover.api.v1.Probe;
import dev.drover.api.v1.RestartPolicy;
import dev.drover.api.v1.ServicePort;
import dev.drover.api.v1.ServiceType;
import dev.drover.api.v1.TaintEffect;
import dev.drover.api.v1.Toleration;
import dev.drover.api.v1.TolerationOperator;
import dev.drover.api.v1.Volume;
import dev.drover.api.v1.VolumeMount;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Table-driven validation tests: each bad input yields exactly the expected set of field paths;
 * valid objects of every kind, raw and defaulted, yield none.
 */
class ValidatorTest {

  private static final Validator VALIDATOR = new Validator();
  private static final Defaulter DEFAULTER = new Defaulter();
  private static final String SHA =
      "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

  static Stream<Arguments> validObjects() {
    return Stream.of(
        Arguments.of("pod", Fixtures.pod()),
        Arguments.of("deployment", Fixtures.deployment()),
        Arguments.of("replicaset", Fixtures.replicaSet()),
        Arguments.of("daemonset", Fixtures.daemonSet()),
        Arguments.of("job", Fixtures.job()),
        Arguments.of("service", Fixtures.service()),
        Arguments.of("namespace", Fixtures.namespace()),
        Arguments.of("node", Fixtures.node()),
        Arguments.of("configmap", Fixtures.configMap()),
        Arguments.of("secret", Fixtures.secret()),
        Arguments.of("endpoints", Fixtures.endpoints()),
        Arguments.of("event", Fixtures.event()),
        Arguments.of("lease", Fixtures.lease()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("validObjects")
  void validObjectsHaveNoViolations(String name, Object object) {
    assertThat(VALIDATOR.validate(object, Operation.CREATE, null)).isEmpty();
    Object defaulted = DEFAULTER.withDefaults(object);
    assertThat(VALIDATOR.validate(defaulted, Operation.CREATE, null)).isEmpty();
    assertThat(VALIDATOR.validate(defaulted, Operation.UPDATE, defaulted)).isEmpty();
    assertThat(VALIDATOR.validate(defaulted, Operation.UPDATE_STATUS, defaulted)).isEmpty();
  }

  static Stream<Arguments> badCreates() {
    Object pod = Fixtures.pod();
    return Stream.of(
        // metadata
        bad(
            "no name",
            with(pod, b -> b.getPodBuilder().getMetadataBuilder().clearName()),
            "metadata.name"),
        bad(
            "generate_name only",
            with(
                pod,
                b -> b.getPodBuilder().getMetadataBuilder().clearName().setGenerateName("web-"))),
        bad(
            "bad generate_name",
            with(
                pod,
                b -> b.getPodBuilder().getMetadataBuilder().clearName().setGenerateName("Web-")),
            "metadata.generate_name"),
        bad(
            "name with underscore",
            with(pod, b -> b.getPodBuilder().getMetadataBuilder().setName("web_1")),
            "metadata.name"),
        bad(
            "name too long",
            with(pod, b -> b.getPodBuilder().getMetadataBuilder().setName("a".repeat(254))),
            "metadata.name"),
        bad(
            "no namespace",
            with(pod, b -> b.getPodBuilder().getMetadataBuilder().clearNamespace()),
            "metadata.namespace"),
        bad(
            "bad namespace",
            with(pod, b -> b.getPodBuilder().getMetadataBuilder().setNamespace("Team.A")),
            "metadata.namespace"),
        bad(
            "bad label value",
            with(
                pod,
                b ->
                    b.getPodBuilder()
                        .getMetadataBuilder()
                        .putLabels("app.kubernetes.io/name", "-web")),
            "metadata.labels[app.kubernetes.io/name]"),
        bad(
            "bad label key",
            with(pod, b -> b.getPodBuilder().getMetadataBuilder().putLabels("bad key", "x")),
            "metadata.labels[bad key]"),
        bad(
            "label value too long",
            with(pod, b -> b.getPodBuilder().getMetadataBuilder().putLabels("app", "x".repeat(64))),
            "metadata.labels[app]"),
        bad(
            "bad annotation key",
            with(pod, b -> b.getPodBuilder().getMetadataBuilder().putAnnotations("a b", "x")),
            "metadata.annotations[a b]"),
        bad(
            "upper-case annotation key is fine",
            with(
                pod,
                b ->
                    b.getPodBuilder()
                        .getMetadataBuilder()
                        .putAnnotations("example.com/Owner", "x"))),
        bad(
            "annotations over 256 KiB",
            with(
                pod,
                b ->
                    b.getPodBuilder()
                        .getMetadataBuilder()
                        .putAnnotations("big", "x".repeat(300 * 1024))),
            "metadata.annotations"),
        bad(
            "two controller owners",
            with(
                pod,
                b ->
                    b.getPodBuilder()
                        .getMetadataBuilder()
                        .addOwnerReferences(owner("a", true))
                        .addOwnerReferences(owner("b", true))),
            "metadata.owner_references"),
        bad(
            "owner without uid",
            with(
                pod,
                b ->
                    b.getPodBuilder()
                        .getMetadataBuilder()
                        .addOwnerReferences(owner("a", true).toBuilder().clearUid())),
            "metadata.owner_references[0].uid"),
        bad(
            "bad finalizer",
            with(pod, b -> b.getPodBuilder().getMetadataBuilder().addFinalizers("a/b/c")),
            "metadata.finalizers[1]"),
        // containers
        bad(
            "no containers",
            with(pod, b -> b.getPodBuilder().getSpecBuilder().clearContainers()),
            "spec.containers"),
        bad(
            "upper-case container name",
            with(pod, b -> container(b, 0).setName("Web")),
            "spec.containers[0].name"),
        bad(
            "duplicate container name",
            with(pod, b -> container(b, 1).setName("web")),
            "spec.containers[1].name"),
        bad(
            "init container shares a name",
            with(
                pod,
                b ->
                    b.getPodBuilder()
                        .getSpecBuilder()
                        .addInitContainers(
                            Container.newBuilder().setName("web").setImage("busybox"))),
            "spec.containers[0].name"),
        bad(
            "empty image",
            with(pod, b -> container(b, 0).setImage("")),
            "spec.containers[0].image"),
        bad(
            "image with a space",
            with(pod, b -> container(b, 0).setImage("busy box")),
            "spec.containers[0].image"),
        bad(
            "upper-case repository",
            with(pod, b -> container(b, 0).setImage("BusyBox")),
            "spec.containers[0].image"),
        bad(
            "bad tag",
            with(pod, b -> container(b, 0).setImage("busybox:-1")),
            "spec.containers[0].image"),
        bad(
            "short digest",
            with(pod, b -> container(b, 0).setImage("busybox@sha256:abc")),
            "spec.containers[0].image"),
        bad("plain image", with(pod, b -> container(b, 0).setImage("busybox"))),
        bad("digest image", with(pod, b -> container(b, 0).setImage("registry:5000/a/b@" + SHA))),
        bad(
            "request over limit",
            with(pod, b -> container(b, 0).getResourcesBuilder().putRequests("cpu", "2")),
            "spec.containers[0].resources.requests[cpu]"),
        bad(
            "request over limit in other units",
            with(pod, b -> container(b, 0).getResourcesBuilder().putRequests("memory", "0.2Gi")),
            "spec.containers[0].resources.requests[memory]"),
        bad(
            "bad quantity",
            with(pod, b -> container(b, 0).getResourcesBuilder().putLimits("memory", "1.5.5Gi")),
            "spec.containers[0].resources.limits[memory]"),
        bad(
            "negative quantity",
            with(pod, b -> container(b, 0).getResourcesBuilder().putRequests("cpu", "-1")),
            "spec.containers[0].resources.requests[cpu]"),
        bad(
            "bad resource name",
            with(pod, b -> container(b, 0).getResourcesBuilder().putLimits("my gpu", "1")),
            "spec.containers[0].resources.limits[my gpu]"),
        bad(
            "container port 0",
            with(pod, b -> container(b, 0).getPortsBuilder(0).setContainerPort(0)),
            "spec.containers[0].ports[0].container_port"),
        bad(
            "container port too big",
            with(pod, b -> container(b, 0).getPortsBuilder(0).setContainerPort(65536)),
            "spec.containers[0].ports[0].container_port"),
        bad(
            "host port too big",
            with(pod, b -> container(b, 0).getPortsBuilder(0).setHostPort(70000)),
            "spec.containers[0].ports[0].host_port"),
        bad(
            "host port negative",
            with(pod, b -> container(b, 0).getPortsBuilder(0).setHostPort(-1)),
            "spec.containers[0].ports[0].host_port"),
        bad(
            "duplicate port name",
            with(
                pod,
                b ->
                    container(b, 0)
                        .addPorts(
                            ContainerPort.newBuilder().setName("web-http").setContainerPort(9090))),
            "spec.containers[0].ports[1].name"),
        bad(
            "port name in another container",
            with(
                pod,
                b ->
                    container(b, 1)
                        .addPorts(
                            ContainerPort.newBuilder().setName("web-http").setContainerPort(9090))),
            "spec.containers[1].ports[0].name"),
        bad(
            "bad port name",
            with(pod, b -> container(b, 0).getPortsBuilder(0).setName("HTTP")),
            "spec.containers[0].ports[0].name"),
        bad(
            "duplicate host port",
            with(
                pod,
                b -> {
                  container(b, 0).getPortsBuilder(0).setHostPort(8080);
                  container(b, 1)
                      .addPorts(ContainerPort.newBuilder().setContainerPort(80).setHostPort(8080));
                }),
            "spec.containers[1].ports[0].host_port"),
        bad(
            "mount of a missing volume",
            with(
                pod,
                b ->
                    container(b, 0)
                        .addVolumeMounts(
                            VolumeMount.newBuilder().setName("data").setMountPath("/data"))),
            "spec.containers[0].volume_mounts[1].name"),
        bad(
            "relative mount path",
            with(pod, b -> container(b, 0).getVolumeMountsBuilder(0).setMountPath("scratch")),
            "spec.containers[0].volume_mounts[0].mount_path"),
        bad(
            "duplicate volume",
            with(
                pod,
                b ->
                    b.getPodBuilder()
                        .getSpecBuilder()
                        .addVolumes(
                            Volume.newBuilder()
                                .setName("scratch")
                                .setEmptyDir(
                                    dev.drover.api.v1.EmptyDirVolumeSource.getDefaultInstance()))),
            "spec.volumes[1].name"),
        bad(
            "volume without source",
            with(
                pod,
                b ->
                    b.getPodBuilder()
                        .getSpecBuilder()
                        .addVolumes(Volume.newBuilder().setName("x"))),
            "spec.volumes[1]"),
        bad(
            "bad env name",
            with(pod, b -> container(b, 0).addEnv(EnvVar.newBuilder().setName("1X"))),
            "spec.containers[0].env[1].name"),
        bad(
            "probe without handler",
            with(pod, b -> container(b, 0).getLivenessProbeBuilder().clearHttpGet()),
            "spec.containers[0].liveness_probe"),
        bad(
            "probe numbers",
            with(
                pod,
                b ->
                    container(b, 0)
                        .getLivenessProbeBuilder()
                        .setInitialDelaySeconds(-1)
                        .setFailureThreshold(0)
                        .setPeriodSeconds(0)),
            "spec.containers[0].liveness_probe.initial_delay_seconds",
            "spec.containers[0].liveness_probe.failure_threshold",
            "spec.containers[0].liveness_probe.period_seconds"),
        bad(
            "liveness success threshold",
            with(pod, b -> container(b, 0).getLivenessProbeBuilder().setSuccessThreshold(2)),
            "spec.containers[0].liveness_probe.success_threshold"),
        bad(
            "exec probe without command",
            with(
                pod,
                b ->
                    container(b, 1)
                        .setStartupProbe(
                            Probe.newBuilder().setExec(ExecAction.getDefaultInstance()))),
            "spec.containers[1].startup_probe.exec.command"),
        bad(
            "probe port out of range",
            with(
                pod,
                b ->
                    container(b, 0)
                        .getReadinessProbeBuilder()
                        .getTcpSocketBuilder()
                        .setPort(IntOrString.newBuilder().setIntValue(0))),
            "spec.containers[0].readiness_probe.tcp_socket.port"),
        bad(
            "unknown restart policy",
            with(pod, b -> b.getPodBuilder().getSpecBuilder().setRestartPolicyValue(42)),
            "spec.restart_policy"),
        bad(
            "toleration Exists with value",
            with(
                pod,
                b ->
                    b.getPodBuilder()
                        .getSpecBuilder()
                        .addTolerations(
                            Toleration.newBuilder()
                                .setKey("k")
                                .setOperator(TolerationOperator.TOLERATION_OPERATOR_EXISTS)
                                .setValue("v"))),
            "spec.tolerations[1].value"),
        bad(
            "toleration seconds without NoExecute",
            with(
                pod,
                b ->
                    b.getPodBuilder()
                        .getSpecBuilder()
                        .getTolerationsBuilder(0)
                        .setTolerationSeconds(5)),
            "spec.tolerations[0].effect"),
        bad(
            "bad node selector",
            with(pod, b -> b.getPodBuilder().getSpecBuilder().putNodeSelector("bad key", "x")),
            "spec.node_selector[bad key]"),
        bad(
            "negative grace period",
            with(pod, b -> b.getPodBuilder().getSpecBuilder().setTerminationGracePeriodSeconds(-1)),
            "spec.termination_grace_period_seconds"),
        bad(
            "every bad field at once",
            with(
                pod,
                b -> {
                  b.getPodBuilder().getMetadataBuilder().setName("Bad_Name");
                  container(b, 0).setImage("");
                  container(b, 1).setName("web");
                  container(b, 0).getPortsBuilder(0).setContainerPort(0);
                }),
            "metadata.name",
            "spec.containers[0].image",
            "spec.containers[1].name",
            "spec.containers[0].ports[0].container_port"),
        bad(
            "object over 1 MiB",
            with(
                pod,
                b ->
                    container(b, 0)
                        .addEnv(
                            EnvVar.newBuilder().setName("BIG").setValue("x".repeat(1100 * 1024)))),
            "metadata"),
        // workloads
        bad(
            "negative replicas",
            with(
                Fixtures.deployment(),
                b -> b.getDeploymentBuilder().getSpecBuilder().setReplicas(-1)),
            "spec.replicas"),
        bad(
            "zero replicas",
            with(
                Fixtures.deployment(),
                b -> b.getDeploymentBuilder().getSpecBuilder().setReplicas(0))),
        bad(
            "deployment without selector",
            with(
                Fixtures.deployment(),
                b -> b.getDeploymentBuilder().getSpecBuilder().clearSelector()),
            "spec.selector"),
        bad(
            "selector not matching template",
            with(
                Fixtures.deployment(),
                b ->
                    b.getDeploymentBuilder()
                        .getSpecBuilder()
                        .setSelector(LabelSelector.newBuilder().putMatchLabels("app", "db"))),
            "spec.template.metadata.labels"),
        bad(
            "bad selector",
            with(
                Fixtures.deployment(),
                b ->
                    b.getDeploymentBuilder()
                        .getSpecBuilder()
                        .getSelectorBuilder()
                        .putMatchLabels("x", "-y")),
            "spec.selector.match_labels[x]"),
        bad(
            "template container image",
            with(
                Fixtures.deployment(),
                b ->
                    b.getDeploymentBuilder()
                        .getSpecBuilder()
                        .getTemplateBuilder()
                        .getSpecBuilder()
                        .getContainersBuilder(0)
                        .setImage("")),
            "spec.template.spec.containers[0].image"),
        bad(
            "deployment template restart Never",
            with(
                Fixtures.deployment(),
                b ->
                    b.getDeploymentBuilder()
                        .getSpecBuilder()
                        .getTemplateBuilder()
                        .getSpecBuilder()
                        .setRestartPolicy(RestartPolicy.RESTART_POLICY_NEVER)),
            "spec.template.spec.restart_policy"),
        bad(
            "max unavailable over 100%",
            with(
                Fixtures.deployment(),
                b ->
                    b.getDeploymentBuilder()
                        .getSpecBuilder()
                        .getStrategyBuilder()
                        .getRollingUpdateBuilder()
                        .setMaxUnavailable(percent("150%"))),
            "spec.strategy.rolling_update.max_unavailable"),
        bad(
            "max unavailable and surge zero",
            with(
                Fixtures.deployment(),
                b ->
                    b.getDeploymentBuilder()
                        .getSpecBuilder()
                        .getStrategyBuilder()
                        .getRollingUpdateBuilder()
                        .setMaxUnavailable(percent("0%"))
                        .setMaxSurge(IntOrString.newBuilder().setIntValue(0))),
            "spec.strategy.rolling_update.max_unavailable"),
        bad(
            "bad percentage",
            with(
                Fixtures.deployment(),
                b ->
                    b.getDeploymentBuilder()
                        .getSpecBuilder()
                        .getStrategyBuilder()
                        .getRollingUpdateBuilder()
                        .setMaxSurge(percent("a lot"))),
            "spec.strategy.rolling_update.max_surge"),
        bad(
            "progress deadline not above min ready",
            with(
                Fixtures.deployment(),
                b -> b.getDeploymentBuilder().getSpecBuilder().setProgressDeadlineSeconds(5)),
            "spec.progress_deadline_seconds"),
        bad(
            "replica set negative replicas",
            with(
                Fixtures.replicaSet(),
                b -> b.getReplicaSetBuilder().getSpecBuilder().setReplicas(-2)),
            "spec.replicas"),
        bad(
            "daemon set selector mismatch",
            with(
                Fixtures.daemonSet(),
                b ->
                    b.getDaemonSetBuilder()
                        .getSpecBuilder()
                        .getSelectorBuilder()
                        .putMatchLabels("tier", "be")),
            "spec.template.metadata.labels"),
        bad(
            "job restart Always",
            with(
                Fixtures.job(),
                b ->
                    b.getJobBuilder()
                        .getSpecBuilder()
                        .getTemplateBuilder()
                        .getSpecBuilder()
                        .setRestartPolicy(RestartPolicy.RESTART_POLICY_ALWAYS)),
            "spec.template.spec.restart_policy"),
        bad(
            "job restart unset",
            with(
                Fixtures.job(),
                b ->
                    b.getJobBuilder()
                        .getSpecBuilder()
                        .getTemplateBuilder()
                        .getSpecBuilder()
                        .clearRestartPolicy()),
            "spec.template.spec.restart_policy"),
        bad(
            "job negative counts",
            with(
                Fixtures.job(),
                b ->
                    b.getJobBuilder()
                        .getSpecBuilder()
                        .setParallelism(-1)
                        .setCompletions(-1)
                        .setBackoffLimit(-1)),
            "spec.parallelism",
            "spec.completions",
            "spec.backoff_limit"),
        bad(
            "job selector mismatch",
            with(
                Fixtures.job(),
                b ->
                    b.getJobBuilder()
                        .getSpecBuilder()
                        .setSelector(LabelSelector.newBuilder().putMatchLabels("app", "other"))),
            "spec.template.metadata.labels"),
        // services
        bad(
            "service name starting with a digit",
            with(
                Fixtures.service(),
                b -> b.getServiceBuilder().getMetadataBuilder().setName("1web")),
            "metadata.name"),
        bad(
            "service name with a dot",
            with(
                Fixtures.service(),
                b -> b.getServiceBuilder().getMetadataBuilder().setName("web.a")),
            "metadata.name"),
        bad(
            "service without ports",
            with(Fixtures.service(), b -> b.getServiceBuilder().getSpecBuilder().clearPorts()),
            "spec.ports"),
        bad(
            "service port 0",
            with(
                Fixtures.service(),
                b -> b.getServiceBuilder().getSpecBuilder().getPortsBuilder(0).setPort(0)),
            "spec.ports[0].port"),
        bad(
            "unnamed ports",
            with(
                Fixtures.service(),
                b -> {
                  b.getServiceBuilder().getSpecBuilder().getPortsBuilder(0).clearName();
                  b.getServiceBuilder().getSpecBuilder().getPortsBuilder(1).clearName();
                }),
            "spec.ports[0].name",
            "spec.ports[1].name"),
        bad(
            "duplicate service port",
            with(
                Fixtures.service(),
                b -> b.getServiceBuilder().getSpecBuilder().getPortsBuilder(1).setPort(80)),
            "spec.ports[1]"),
        bad(
            "bad target port name",
            with(
                Fixtures.service(),
                b ->
                    b.getServiceBuilder()
                        .getSpecBuilder()
                        .getPortsBuilder(0)
                        .setTargetPort(percent("HTTP"))),
            "spec.ports[0].target_port"),
        bad(
            "node port on ClusterIP",
            with(
                Fixtures.service(),
                b -> b.getServiceBuilder().getSpecBuilder().getPortsBuilder(0).setNodePort(30080)),
            "spec.ports[0].node_port"),
        bad(
            "node port on NodePort",
            with(
                Fixtures.service(),
                b ->
                    b.getServiceBuilder()
                        .getSpecBuilder()
                        .setType(ServiceType.SERVICE_TYPE_NODE_PORT)
                        .setPorts(
                            0,
                            ServicePort.newBuilder()
                                .setName("http")
                                .setPort(80)
                                .setNodePort(30080)))),
        // other kinds
        bad(
            "namespace name with a dot",
            with(
                Fixtures.namespace(),
                b -> b.getNamespaceBuilder().getMetadataBuilder().setName("team.a")),
            "metadata.name"),
        bad(
            "namespace in a namespace",
            with(
                Fixtures.namespace(),
                b -> b.getNamespaceBuilder().getMetadataBuilder().setNamespace("default")),
            "metadata.namespace"),
        bad(
            "node in a namespace",
            with(
                Fixtures.node(),
                b -> b.getNodeBuilder().getMetadataBuilder().setNamespace("default")),
            "metadata.namespace"),
        bad(
            "taint without effect",
            with(
                Fixtures.node(),
                b ->
                    b.getNodeBuilder()
                        .getSpecBuilder()
                        .getTaintsBuilder(0)
                        .setEffect(TaintEffect.TAINT_EFFECT_UNSPECIFIED)),
            "spec.taints[0].effect"),
        bad(
            "bad capacity",
            with(
                Fixtures.node(),
                b -> b.getNodeBuilder().getStatusBuilder().putCapacity("cpu", "four")),
            "status.capacity[cpu]"),
        bad(
            "bad pod cidr",
            with(
                Fixtures.node(),
                b -> b.getNodeBuilder().getSpecBuilder().setPodCidr("10.1.0.0/33")),
            "spec.pod_cidr"),
        bad(
            "bad config map key",
            with(Fixtures.configMap(), b -> b.getConfigMapBuilder().putData("a/b", "x")),
            "data[a/b]"),
        bad(
            "key in data and binary_data",
            with(Fixtures.configMap(), b -> b.getConfigMapBuilder().putData("logo.png", "x")),
            "binary_data[logo.png]"),
        bad(
            "config map over 1 MiB",
            with(
                Fixtures.configMap(),
                b -> b.getConfigMapBuilder().putData("big", "x".repeat(1100 * 1024))),
            "data",
            "metadata"),
        bad(
            "docker config secret without its key",
            with(
                Fixtures.secret(),
                b -> b.getSecretBuilder().setType("kubernetes.io/dockerconfigjson")),
            "data[.dockerconfigjson]"),
        bad(
            "secret read by a master that could not decrypt it",
            with(
                Fixtures.secret(),
                b ->
                    b.getSecretBuilder()
                        .getMetadataBuilder()
                        .putAnnotations("drover.dev/secret-unreadable", "key k1 missing")),
            "metadata.annotations[drover.dev/secret-unreadable]"),
        bad(
            "bad secret key",
            with(Fixtures.secret(), b -> b.getSecretBuilder().putData("..x", ByteString.EMPTY)),
            "data[..x]"),
        bad(
            "bad endpoint ip",
            with(
                Fixtures.endpoints(),
                b ->
                    b.getEndpointsBuilder()
                        .getSubsetsBuilder(0)
                        .getAddressesBuilder(0)
                        .setIp("999.1.1.1")),
            "subsets[0].addresses[0].ip"),
        bad(
            "bad endpoint ipv6",
            with(
                Fixtures.endpoints(),
                b ->
                    b.getEndpointsBuilder()
                        .getSubsetsBuilder(0)
                        .getAddressesBuilder(0)
                        .setIp("fd00::5::6")),
            "subsets[0].addresses[0].ip"),
        bad(
            "endpoint ipv6",
            with(
                Fixtures.endpoints(),
                b ->
                    b.getEndpointsBuilder()
                        .getSubsetsBuilder(0)
                        .getAddressesBuilder(0)
                        .setIp("2001:db8::1"))),
        bad(
            "endpoint host name is not an ip",
            with(
                Fixtures.endpoints(),
                b ->
                    b.getEndpointsBuilder()
                        .getSubsetsBuilder(0)
                        .getAddressesBuilder(0)
                        .setIp("localhost")),
            "subsets[0].addresses[0].ip"),
        bad(
            "event without object",
            with(Fixtures.event(), b -> b.getEventBuilder().clearInvolvedObject()),
            "involved_object.name",
            "involved_object.kind"),
        bad(
            "negative lease duration",
            with(
                Fixtures.lease(),
                b -> b.getLeaseBuilder().getSpecBuilder().setLeaseDurationSeconds(-1)),
            "spec.lease_duration_seconds"),
        bad(
            "bad status on create",
            with(pod, b -> b.getPodBuilder().getStatusBuilder().setPodIp("not an ip")),
            "status.pod_ip"),
        bad("empty Object", Object.getDefaultInstance(), "kind"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badCreates")
  void createReportsExactlyTheBadFields(String name, Object object, Set<String> fields) {
    assertThat(fieldsOf(VALIDATOR.validate(object, Operation.CREATE, null))).isEqualTo(fields);
  }

  static Stream<Arguments> badUpdates() {
    Object pod = with(Fixtures.pod(), b -> b.getPodBuilder().getMetadataBuilder().setUid("u1"));
    Object bound = with(pod, b -> b.getPodBuilder().getSpecBuilder().setNodeName("node-1"));
    Object deployment = Fixtures.deployment();
    Object immutableSecret = with(Fixtures.secret(), b -> b.getSecretBuilder().setImmutable(true));
    Object deleting =
        with(
            pod,
            b ->
                b.getPodBuilder()
                    .getMetadataBuilder()
                    .setDeletionTime(Timestamp.newBuilder().setSeconds(1)));
    return Stream.of(
        update(
            "rename",
            pod,
            with(pod, b -> b.getPodBuilder().getMetadataBuilder().setName("web-2")),
            "metadata.name"),
        update(
            "move namespace",
            pod,
            with(pod, b -> b.getPodBuilder().getMetadataBuilder().setNamespace("other")),
            "metadata.namespace"),
        update(
            "change uid",
            pod,
            with(pod, b -> b.getPodBuilder().getMetadataBuilder().setUid("u2")),
            "metadata.uid"),
        update(
            "labels may change",
            pod,
            with(pod, b -> b.getPodBuilder().getMetadataBuilder().putLabels("tier", "fe"))),
        update("image may change", pod, with(pod, b -> container(b, 0).setImage("busybox:2"))),
        update(
            "bad new image",
            pod,
            with(pod, b -> container(b, 0).setImage("Busy Box")),
            "spec.containers[0].image"),
        update(
            "add container",
            pod,
            with(
                pod,
                b ->
                    b.getPodBuilder()
                        .getSpecBuilder()
                        .addContainers(Container.newBuilder().setName("x").setImage("busybox"))),
            "spec.containers"),
        update(
            "change command",
            pod,
            with(pod, b -> container(b, 0).addArgs("more")),
            "spec.containers[0]"),
        update(
            "change restart policy",
            pod,
            with(
                pod,
                b ->
                    b.getPodBuilder()
                        .getSpecBuilder()
                        .setRestartPolicy(RestartPolicy.RESTART_POLICY_NEVER)),
            "spec.restart_policy"),
        update(
            "change volumes",
            pod,
            with(
                pod,
                b ->
                    b.getPodBuilder()
                        .getSpecBuilder()
                        .getVolumesBuilder(0)
                        .getEmptyDirBuilder()
                        .setSizeLimit("1Gi")),
            "spec.volumes"),
        update("bind once", pod, bound),
        update(
            "rebind",
            bound,
            with(bound, b -> b.getPodBuilder().getSpecBuilder().setNodeName("node-2")),
            "spec.node_name"),
        update(
            "add toleration",
            pod,
            with(
                pod,
                b ->
                    b.getPodBuilder()
                        .getSpecBuilder()
                        .addTolerations(
                            Toleration.newBuilder()
                                .setKey("k")
                                .setOperator(TolerationOperator.TOLERATION_OPERATOR_EXISTS)))),
        update(
            "remove toleration",
            pod,
            with(pod, b -> b.getPodBuilder().getSpecBuilder().clearTolerations()),
            "spec.tolerations"),
        update(
            "set active deadline",
            pod,
            with(pod, b -> b.getPodBuilder().getSpecBuilder().setActiveDeadlineSeconds(100))),
        update(
            "raise active deadline",
            with(pod, b -> b.getPodBuilder().getSpecBuilder().setActiveDeadlineSeconds(100)),
            with(pod, b -> b.getPodBuilder().getSpecBuilder().setActiveDeadlineSeconds(200)),
            "spec.active_deadline_seconds"),
        update(
            "scale deployment",
            deployment,
            with(deployment, b -> b.getDeploymentBuilder().getSpecBuilder().setReplicas(10))),
        update(
            "change deployment template",
            deployment,
            with(
                deployment,
                b ->
                    b.getDeploymentBuilder()
                        .getSpecBuilder()
                        .getTemplateBuilder()
                        .getSpecBuilder()
                        .getContainersBuilder(0)
                        .addArgs("x"))),
        update(
            "change deployment selector",
            deployment,
            with(
                deployment,
                b ->
                    b.getDeploymentBuilder()
                        .getSpecBuilder()
                        .getSelectorBuilder()
                        .putMatchLabels("tier", "fe")),
            "spec.selector"),
        update(
            "change job template",
            Fixtures.job(),
            with(
                Fixtures.job(),
                b ->
                    b.getJobBuilder()
                        .getSpecBuilder()
                        .getTemplateBuilder()
                        .getSpecBuilder()
                        .getContainersBuilder(0)
                        .setImage("busybox:2")),
            "spec.template"),
        update(
            "change immutable secret",
            immutableSecret,
            with(
                immutableSecret,
                b -> b.getSecretBuilder().putData("password", ByteString.copyFromUtf8("new"))),
            "data"),
        update(
            "unset immutable",
            immutableSecret,
            with(immutableSecret, b -> b.getSecretBuilder().clearImmutable()),
            "immutable"),
        update(
            "finalizer added while deleting",
            deleting,
            with(
                deleting,
                b -> b.getPodBuilder().getMetadataBuilder().addFinalizers("example.com/more")),
            "metadata.finalizers"),
        update(
            "finalizer removed while deleting",
            deleting,
            with(deleting, b -> b.getPodBuilder().getMetadataBuilder().clearFinalizers())),
        update(
            "status of an update is not checked",
            pod,
            with(pod, b -> b.getPodBuilder().getStatusBuilder().setPodIp("not an ip"))),
        update(
            "bad template annotation",
            deployment,
            with(
                deployment,
                b ->
                    b.getDeploymentBuilder()
                        .getSpecBuilder()
                        .getTemplateBuilder()
                        .getMetadataBuilder()
                        .putAnnotations("a b", "x")),
            "spec.template.metadata.annotations[a b]"),
        update("kind change", pod, Fixtures.deployment(), "kind"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badUpdates")
  void updateReportsExactlyTheBadFields(
      String name, Object old, Object object, Set<String> fields) {
    assertThat(fieldsOf(VALIDATOR.validate(object, Operation.UPDATE, old))).isEqualTo(fields);
  }

  static Stream<Arguments> badStatusUpdates() {
    Object pod = Fixtures.pod();
    Object deployment = Fixtures.deployment();
    return Stream.of(
        update(
            "valid pod status",
            pod,
            withPodStatus(
                pod,
                PodStatus.newBuilder()
                    .setPodIp("10.0.0.5")
                    .addConditions(condition("Ready", "PodReady")))),
        update(
            "condition without type",
            pod,
            withPodStatus(pod, PodStatus.newBuilder().addConditions(condition("", "X"))),
            "status.conditions[0].type"),
        update(
            "duplicate condition",
            pod,
            withPodStatus(
                pod,
                PodStatus.newBuilder()
                    .addConditions(condition("Ready", "A"))
                    .addConditions(condition("Ready", "B"))),
            "status.conditions[1].type"),
        update(
            "condition without status",
            pod,
            withPodStatus(
                pod,
                PodStatus.newBuilder()
                    .addConditions(condition("Ready", "A").toBuilder().clearStatus())),
            "status.conditions[0].status"),
        update(
            "condition reason not CamelCase",
            pod,
            withPodStatus(
                pod, PodStatus.newBuilder().addConditions(condition("Ready", "not ready"))),
            "status.conditions[0].reason"),
        update(
            "bad pod ip",
            pod,
            withPodStatus(pod, PodStatus.newBuilder().setPodIp("x.y")),
            "status.pod_ip"),
        update("spec is not checked", pod, with(pod, b -> container(b, 0).setImage(""))),
        update(
            "name still immutable",
            pod,
            with(pod, b -> b.getPodBuilder().getMetadataBuilder().setName("other")),
            "metadata.name"),
        update(
            "negative replicas in status",
            deployment,
            with(
                deployment,
                b ->
                    b.getDeploymentBuilder()
                        .getStatusBuilder()
                        .setReplicas(-1)
                        .setReadyReplicas(-1)),
            "status.replicas",
            "status.ready_replicas"),
        update(
            "bad allocatable",
            Fixtures.node(),
            with(
                Fixtures.node(),
                b -> b.getNodeBuilder().getStatusBuilder().putAllocatable("cpu", "-1")),
            "status.allocatable[cpu]"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badStatusUpdates")
  void statusUpdateChecksStatusOnly(String name, Object old, Object object, Set<String> fields) {
    assertThat(fieldsOf(VALIDATOR.validate(object, Operation.UPDATE_STATUS, old)))
        .isEqualTo(fields);
  }

  @Test
  void everyViolationExplainsItself() {
    Object pod =
        with(
            Fixtures.pod(),
            b -> {
              container(b, 0).setImage("Busy Box");
              container(b, 0).getResourcesBuilder().putRequests("cpu", "1.5.5");
            });
    List<FieldViolation> violations = VALIDATOR.validate(pod, Operation.CREATE, null);
    assertThat(violations)
        .extracting(FieldViolation::description)
        .allSatisfy(d -> assertThat(d).isNotBlank());
    assertThat(violations.toString()).contains("whitespace").contains("invalid quantity");
  }

  @Test
  void updatesNeedTheOldObject() {
    assertThatThrownBy(() -> VALIDATOR.validate(Fixtures.pod(), Operation.UPDATE, null))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static Arguments bad(String name, Object object, String... fields) {
    return Arguments.of(name, object, Set.of(fields));
  }

  private static Arguments update(String name, Object old, Object object, String... fields) {
    return Arguments.of(name, old, object, Set.of(fields));
  }

  private static Set<String> fieldsOf(List<FieldViolation> violations) {
    return violations.stream()
        .map(FieldViolation::field)
        .collect(Collectors.toCollection(TreeSet::new));
  }

  private static Container.Builder container(Object.Builder b, int index) {
    return b.getPodBuilder().getSpecBuilder().getContainersBuilder(index);
  }

  private static OwnerReference owner(String name, boolean controller) {
    return OwnerReference.newBuilder()
        .setKind(Kind.KIND_REPLICA_SET)
        .setName(name)
        .setUid("uid-" + name)
        .setController(controller)
        .build();
  }

  private static IntOrString percent(String value) {
    return IntOrString.newBuilder().setStringValue(value).build();
  }

  private static Condition condition(String type, String reason) {
    return Condition.newBuilder()
        .setType(type)
        .setStatus(ConditionStatus.CONDITION_STATUS_TRUE)
        .setReason(reason)
        .build();
  }

  private static Object withPodStatus(Object pod, PodStatus.Builder status) {
    return with(pod, b -> b.getPodBuilder().setStatus(status));
  }
}
