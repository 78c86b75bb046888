package dev.drover.master.scheduler.plugins;

import static dev.drover.master.scheduler.Fixtures.node;
import static dev.drover.master.scheduler.Fixtures.pod;
import static dev.drover.master.scheduler.Fixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.api.PersistentVolumes;
import dev.drover.api.v1.HostPathVolumeSource;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.PersistentVolume;
import dev.drover.api.v1.PersistentVolumeAccessMode;
import dev.drover.api.v1.PersistentVolumeClaim;
import dev.drover.api.v1.PersistentVolumeClaimSpec;
import dev.drover.api.v1.PersistentVolumeClaimVolumeSource;
import dev.drover.api.v1.PersistentVolumeSpec;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.ResourceRequirements;
import dev.drover.api.v1.Volume;
import dev.drover.master.scheduler.framework.ClusterSnapshot;
import dev.drover.master.scheduler.framework.PodInfo;
import dev.drover.master.scheduler.framework.Status;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Claims keep pods where their volumes are; unbound default-class claims fit anywhere. */
class VolumeBindingFilterTest {
  private static final PersistentVolumeAccessMode RWO =
      PersistentVolumeAccessMode.PERSISTENT_VOLUME_ACCESS_MODE_READ_WRITE_ONCE;

  private final Map<String, PersistentVolumeClaim> claims = new HashMap<>();
  private final List<PersistentVolume> volumes = new ArrayList<>();
  private final VolumeBindingFilter plugin =
      new VolumeBindingFilter(
          new VolumeBindingFilter.Volumes() {
            @Override
            public Optional<PersistentVolumeClaim> claim(String namespace, String name) {
              return Optional.ofNullable(claims.get(name));
            }

            @Override
            public Optional<PersistentVolume> volume(String name) {
              return volumes.stream().filter(v -> v.getMetadata().getName().equals(name)).findAny();
            }

            @Override
            public List<PersistentVolume> volumes() {
              return volumes;
            }
          });
  private final ClusterSnapshot snap =
      snapshot(List.of(node("a").build(), node("b").build()), List.of());

  private static PodInfo usingClaim(String claim) {
    Pod pod = pod("p").build();
    return PodInfo.of(
        pod.toBuilder()
            .setSpec(
                pod.getSpec().toBuilder()
                    .addVolumes(
                        Volume.newBuilder()
                            .setName("data")
                            .setPersistentVolumeClaim(
                                PersistentVolumeClaimVolumeSource.newBuilder()
                                    .setClaimName(claim))))
            .build());
  }

  private void claim(String name, String storageClass, String volume) {
    claims.put(
        name,
        PersistentVolumeClaim.newBuilder()
            .setMetadata(ObjectMeta.newBuilder().setName(name).setNamespace("default"))
            .setSpec(
                PersistentVolumeClaimSpec.newBuilder()
                    .addAccessModes(RWO)
                    .setStorageClassName(storageClass)
                    .setVolumeName(volume)
                    .setResources(ResourceRequirements.newBuilder().putRequests("storage", "1Gi")))
            .build());
  }

  private void volume(String name, String storageClass, String node) {
    PersistentVolumeSpec.Builder spec =
        PersistentVolumeSpec.newBuilder()
            .putCapacity("storage", "2Gi")
            .addAccessModes(RWO)
            .setStorageClassName(storageClass)
            .setHostPath(HostPathVolumeSource.newBuilder().setPath("/d"));
    if (node != null) {
      spec.setNodeAffinity(PersistentVolumes.onNode(node));
    }
    volumes.add(
        PersistentVolume.newBuilder()
            .setMetadata(ObjectMeta.newBuilder().setName(name))
            .setSpec(spec)
            .build());
  }

  @Test
  void aPodWithoutClaimsIsNotChecked() {
    assertThat(Plugins.filter(plugin, pod("p").info(), snap, "a")).isEqualTo(Status.SUCCESS);
  }

  @Test
  void aBoundClaimKeepsItsPodsOnTheVolumesNode() {
    volume("pvc-1", "local", "b");
    claim("www-web-0", "local", "pvc-1");
    PodInfo pod = usingClaim("www-web-0");
    assertThat(Plugins.filter(plugin, pod, snap, "b")).isEqualTo(Status.SUCCESS);
    assertThat(Plugins.filter(plugin, pod, snap, "a"))
        .isEqualTo(Status.UNSCHEDULABLE_AND_UNRESOLVABLE);
    assertThat(Plugins.reasons(plugin, pod, snap, "a"))
        .isEqualTo(Map.of(VolumeBindingFilter.CONFLICT, 1));
  }

  @Test
  void anUnboundClaimOfTheDefaultClassFitsEveryNode() {
    claim("www-web-0", PersistentVolumes.DEFAULT_STORAGE_CLASS, "");
    PodInfo pod = usingClaim("www-web-0");
    assertThat(Plugins.filter(plugin, pod, snap, "a")).isEqualTo(Status.SUCCESS);
    assertThat(Plugins.filter(plugin, pod, snap, "b")).isEqualTo(Status.SUCCESS);
  }

  @Test
  void anUnboundClaimOfAnotherClassNeedsAFreeMatchingVolumeOnTheNode() {
    claim("db", "manual", "");
    PodInfo pod = usingClaim("db");
    assertThat(Plugins.reasons(plugin, pod, snap, "a"))
        .isEqualTo(Map.of(VolumeBindingFilter.NO_VOLUME, 1));
    volume("other-class", "fast", null);
    volume("manual-on-a", "manual", "a");
    assertThat(Plugins.filter(plugin, pod, snap, "a")).isEqualTo(Status.SUCCESS);
    assertThat(Plugins.filter(plugin, pod, snap, "b"))
        .isEqualTo(Status.UNSCHEDULABLE_AND_UNRESOLVABLE);
  }

  @Test
  void aMissingClaimFitsNoNode() {
    assertThat(Plugins.reasons(plugin, usingClaim("nope"), snap, "a"))
        .isEqualTo(Map.of(VolumeBindingFilter.MISSING, 1));
  }
}
