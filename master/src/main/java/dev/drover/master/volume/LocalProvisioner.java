package dev.drover.master.volume;

import dev.drover.api.PersistentVolumes;
import dev.drover.api.Quantity;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.PersistentVolume;
import dev.drover.api.v1.PersistentVolumeClaim;
import dev.drover.api.v1.PersistentVolumeReclaimPolicy;
import dev.drover.api.v1.PersistentVolumeSpec;
import dev.drover.api.v1.ProvisionedVolumeSource;

/**
 * The provisioner of the default "local" storage class: a volume for a claim is a directory the
 * agent of the chosen node keeps under its data directory, named after the volume ({@code
 * pvc-<claim uid>}, as Kubernetes names provisioned volumes), pinned to that node by its node
 * affinity and deleted with its claim (reclaim policy Delete). The volume carries {@link
 * PersistentVolumes#CLEANUP_FINALIZER}: once deleted, it stays until that node's agent has removed
 * the directory (see {@link VolumeBinder} for Retain and for a node that is gone).
 */
final class LocalProvisioner {
  /** Annotation naming the provisioner, as Kubernetes' "pv.kubernetes.io/provisioned-by". */
  static final String PROVISIONED_BY = "pv.kubernetes.io/provisioned-by";

  /** This provisioner's name. */
  static final String NAME = "drover.dev/local";

  private LocalProvisioner() {}

  /** The volume to create for {@code claim} on {@code node}. */
  static PersistentVolume volumeFor(PersistentVolumeClaim claim, String node) {
    String name = "pvc-" + claim.getMetadata().getUid();
    String size =
        claim
            .getSpec()
            .getResources()
            .getRequestsMap()
            .getOrDefault(PersistentVolumes.STORAGE, "0");
    return PersistentVolume.newBuilder()
        .setMetadata(
            ObjectMeta.newBuilder()
                .setName(name)
                .putAnnotations(PROVISIONED_BY, NAME)
                .addFinalizers(PersistentVolumes.CLEANUP_FINALIZER))
        .setSpec(
            PersistentVolumeSpec.newBuilder()
                .putCapacity(PersistentVolumes.STORAGE, size)
                .addAllAccessModes(claim.getSpec().getAccessModesList())
                .setStorageClassName(PersistentVolumes.storageClass(claim))
                .setPersistentVolumeReclaimPolicy(
                    PersistentVolumeReclaimPolicy.PERSISTENT_VOLUME_RECLAIM_POLICY_DELETE)
                .setNodeAffinity(PersistentVolumes.onNode(node))
                .setVolumeMode("Filesystem")
                .setProvisioned(ProvisionedVolumeSource.newBuilder().setName(name)))
        .build();
  }

  /** The capacity of a volume (zero when it states none). */
  static Quantity capacity(PersistentVolume pv) {
    Quantity q = Quantity.parseOrNull(pv.getSpec().getCapacityMap().getOrDefault("storage", "0"));
    return q == null ? Quantity.ZERO : q;
  }
}
