package dev.drover.client.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.drover.api.v1.CompletionMode;
import dev.drover.api.v1.ConfigMap;
import dev.drover.api.v1.Container;
import dev.drover.api.v1.DaemonSet;
import dev.drover.api.v1.Deployment;
import dev.drover.api.v1.DeploymentStrategyType;
import dev.drover.api.v1.Endpoints;
import dev.drover.api.v1.Event;
import dev.drover.api.v1.EventType;
import dev.drover.api.v1.ImagePullPolicy;
import dev.drover.api.v1.IntOrString;
import dev.drover.api.v1.Job;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.LabelSelectorOperator;
import dev.drover.api.v1.Lease;
import dev.drover.api.v1.Node;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.Protocol;
import dev.drover.api.v1.RestartPolicy;
import dev.drover.api.v1.Secret;
import dev.drover.api.v1.Service;
import dev.drover.api.v1.ServiceType;
import dev.drover.api.v1.TaintEffect;
import dev.drover.api.v1.TolerationOperator;
import dev.drover.api.v1.UnsatisfiableConstraintAction;
import dev.drover.api.v1.Volume;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Kubernetes manifests of every supported kind parse unchanged, field for field. */
class ManifestParserGoodTest {

  private final ManifestParser parser = new ManifestParser();

  static Path resource(String name) {
    try {
      return Path.of(ManifestParserGoodTest.class.getResource("/manifests/" + name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private List<ManifestObject> parse(String name) throws ManifestException {
    ParsedManifests parsed = parser.parseFile(resource(name));
    assertThat(parsed.warnings()).isEmpty();
    return parsed.objects();
  }

  private Object only(String name) throws ManifestException {
    List<ManifestObject> objects = parse(name);
    assertThat(objects).hasSize(1);
    return objects.get(0).object();
  }

  @Test
  void nginxDeploymentWithProbesLimitsAndSelectors() throws Exception {
    Deployment deployment = only("good/nginx-deployment.yaml").getDeployment();
    assertThat(deployment.getMetadata().getName()).isEqualTo("nginx-deployment");
    assertThat(deployment.getMetadata().getNamespace()).isEqualTo("web");
    assertThat(deployment.getMetadata().getLabelsMap())
        .containsEntry("app.kubernetes.io/name", "nginx");
    assertThat(deployment.getMetadata().getAnnotationsMap())
        .containsEntry("kubernetes.io/change-cause", "image updated to 1.25");
    var spec = deployment.getSpec();
    assertThat(spec.getReplicas()).isEqualTo(3);
    assertThat(spec.getRevisionHistoryLimit()).isEqualTo(5);
    assertThat(spec.getSelector().getMatchExpressions(0).getOperator())
        .isEqualTo(LabelSelectorOperator.LABEL_SELECTOR_OPERATOR_IN);
    assertThat(spec.getSelector().getMatchExpressions(0).getValuesList())
        .containsExactly("frontend", "edge");
    assertThat(spec.getStrategy().getType())
        .isEqualTo(DeploymentStrategyType.DEPLOYMENT_STRATEGY_TYPE_ROLLING_UPDATE);
    assertThat(spec.getStrategy().getRollingUpdate().getMaxSurge())
        .isEqualTo(IntOrString.newBuilder().setStringValue("25%").build());
    assertThat(spec.getStrategy().getRollingUpdate().getMaxUnavailable())
        .isEqualTo(IntOrString.newBuilder().setIntValue(1).build());

    var pod = spec.getTemplate().getSpec();
    Container nginx = pod.getContainers(0);
    assertThat(nginx.getImagePullPolicy())
        .isEqualTo(ImagePullPolicy.IMAGE_PULL_POLICY_IF_NOT_PRESENT);
    assertThat(nginx.getPorts(0).getContainerPort()).isEqualTo(80);
    assertThat(nginx.getPorts(0).getProtocol()).isEqualTo(Protocol.PROTOCOL_TCP);
    assertThat(nginx.getEnv(0).getValue()).isEqualTo("80");
    assertThat(nginx.getEnv(1).getValueFrom().getConfigMapKeyRef().getKey()).isEqualTo("log-level");
    assertThat(nginx.getEnv(2).getValueFrom().getSecretKeyRef().getOptional()).isTrue();
    assertThat(nginx.getEnvFrom(0).getPrefix()).isEqualTo("CFG_");
    assertThat(nginx.getEnvFrom(0).getConfigMapRef().getName()).isEqualTo("nginx-config");
    // Quantities keep the text written, whether YAML read it as a number or a string.
    assertThat(nginx.getResources().getRequestsMap())
        .containsEntry("cpu", "0.5")
        .containsEntry("memory", "128Mi");
    assertThat(nginx.getResources().getLimitsMap())
        .containsEntry("cpu", "1")
        .containsEntry("memory", "256Mi");
    assertThat(nginx.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(nginx.getLivenessProbe().getHttpGet().getPort().getIntValue()).isEqualTo(80);
    assertThat(nginx.getLivenessProbe().getHttpGet().getHttpHeaders(0).getValue())
        .isEqualTo("liveness");
    assertThat(nginx.getLivenessProbe().getPeriodSeconds()).isEqualTo(3);
    assertThat(nginx.getLivenessProbe().hasTimeoutSeconds()).isFalse();
    assertThat(nginx.getReadinessProbe().getTcpSocket().getPort().getStringValue())
        .isEqualTo("http");
    // An explicit zero of an optional field is kept as set.
    assertThat(nginx.getReadinessProbe().hasFailureThreshold()).isTrue();
    assertThat(nginx.getReadinessProbe().getFailureThreshold()).isZero();
    assertThat(nginx.getVolumeMounts(0).getReadOnly()).isTrue();
    Volume config = pod.getVolumes(0);
    assertThat(config.getConfigMap().getDefaultMode()).isEqualTo(0644);
    assertThat(config.getConfigMap().getItems(0).getPath()).isEqualTo("default.conf");
    assertThat(pod.getTopologySpreadConstraints(0).getWhenUnsatisfiable())
        .isEqualTo(UnsatisfiableConstraintAction.UNSATISFIABLE_CONSTRAINT_ACTION_DO_NOT_SCHEDULE);
    assertThat(
            pod.getAffinity()
                .getPodAntiAffinity()
                .getPreferredDuringSchedulingIgnoredDuringExecution(0)
                .getPodAffinityTerm()
                .getTopologyKey())
        .isEqualTo("kubernetes.io/hostname");
  }

  @Test
  void serviceWithNodePortAndNamedTargetPort() throws Exception {
    Service service = only("good/service.yaml").getService();
    assertThat(service.getSpec().getType()).isEqualTo(ServiceType.SERVICE_TYPE_NODE_PORT);
    assertThat(service.getSpec().getSelectorMap()).containsEntry("app.kubernetes.io/name", "MyApp");
    assertThat(service.getSpec().getPorts(0).getTargetPort().getIntValue()).isEqualTo(9376);
    assertThat(service.getSpec().getPorts(0).getNodePort()).isEqualTo(30007);
    assertThat(service.getSpec().getPorts(1).getTargetPort().getStringValue()).isEqualTo("metrics");
    assertThat(service.getSpec().getPorts(1).getProtocol())
        .isEqualTo(Protocol.PROTOCOL_UNSPECIFIED);
  }

  @Test
  void multiContainerPodSharesAnEmptyDir() throws Exception {
    Pod pod = only("good/multi-container-pod.yaml").getPod();
    assertThat(pod.getSpec().getRestartPolicy()).isEqualTo(RestartPolicy.RESTART_POLICY_NEVER);
    // "emptyDir: {}" selects the empty-dir source even though it has no fields.
    assertThat(pod.getSpec().getVolumes(0).getSourceCase()).isEqualTo(Volume.SourceCase.EMPTY_DIR);
    assertThat(pod.getSpec().getVolumes(1).getEmptyDir().getMedium()).isEqualTo("Memory");
    assertThat(pod.getSpec().getVolumes(1).getEmptyDir().getSizeLimit()).isEqualTo("64Mi");
    assertThat(pod.getSpec().getContainersList())
        .extracting(Container::getName)
        .containsExactly("nginx-container", "debian-container");
    assertThat(pod.getSpec().getContainers(1).getArgsList())
        .containsExactly("-c", "echo Hello from the debian container > /pod-data/index.html");
  }

  @Test
  void daemonSetWithTolerations() throws Exception {
    DaemonSet daemonSet = only("good/daemonset.yaml").getDaemonSet();
    var tolerations = daemonSet.getSpec().getTemplate().getSpec().getTolerationsList();
    assertThat(tolerations).hasSize(3);
    assertThat(tolerations.get(0).getOperator())
        .isEqualTo(TolerationOperator.TOLERATION_OPERATOR_EXISTS);
    assertThat(tolerations.get(0).getEffect()).isEqualTo(TaintEffect.TAINT_EFFECT_NO_SCHEDULE);
    assertThat(tolerations.get(2).getEffect()).isEqualTo(TaintEffect.TAINT_EFFECT_NO_EXECUTE);
    assertThat(tolerations.get(2).getTolerationSeconds()).isEqualTo(300);
    assertThat(daemonSet.getSpec().getTemplate().getSpec().getVolumes(0).getHostPath().getPath())
        .isEqualTo("/var/log");
  }

  @Test
  void job() throws Exception {
    Job job = only("good/job.yaml").getJob();
    assertThat(job.getSpec().getBackoffLimit()).isEqualTo(4);
    assertThat(job.getSpec().hasParallelism()).isFalse();
    assertThat(job.getSpec().getCompletionMode()).isEqualTo(CompletionMode.COMPLETION_MODE_INDEXED);
    assertThat(job.getSpec().getTtlSecondsAfterFinished()).isEqualTo(100);
    assertThat(job.getSpec().getTemplate().getSpec().getContainers(0).getCommandList())
        .containsExactly("perl", "-Mbignum=bpi", "-wle", "print bpi(2000)");
  }

  @Test
  void configMapWithBlockScalarsAndBinaryData() throws Exception {
    ConfigMap configMap = only("good/configmap.yaml").getConfigMap();
    assertThat(configMap.getDataMap())
        .containsEntry("player_initial_lives", "3")
        .containsEntry("game.properties", "enemy.types=aliens,monsters\nplayer.maximum-lives=5\n");
    assertThat(configMap.getBinaryDataMap().get("logo.png").toByteArray())
        .startsWith(0x89, 'P', 'N', 'G');
    assertThat(configMap.hasImmutable()).isTrue();
    assertThat(configMap.getImmutable()).isFalse();
  }

  @Test
  void secretDataIsBase64DecodedAndStringDataKept() throws Exception {
    Secret secret = only("good/secret.yaml").getSecret();
    assertThat(secret.getType()).isEqualTo("kubernetes.io/basic-auth");
    assertThat(secret.getDataMap().get("username"))
        .isEqualTo(ByteString.copyFrom("admin", StandardCharsets.UTF_8));
    // A folded value spans lines; the line breaks are not part of the base64.
    assertThat(secret.getDataMap().get("password").toStringUtf8()).isEqualTo("1f2d1e2e67df");
    assertThat(secret.getStringDataMap()).containsEntry("note", "plain text is fine here");
  }

  @Test
  void everyOtherKindWithSourcePositions() throws Exception {
    List<ManifestObject> objects = parse("good/other-kinds.yaml");
    assertThat(objects)
        .extracting(o -> o.object().getKindCase())
        .containsExactly(
            Object.KindCase.NAMESPACE,
            Object.KindCase.NODE,
            Object.KindCase.REPLICA_SET,
            Object.KindCase.ENDPOINTS,
            Object.KindCase.EVENT,
            Object.KindCase.LEASE);
    assertThat(objects)
        .extracting(o -> o.source().documentIndex())
        .containsExactly(0, 1, 2, 3, 4, 5);
    assertThat(objects.get(0).source().line()).isEqualTo(2);
    assertThat(objects.get(1).source().line()).isEqualTo(7);
    assertThat(objects.get(1).source().file()).endsWith("other-kinds.yaml");

    Node node = objects.get(1).object().getNode();
    assertThat(node.getSpec().getPodCidr()).isEqualTo("10.244.1.0/24");
    assertThat(node.getSpec().getUnschedulable()).isTrue();
    assertThat(node.getSpec().getTaints(0).getEffect())
        .isEqualTo(TaintEffect.TAINT_EFFECT_NO_SCHEDULE);

    var replicaSet = objects.get(2).object().getReplicaSet();
    assertThat(replicaSet.getSpec().hasReplicas()).isTrue();
    assertThat(replicaSet.getSpec().getReplicas()).isZero();

    Endpoints endpoints = objects.get(3).object().getEndpoints();
    assertThat(endpoints.getSubsets(0).getAddresses(0).getTargetRef().getKind())
        .isEqualTo(Kind.KIND_POD);
    assertThat(endpoints.getSubsets(0).getPorts(0).getPort()).isEqualTo(9376);

    Event event = objects.get(4).object().getEvent();
    assertThat(event.getType()).isEqualTo(EventType.EVENT_TYPE_NORMAL);
    assertThat(event.getFirstTimestamp().getSeconds())
        .isEqualTo(Instant.parse("2024-05-01T12:00:00Z").getEpochSecond());
    assertThat(event.getLastTimestamp().getSeconds())
        .isEqualTo(Instant.parse("2024-05-01T12:00:00Z").getEpochSecond());
    assertThat(event.getLastTimestamp().getNanos()).isEqualTo(250_000_000);

    Lease lease = objects.get(5).object().getLease();
    assertThat(lease.getSpec().getLeaseDurationSeconds()).isEqualTo(15);
    assertThat(lease.getSpec().getRenewTime().getNanos()).isEqualTo(123_456_000);
  }

  @Test
  void directoryGivesItsManifestFilesSortedByName() throws Exception {
    ParsedManifests parsed = parser.parsePaths(List.of(resource("good")));
    assertThat(parsed.objects())
        .extracting(o -> Path.of(o.source().file()).getFileName().toString())
        .containsExactly(
            "configmap.yaml",
            "daemonset.yaml",
            "job.yaml",
            "multi-container-pod.yaml",
            "nginx-deployment.yaml",
            "other-kinds.yaml",
            "other-kinds.yaml",
            "other-kinds.yaml",
            "other-kinds.yaml",
            "other-kinds.yaml",
            "other-kinds.yaml",
            "secret.yaml",
            "service.yaml");
  }
}
