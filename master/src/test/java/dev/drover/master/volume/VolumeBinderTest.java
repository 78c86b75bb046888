package dev.drover.master.volume;

import static dev.drover.testing.TestObjects.meta;
import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.api.v1.Kind;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.PersistentVolume;
import dev.drover.api.v1.PersistentVolumeAccessMode;
import dev.drover.api.v1.PersistentVolumeClaim;
import dev.drover.api.v1.PersistentVolumeClaimPhase;
import dev.drover.api.v1.PersistentVolumeClaimSpec;
import dev.drover.api.v1.PersistentVolumeSpec;
import dev.drover.api.v1.ResourceRequirements;
import dev.drover.master.controller.Harness;
import org.junit.jupiter.api.Test;

class VolumeBinderTest {
  private final Harness h = new Harness();

  VolumeBinderTest() {
    h.add(new VolumeBinder(h.context()));
  }

  @Test
  void aClaimSyncedBeforeItsVolumeExistedIsBoundWhenTheVolumeArrives() {
    h.cluster.create(
        PersistentVolumeClaim.newBuilder()
            .setMetadata(meta("wants"))
            .setSpec(
                PersistentVolumeClaimSpec.newBuilder()
                    .setStorageClassName("manual")
                    .addAccessModes(
                        PersistentVolumeAccessMode.PERSISTENT_VOLUME_ACCESS_MODE_READ_WRITE_ONCE)
                    .setResources(ResourceRequirements.newBuilder().putRequests("storage", "1Gi")))
            .build());
    h.settle();
    assertThat(claim().getStatus().getPhase())
        .isEqualTo(PersistentVolumeClaimPhase.PERSISTENT_VOLUME_CLAIM_PHASE_PENDING);

    // No resync happens here (the clock does not move): only the volume's arrival can bind it.
    h.cluster.create(
        PersistentVolume.newBuilder()
            .setMetadata(ObjectMeta.newBuilder().setName("by-hand"))
            .setSpec(
                PersistentVolumeSpec.newBuilder()
                    .setStorageClassName("manual")
                    .putCapacity("storage", "2Gi")
                    .addAccessModes(
                        PersistentVolumeAccessMode.PERSISTENT_VOLUME_ACCESS_MODE_READ_WRITE_ONCE))
            .build());
    h.settle();
    assertThat(claim().getSpec().getVolumeName()).isEqualTo("by-hand");
    assertThat(claim().getStatus().getPhase())
        .isEqualTo(PersistentVolumeClaimPhase.PERSISTENT_VOLUME_CLAIM_PHASE_BOUND);
  }

  private PersistentVolumeClaim claim() {
    return h.cluster.stored(Kind.KIND_PERSISTENT_VOLUME_CLAIM, "default", "wants");
  }
}
