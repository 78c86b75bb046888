package dev.drover.master.registry;

import dev.drover.api.ApiObjects;
import dev.drover.api.PersistentVolumes;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.PersistentVolumeClaimPhase;
import dev.drover.api.v1.PersistentVolumePhase;

/**
 * What PersistentVolumes and PersistentVolumeClaims add to the generic {@link Registry}: a new
 * claim starts Pending and a new volume Pending until the binder has looked at it; and the binding
 * the binder wrote (a claim's volumeName, a volume's claimRef) survives an update that leaves it
 * out, such as applying the manifest the claim or volume was created from again. Every new claim
 * gets {@link PersistentVolumes#PROTECTION_FINALIZER}; it and a provisioned volume's {@link
 * PersistentVolumes#CLEANUP_FINALIZER} survive updates until deletion starts.
 */
public final class VolumeStrategy implements KindStrategy {

  @Override
  public Object prepareForCreate(Object object) {
    if (object.hasPersistentVolumeClaim()) {
      var claim = object.getPersistentVolumeClaim().toBuilder();
      claim
          .getStatusBuilder()
          .setPhase(PersistentVolumeClaimPhase.PERSISTENT_VOLUME_CLAIM_PHASE_PENDING);
      if (!claim
          .getMetadata()
          .getFinalizersList()
          .contains(PersistentVolumes.PROTECTION_FINALIZER)) {
        claim.getMetadataBuilder().addFinalizers(PersistentVolumes.PROTECTION_FINALIZER);
      }
      return object.toBuilder().setPersistentVolumeClaim(claim).build();
    }
    var volume = object.getPersistentVolume().toBuilder();
    volume.getStatusBuilder().setPhase(PersistentVolumePhase.PERSISTENT_VOLUME_PHASE_PENDING);
    return object.toBuilder().setPersistentVolume(volume).build();
  }

  @Override
  public Object prepareForUpdate(Object current, Object next) {
    next = keepFinalizer(current, next, PersistentVolumes.PROTECTION_FINALIZER);
    next = keepFinalizer(current, next, PersistentVolumes.CLEANUP_FINALIZER);
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

  // An update that leaves out a finalizer the server set (a manifest replaced as a whole) keeps
  // it; only once deletion has started may it go, which is when the binder or agent drops it.
  private static Object keepFinalizer(Object current, Object next, String finalizer) {
    ObjectMeta cur = ApiObjects.meta(current);
    ObjectMeta in = ApiObjects.meta(next);
    if (cur.hasDeletionTime()
        || !cur.getFinalizersList().contains(finalizer)
        || in.getFinalizersList().contains(finalizer)) {
      return next;
    }
    return ApiObjects.withMeta(next, in.toBuilder().addFinalizers(finalizer).build());
  }
}
