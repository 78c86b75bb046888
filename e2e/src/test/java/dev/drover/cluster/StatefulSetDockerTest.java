package dev.drover.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.drover.agent.runtime.docker.DockerTestSupport;
import dev.drover.api.v1.ContainerPort;
import dev.drover.api.v1.EndpointAddress;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.PersistentVolumeAccessMode;
import dev.drover.api.v1.PersistentVolumeClaim;
import dev.drover.api.v1.PersistentVolumeClaimPhase;
import dev.drover.api.v1.PersistentVolumeClaimSpec;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodManagementPolicyType;
import dev.drover.api.v1.PodPhase;
import dev.drover.api.v1.ResourceRequirements;
import dev.drover.api.v1.ScaleRequest;
import dev.drover.api.v1.Service;
import dev.drover.api.v1.ServicePort;
import dev.drover.api.v1.ServiceSpec;
import dev.drover.api.v1.StatefulSet;
import dev.drover.api.v1.StatefulSetSpec;
import dev.drover.api.v1.VolumeMount;
import dev.drover.client.DroverClient;
import dev.drover.client.DroverClient.Retry;
import dev.drover.testing.TestObjects;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A StatefulSet on real containers: one master and one node agent on the local Docker daemon run
 * three busybox pods, each writing its ordinal into its own claim (provisioned by the default
 * "local" class in the agent's data directory) and counting its starts there. A deleted pod comes
 * back under the same name with the same data; scaling to one and back to three keeps the claims
 * and their data; the headless Service lists each pod under its hostname; and after an agent
 * restart a rescheduled pod still finds its data.
 *
 * <p>Without a Docker daemon the test is skipped, and fails under {@code CI=true}.
 */
class StatefulSetDockerTest {
  private static final Duration PATIENCE = Duration.ofSeconds(60);
  private static final String NS = "default";
  private static final String SET = "data";

  // The ordinal is written once, on the claim's first use; every start is counted.
  private static final String SCRIPT =
      "trap 'exit 0' TERM; [ -f /data/ordinal ] || echo ${HOSTNAME##*-} > /data/ordinal;"
          + " echo start >> /data/starts; sleep 3600 & wait";

  @RegisterExtension
  static final DockerClusterExtension CLUSTER = new DockerClusterExtension("sts-it");

  private DockerNodeCluster cluster;
  private DroverClient client;

  @Test
  void podsKeepTheirNamesClaimsAndDataAcrossDeletionScalingAndAnAgentRestart() throws Exception {
    client
        .services()
        .create(
            Service.newBuilder()
                .setMetadata(TestObjects.meta(SET))
                .setSpec(
                    ServiceSpec.newBuilder()
                        .setClusterIp("None")
                        .putSelector("app", SET)
                        .addPorts(ServicePort.newBuilder().setName("web").setPort(80)))
                .build());
    client.statefulSets().create(statefulSet(3));
    awaitRunning(3);
    await().atMost(PATIENCE).until(() -> starts(0) == 1 && starts(1) == 1 && starts(2) == 1);
    for (int i = 0; i < 3; i++) {
      assertThat(read(i, "ordinal")).isEqualTo(i + "\n");
    }

    // The headless Service lists each pod under its hostname.
    await()
        .atMost(PATIENCE)
        .untilAsserted(
            () ->
                assertThat(client.endpoints().get(NS, SET).getSubsets(0).getAddressesList())
                    .extracting(EndpointAddress::getHostname)
                    .containsExactlyInAnyOrder("data-0", "data-1", "data-2"));

    // A deleted pod comes back under its name, on its claim, with its data.
    String volume1 = claim(1).getSpec().getVolumeName();
    String uid1 = pod(1).getMetadata().getUid();
    client.pods().delete(NS, "data-1");
    await().atMost(PATIENCE).until(() -> replacedAndRunning(1, uid1));
    await().atMost(PATIENCE).until(() -> starts(1) == 2);
    assertThat(claim(1).getSpec().getVolumeName()).isEqualTo(volume1);
    assertThat(read(1, "ordinal")).isEqualTo("1\n");

    // Scale down to one and back up: the claims and their data stay.
    scale(1);
    await().atMost(PATIENCE).until(() -> client.pods().list(NS, "app=" + SET).size() == 1);
    assertThat(claim(2).getStatus().getPhase())
        .isEqualTo(PersistentVolumeClaimPhase.PERSISTENT_VOLUME_CLAIM_PHASE_BOUND);
    scale(3);
    awaitRunning(3);
    await().atMost(PATIENCE).until(() -> starts(1) == 3 && starts(2) == 2);
    assertThat(claim(1).getSpec().getVolumeName()).isEqualTo(volume1);
    for (int i = 0; i < 3; i++) {
      assertThat(read(i, "ordinal")).isEqualTo(i + "\n");
    }

    // After an agent restart a rescheduled pod still finds its data.
    cluster.restartAgent();
    String uid0 = pod(0).getMetadata().getUid();
    client.pods().delete(NS, "data-0");
    await().atMost(PATIENCE).until(() -> replacedAndRunning(0, uid0));
    await().atMost(PATIENCE).until(() -> starts(0) == 2);
    assertThat(read(0, "ordinal")).isEqualTo("0\n");
  }

  private StatefulSet statefulSet(int replicas) {
    Map<String, String> labels = Map.of("app", SET);
    var container =
        TestObjects.shell("main", DockerTestSupport.LOCAL_IMAGE, SCRIPT)
            .addPorts(ContainerPort.newBuilder().setName("web").setContainerPort(80))
            .addVolumeMounts(VolumeMount.newBuilder().setName("www").setMountPath("/data"));
    var template = TestObjects.template(labels, container);
    template.getSpecBuilder().setTerminationGracePeriodSeconds(1);
    return StatefulSet.newBuilder()
        .setMetadata(TestObjects.meta(SET))
        .setSpec(
            StatefulSetSpec.newBuilder()
                .setReplicas(replicas)
                .setServiceName(SET)
                .setPodManagementPolicy(PodManagementPolicyType.POD_MANAGEMENT_POLICY_TYPE_PARALLEL)
                .setSelector(TestObjects.selector(labels))
                .setTemplate(template)
                .addVolumeClaimTemplates(
                    PersistentVolumeClaim.newBuilder()
                        .setMetadata(TestObjects.meta("www").toBuilder().clearNamespace())
                        .setSpec(
                            PersistentVolumeClaimSpec.newBuilder()
                                .addAccessModes(
                                    PersistentVolumeAccessMode
                                        .PERSISTENT_VOLUME_ACCESS_MODE_READ_WRITE_ONCE)
                                .setResources(
                                    ResourceRequirements.newBuilder()
                                        .putRequests("storage", "64Mi")))))
        .build();
  }

  private void scale(int replicas) {
    client.call(
        Retry.IDEMPOTENT,
        s ->
            s.scale(
                ScaleRequest.newBuilder()
                    .setKind(Kind.KIND_STATEFUL_SET)
                    .setNamespace(NS)
                    .setName(SET)
                    .setReplicas(replicas)
                    .build()));
  }

  private void awaitRunning(int count) {
    await()
        .atMost(PATIENCE)
        .ignoreExceptions()
        .until(
            () -> {
              List<Pod> pods = client.pods().list(NS, "app=" + SET);
              return pods.size() == count && pods.stream().allMatch(StatefulSetDockerTest::running);
            });
  }

  private static boolean running(Pod pod) {
    return pod.getStatus().getPhase() == PodPhase.POD_PHASE_RUNNING
        && !pod.getMetadata().hasDeletionTime();
  }

  private Pod pod(int ordinal) {
    return client.pods().get(NS, SET + "-" + ordinal);
  }

  /**
   * True once pod {@code ordinal} exists under a new uid and runs; between the deletion and the
   * re-creation the pod is not found, which is a "not yet" here.
   */
  private boolean replacedAndRunning(int ordinal, String oldUid) {
    try {
      Pod pod = pod(ordinal);
      return !pod.getMetadata().getUid().equals(oldUid) && running(pod);
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return false;
      }
      throw e;
    }
  }

  private PersistentVolumeClaim claim(int ordinal) {
    return client.persistentVolumeClaims().get(NS, "www-" + SET + "-" + ordinal);
  }

  /** A file of the claim of pod {@code ordinal}, read where the agent keeps the volume. */
  private String read(int ordinal, String file) throws IOException {
    String volume = claim(ordinal).getSpec().getVolumeName();
    return Files.readString(cluster.volumeDir(volume).resolve(file));
  }

  private long starts(int ordinal) {
    try {
      return read(ordinal, "starts").lines().count();
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }
}
