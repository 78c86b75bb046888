package dev.drover.master.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.drover.api.PersistentVolumes;
import dev.drover.api.v1.ConfirmPodTerminationRequest;
import dev.drover.api.v1.ConfirmVolumeReclaimedRequest;
import dev.drover.api.v1.ControlServiceGrpc.ControlServiceBlockingStub;
import dev.drover.api.v1.CreateRequest;
import dev.drover.api.v1.DaemonEndpoint;
import dev.drover.api.v1.DeleteRequest;
import dev.drover.api.v1.GetRequest;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.ListVolumesToReclaimRequest;
import dev.drover.api.v1.Node;
import dev.drover.api.v1.NodeServiceGrpc.NodeServiceBlockingStub;
import dev.drover.api.v1.NodeStatus;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.PersistentVolume;
import dev.drover.api.v1.PersistentVolumeAccessMode;
import dev.drover.api.v1.PersistentVolumeClaim;
import dev.drover.api.v1.PersistentVolumeClaimSpec;
import dev.drover.api.v1.PersistentVolumeClaimVolumeSource;
import dev.drover.api.v1.PersistentVolumeReclaimPolicy;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.RegisterNodeRequest;
import dev.drover.api.v1.ResourceRequirements;
import dev.drover.api.v1.UpdateRequest;
import dev.drover.api.v1.Volume;
import dev.drover.master.InProcessMaster;
import dev.drover.testing.TestCallers;
import dev.drover.testing.TestObjects;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The node service's side of removing a provisioned volume's data (reclaim policy Delete): a
 * deleted volume is handed only to the node it lives on and only once no pod that may still run
 * uses its claim; only that node may confirm the removal, which removes the object; with reclaim
 * policy Retain the object goes at once and no node is asked to remove anything. A claim a pod uses
 * is kept, Terminating, until the pod is gone (pvc-protection).
 */
class VolumeReclaimTest {
  private static final Duration PATIENCE = Duration.ofSeconds(30);
  private InProcessMaster m;

  @BeforeEach
  void start() {
    m = new InProcessMaster(b -> b.scheduler(false).authenticator(Callers.authenticator()));
    for (String name : List.of("a", "b")) {
      node(name)
          .register(
              RegisterNodeRequest.newBuilder()
                  .setNode(
                      Node.newBuilder()
                          .setMetadata(ObjectMeta.newBuilder().setName(name))
                          .setStatus(
                              NodeStatus.newBuilder()
                                  .setDaemonEndpoint(
                                      DaemonEndpoint.newBuilder()
                                          .setAddress("127.0.0.1")
                                          .setPort(1))))
                  .build());
    }
  }

  @AfterEach
  void stop() throws Exception {
    m.close();
  }

  private ControlServiceBlockingStub admin() {
    return TestCallers.as(m.control(), "cluster-admin:root");
  }

  private NodeServiceBlockingStub node(String name) {
    return TestCallers.as(m.node(), "node:" + name);
  }

  @Test
  void onlyItsNodeRemovesADeletedVolumeAndOnlyOnceNoPodUsesIt() {
    Object pod = claimWithPodOn("a", "data");
    PersistentVolume pv = awaitVolume("data");
    assertThat(pv.getMetadata().getFinalizersList()).contains(PersistentVolumes.CLEANUP_FINALIZER);
    delete(Kind.KIND_PERSISTENT_VOLUME, "", pv.getMetadata().getName());
    assertThat(volume(pv.getMetadata().getName()).getMetadata().hasDeletionTime()).isTrue();

    // The pod may still have it mounted: nothing to remove yet.
    assertThat(toReclaim("a")).isEmpty();
    // Node b may neither see nor release a volume of node a.
    StatusRuntimeException denied =
        catchThrowableOfType(
            () -> node("b").confirmVolumeReclaimed(confirm("b", pv)), StatusRuntimeException.class);
    assertThat(denied.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);

    delete(Kind.KIND_POD, "default", "data-user");
    node("a")
        .confirmPodTermination(
            ConfirmPodTerminationRequest.newBuilder()
                .setNodeName("a")
                .setNamespace("default")
                .setName("data-user")
                .setUid(pod.getPod().getMetadata().getUid())
                .build());
    delete(Kind.KIND_PERSISTENT_VOLUME_CLAIM, "default", "data");
    await()
        .atMost(PATIENCE)
        .untilAsserted(
            () ->
                assertThat(toReclaim("a"))
                    .extracting(v -> v.getMetadata().getName())
                    .containsExactly(pv.getMetadata().getName()));
    assertThat(toReclaim("b")).isEmpty();

    assertThat(node("a").confirmVolumeReclaimed(confirm("a", pv)).getRemoved()).isTrue();
    assertThat(exists(pv.getMetadata().getName())).isFalse();
  }

  @Test
  void aRetainedVolumeGoesWithoutAskingItsNodeToRemoveAnything() {
    claimWithPodOn("a", "kept");
    PersistentVolume pv = awaitVolume("kept");
    admin()
        .update(
            UpdateRequest.newBuilder()
                .setObject(
                    TestObjects.wrap(
                        pv.toBuilder()
                            .setSpec(
                                pv.getSpec().toBuilder()
                                    .setPersistentVolumeReclaimPolicy(
                                        PersistentVolumeReclaimPolicy
                                            .PERSISTENT_VOLUME_RECLAIM_POLICY_RETAIN))))
                .build());
    delete(Kind.KIND_PERSISTENT_VOLUME, "", pv.getMetadata().getName());
    await().atMost(PATIENCE).until(() -> !exists(pv.getMetadata().getName()));
    assertThat(toReclaim("a")).isEmpty();
  }

  @Test
  void aClaimInUseIsRemovedOnlyOnceItsPodIsGone() {
    Object pod = claimWithPodOn("a", "guarded");
    awaitVolume("guarded");
    Object claim = get(Kind.KIND_PERSISTENT_VOLUME_CLAIM, "default", "guarded");
    assertThat(claim.getPersistentVolumeClaim().getMetadata().getFinalizersList())
        .contains(PersistentVolumes.PROTECTION_FINALIZER);
    delete(Kind.KIND_PERSISTENT_VOLUME_CLAIM, "default", "guarded");
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                get(Kind.KIND_PERSISTENT_VOLUME_CLAIM, "default", "guarded")
                    .getPersistentVolumeClaim()
                    .getMetadata()
                    .hasDeletionTime());

    delete(Kind.KIND_POD, "default", "guarded-user");
    node("a")
        .confirmPodTermination(
            ConfirmPodTerminationRequest.newBuilder()
                .setNodeName("a")
                .setNamespace("default")
                .setName("guarded-user")
                .setUid(pod.getPod().getMetadata().getUid())
                .build());
    await()
        .atMost(PATIENCE)
        .until(() -> !exists(Kind.KIND_PERSISTENT_VOLUME_CLAIM, "default", "guarded"));
  }

  private Object claimWithPodOn(String nodeName, String claim) {
    admin()
        .create(
            CreateRequest.newBuilder()
                .setObject(
                    TestObjects.wrap(
                        PersistentVolumeClaim.newBuilder()
                            .setMetadata(TestObjects.meta(claim))
                            .setSpec(
                                PersistentVolumeClaimSpec.newBuilder()
                                    .addAccessModes(
                                        PersistentVolumeAccessMode
                                            .PERSISTENT_VOLUME_ACCESS_MODE_READ_WRITE_ONCE)
                                    .setResources(
                                        ResourceRequirements.newBuilder()
                                            .putRequests("storage", "1Mi")))))
                .build());
    Pod.Builder pod =
        TestObjects.pod("default", claim + "-user", TestObjects.container("main", "busybox:1"));
    pod.getSpecBuilder()
        .setNodeName(nodeName)
        .addVolumes(
            Volume.newBuilder()
                .setName("data")
                .setPersistentVolumeClaim(
                    PersistentVolumeClaimVolumeSource.newBuilder().setClaimName(claim)));
    return admin().create(CreateRequest.newBuilder().setObject(TestObjects.wrap(pod)).build());
  }

  private PersistentVolume awaitVolume(String claim) {
    String name =
        await()
            .atMost(PATIENCE)
            .until(
                () ->
                    get(Kind.KIND_PERSISTENT_VOLUME_CLAIM, "default", claim)
                        .getPersistentVolumeClaim()
                        .getSpec()
                        .getVolumeName(),
                v -> !v.isEmpty());
    return volume(name);
  }

  private List<PersistentVolume> toReclaim(String nodeName) {
    return node(nodeName)
        .listVolumesToReclaim(
            ListVolumesToReclaimRequest.newBuilder().setNodeName(nodeName).build())
        .getVolumesList();
  }

  private static ConfirmVolumeReclaimedRequest confirm(String nodeName, PersistentVolume pv) {
    return ConfirmVolumeReclaimedRequest.newBuilder()
        .setNodeName(nodeName)
        .setName(pv.getMetadata().getName())
        .setUid(pv.getMetadata().getUid())
        .build();
  }

  private PersistentVolume volume(String name) {
    return get(Kind.KIND_PERSISTENT_VOLUME, "", name).getPersistentVolume();
  }

  private Object get(Kind kind, String namespace, String name) {
    return admin()
        .get(GetRequest.newBuilder().setKind(kind).setNamespace(namespace).setName(name).build());
  }

  private boolean exists(String pvName) {
    return exists(Kind.KIND_PERSISTENT_VOLUME, "", pvName);
  }

  private boolean exists(Kind kind, String namespace, String name) {
    try {
      get(kind, namespace, name);
      return true;
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return false;
      }
      throw e;
    }
  }

  private void delete(Kind kind, String namespace, String name) {
    admin()
        .delete(
            DeleteRequest.newBuilder().setKind(kind).setNamespace(namespace).setName(name).build());
  }
}
