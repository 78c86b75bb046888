package dev.drover.master.registry;

import dev.drover.api.v1.Object;
import dev.drover.api.v1.PersistentVolumeClaimPhase;
import dev.drover.api.v1.PersistentVolumePhase;

/**
 * What PersistentVolumes and PersistentVolumeClaims add to the generic {@link Registry}: a new
 * claim starts Pending and a new volume Pending until the binder has looked at it; and the binding
 * the binder wrote (a claim's volume_name, a volume's claim_ref) survives an update that leaves it
 * out, such as applying the manifest the claim or volume was created from again.
 */
public final class VolumeStrategy implements KindStrategy {

  @Override
  public Object prepareForCreate(Object object) {
    if (object.hasPersistentVolumeClaim()) {
      var claim = object.getPersistentVolumeClaim().toBuilder();
      claim
          .getStatusBuilder()
          .setPhase(PersistentVolumeClaimPhase.PERSISTENT_VOLUME_CLAIM_PHASE_PENDING);
      return object.toBuilder().setPersistentVolumeClaim(claim).build();
    }
    var volume = object.getPersistentVolume().toBuilder();
    volume.getStatusBuilder().setPhase(PersistentVolumePhase.PERSISTENT_VOLUME_PHASE_PENDING);
    return object.toBuilder().setPersistentVolume(volume).build();
  }

  @Override
  public Object prepareForUpdate(Object current, Object next) {
    if (next.hasPersistentVolumeClaim()) {
      String bound = current.getPersistentVolumeClaim().getSpec().getVolumeName();
      if (bound.isEmpty() || !next.getPersistentVolumeClaim().getSpec().getVolumeName().isEmpty()) {
        return next;
      }
      var claim = next.getPersistentVolumeClaim().toBuilder();
      claim.getSpecBuilder().setVolumeName(bound);
      return next.toBuilder().setPersistentVolumeClaim(claim).build();
    }
    var ref = current.getPersistentVolume().getSpec().getClaimRef();
    if (ref.getName().isEmpty() || next.getPersistentVolume().getSpec().hasClaimRef()) {
      return next;
    }
    var volume = next.getPersistentVolume().toBuilder();
    volume.getSpecBuilder().setClaimRef(ref);
    return next.toBuilder().setPersistentVolume(volume).build();
  }
}
