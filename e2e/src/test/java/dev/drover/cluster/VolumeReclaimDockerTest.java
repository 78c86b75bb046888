package dev.drover.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.drover.agent.runtime.docker.DockerTestSupport;
import dev.drover.api.PersistentVolumes;
import dev.drover.api.v1.PersistentVolume;
import dev.drover.api.v1.PersistentVolumeAccessMode;
import dev.drover.api.v1.PersistentVolumeClaim;
import dev.drover.api.v1.PersistentVolumeClaimSpec;
import dev.drover.api.v1.PersistentVolumeClaimVolumeSource;
import dev.drover.api.v1.PersistentVolumePhase;
import dev.drover.api.v1.PersistentVolumeReclaimPolicy;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.ResourceRequirements;
import dev.drover.api.v1.Volume;
import dev.drover.api.v1.VolumeMount;
import dev.drover.client.DroverClient;
import dev.drover.testing.TestObjects;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Provisioned volumes on real containers, one master and one Docker node agent: a claim's pod
 * writes into its volume; after an agent restart a new pod of the claim finds the data; while a pod
 * still uses the volume its data stays even though the PersistentVolume is deleted; once the pod
 * and the claim are gone the agent removes the directory and the PersistentVolume goes (reclaim
 * policy Delete). A volume switched to Retain keeps its directory when it is deleted.
 *
 * <p>Without a Docker daemon the test is skipped, and fails under {@code CI=true}.
 */
class VolumeReclaimDockerTest {
  private static final Duration PATIENCE = Duration.ofSeconds(60);
  private static final String NS = "default";

  @RegisterExtension
  static final DockerClusterExtension CLUSTER = new DockerClusterExtension("pvc-it");

  private DockerNodeCluster cluster;
  private DroverClient client;

  @Test
  void aDeletedVolumesDataIsRemovedFromItsNodeOnceNoPodUsesIt() throws Exception {
    client.persistentVolumeClaims().create(claim("data"));
    client.pods().create(pod("writer", "data", "echo kept > /data/file"));
    Path volume = awaitFile("data", "file");
    assertThat(Files.readString(volume.resolve("file"))).isEqualTo("kept\n");

    // A PVC-backed pod started after an agent restart finds the data.
    cluster.restartAgent();
    deletePod("writer");
    client.pods().create(pod("reader", "data", "cat /data/file > /data/seen"));
    assertThat(Files.readString(awaitFile("data", "seen").resolve("seen"))).isEqualTo("kept\n");

    // Deleted while a pod uses it: the volume stays Terminating and its data stays.
    String pvName = volumeOf("data");
    client.persistentVolumes().delete("", pvName);
    assertThat(client.persistentVolumes().get("", pvName).getMetadata().hasDeletionTime()).isTrue();
    await()
        .during(Duration.ofSeconds(4))
        .atMost(Duration.ofSeconds(10))
        .until(() -> Files.isRegularFile(volume.resolve("file")) && exists(pvName));

    // Pod and claim gone: the agent removes the directory, then the volume goes.
    deletePod("reader");
    client.persistentVolumeClaims().delete(NS, "data");
    await().atMost(PATIENCE).until(() -> !Files.exists(volume) && !exists(pvName));
  }

  @Test
  void aVolumeWithReclaimPolicyRetainKeepsItsDataWhenDeleted() throws Exception {
    client.persistentVolumeClaims().create(claim("kept"));
    client.pods().create(pod("writer", "kept", "echo mine > /data/file"));
    Path volume = awaitFile("kept", "file");
    String pvName = volumeOf("kept");
    PersistentVolume pv = client.persistentVolumes().get("", pvName);
    assertThat(pv.getMetadata().getFinalizersList()).contains(PersistentVolumes.CLEANUP_FINALIZER);
    client
        .persistentVolumes()
        .update(
            pv.toBuilder()
                .setSpec(
                    pv.getSpec().toBuilder()
                        .setPersistentVolumeReclaimPolicy(
                            PersistentVolumeReclaimPolicy.PERSISTENT_VOLUME_RECLAIM_POLICY_RETAIN))
                .build());

    deletePod("writer");
    client.persistentVolumeClaims().delete(NS, "kept");
    await()
        .atMost(PATIENCE)
        .until(
            () ->
                client.persistentVolumes().get("", pvName).getStatus().getPhase()
                    == PersistentVolumePhase.PERSISTENT_VOLUME_PHASE_RELEASED);
    client.persistentVolumes().delete("", pvName);
    await().atMost(PATIENCE).until(() -> !exists(pvName));
    assertThat(Files.readString(volume.resolve("file"))).isEqualTo("mine\n");
  }

  private static PersistentVolumeClaim claim(String name) {
    return PersistentVolumeClaim.newBuilder()
        .setMetadata(TestObjects.meta(name))
        .setSpec(
            PersistentVolumeClaimSpec.newBuilder()
                .addAccessModes(
                    PersistentVolumeAccessMode.PERSISTENT_VOLUME_ACCESS_MODE_READ_WRITE_ONCE)
                .setResources(ResourceRequirements.newBuilder().putRequests("storage", "16Mi")))
        .build();
  }

  private static Pod pod(String name, String claim, String script) {
    var container =
        TestObjects.shell(
                "main",
                DockerTestSupport.LOCAL_IMAGE,
                "trap 'exit 0' TERM; " + script + "; sleep 3600 & wait")
            .addVolumeMounts(VolumeMount.newBuilder().setName("data").setMountPath("/data"));
    Pod.Builder pod = TestObjects.pod(NS, name, container);
    pod.getSpecBuilder()
        .setTerminationGracePeriodSeconds(1)
        .addVolumes(
            Volume.newBuilder()
                .setName("data")
                .setPersistentVolumeClaim(
                    PersistentVolumeClaimVolumeSource.newBuilder().setClaimName(claim)));
    return pod.build();
  }

  private String volumeOf(String claim) {
    return client.persistentVolumeClaims().get(NS, claim).getSpec().getVolumeName();
  }

  /** Waits for {@code file} in the claim's volume on the node; returns the volume's directory. */
  private Path awaitFile(String claim, String file) {
    await()
        .atMost(PATIENCE)
        .ignoreExceptions()
        .until(() -> Files.isRegularFile(cluster.volumeDir(volumeOf(claim)).resolve(file)));
    return cluster.volumeDir(volumeOf(claim));
  }

  private void deletePod(String name) {
    client.pods().delete(NS, name);
    await()
        .atMost(PATIENCE)
        .until(
            () ->
                client.pods().list(NS, "").stream()
                    .noneMatch(p -> p.getMetadata().getName().equals(name)));
  }

  private boolean exists(String pvName) {
    try {
      client.persistentVolumes().get("", pvName);
      return true;
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return false;
      }
      throw e;
    }
  }
}
