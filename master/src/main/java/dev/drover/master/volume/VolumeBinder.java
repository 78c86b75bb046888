package dev.drover.master.volume;

import com.google.protobuf.Message;
import dev.drover.api.ApiObjects;
import dev.drover.api.PersistentVolumes;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Node;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.ObjectReference;
import dev.drover.api.v1.PersistentVolume;
import dev.drover.api.v1.PersistentVolumeClaim;
import dev.drover.api.v1.PersistentVolumeClaimPhase;
import dev.drover.api.v1.PersistentVolumeClaimStatus;
import dev.drover.api.v1.PersistentVolumePhase;
import dev.drover.api.v1.PersistentVolumeReclaimPolicy;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.Volume;
import dev.drover.master.controller.Controller;
import dev.drover.master.controller.ControllerContext;
import dev.drover.master.controller.DeleteOptions;
import dev.drover.master.controller.Pods;
import dev.drover.master.controller.ResourceHandler;
import dev.drover.master.controller.WriteException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Binds PersistentVolumeClaims to PersistentVolumes and reclaims released volumes (Kubernetes' PV
 * controller, for a small cluster). A claim binds to the smallest free volume that {@link
 * PersistentVolumes#matches matches} it; a claim of the default "local" class waits for its first
 * consumer, as Kubernetes' WaitForFirstConsumer classes do: once a pod using it is bound to a node,
 * the claim binds to a matching volume reachable from that node or, when there is none, {@link
 * LocalProvisioner} makes one there. From then on the volume's node affinity keeps the claim's pods
 * on that node (the scheduler's volume filter). When a bound claim is deleted, its volume is
 * deleted (reclaim policy Delete) or kept as Released (Retain). A deleted provisioned volume stays
 * until its node's agent has removed the directory ({@link PersistentVolumes#CLEANUP_FINALIZER});
 * the binder lets it go at once when the policy is Retain or the node no longer exists.
 */
public final class VolumeBinder extends Controller {
  private static final String CLAIM = "pvc:";
  private static final String VOLUME = "pv:";

  /** Creates the binder and registers its handlers. */
  public VolumeBinder(ControllerContext context, int workers, Duration resync) {
    super("persistentvolume-binder", context, workers, resync);
    cache.addHandler(
        Kind.KIND_PERSISTENT_VOLUME_CLAIM, ResourceHandler.onAnyChange(this::enqueueClaim));
    cache.addHandler(Kind.KIND_PERSISTENT_VOLUME, ResourceHandler.onAnyChange(this::enqueueVolume));
    cache.addHandler(Kind.KIND_POD, ResourceHandler.onAnyChange(this::enqueueClaimsOf));
  }

  /** Creates the binder with one worker and a 30 s resync. */
  public VolumeBinder(ControllerContext context) {
    this(context, 1, Duration.ofSeconds(30));
  }

  private void enqueueClaim(Message claim) {
    queue.add(CLAIM + ApiObjects.key(claim));
  }

  private void enqueueVolume(Message volume) {
    PersistentVolume pv = (PersistentVolume) volume;
    queue.add(VOLUME + pv.getMetadata().getName());
    ObjectReference ref = pv.getSpec().getClaimRef();
    if (!ref.getName().isEmpty()) {
      queue.add(CLAIM + ApiObjects.key(ref.getNamespace(), ref.getName()));
      return;
    }
    // A free volume may be what a pending claim waits for: a claim synced before the volume
    // reached the cache would otherwise wait for the next resync.
    for (PersistentVolumeClaim claim :
        cache.<PersistentVolumeClaim>list(Kind.KIND_PERSISTENT_VOLUME_CLAIM, "", null)) {
      if (!PersistentVolumes.isBound(claim)
          && !claim.getMetadata().hasDeletionTime()
          && PersistentVolumes.matches(pv, claim)) {
        enqueueClaim(claim);
      }
    }
  }

  // Every pod, bound or not: a claim being deleted waits for the pods that use it to end.
  private void enqueueClaimsOf(Message object) {
    Pod pod = (Pod) object;
    for (Volume v : pod.getSpec().getVolumesList()) {
      if (v.hasPersistentVolumeClaim()) {
        queue.add(
            CLAIM
                + ApiObjects.key(
                    pod.getMetadata().getNamespace(), v.getPersistentVolumeClaim().getClaimName()));
      }
    }
  }

  @Override
  protected List<String> allKeys() {
    List<String> keys = new ArrayList<>();
    for (PersistentVolumeClaim c :
        cache.<PersistentVolumeClaim>list(Kind.KIND_PERSISTENT_VOLUME_CLAIM, "", null)) {
      keys.add(CLAIM + ApiObjects.key(c));
    }
    for (PersistentVolume v : cache.<PersistentVolume>list(Kind.KIND_PERSISTENT_VOLUME, "", null)) {
      keys.add(VOLUME + v.getMetadata().getName());
    }
    return keys;
  }

  @Override
  protected void sync(String key) {
    if (key.startsWith(CLAIM)) {
      String claimKey = key.substring(CLAIM.length());
      cache
          .<PersistentVolumeClaim>get(
              Kind.KIND_PERSISTENT_VOLUME_CLAIM,
              ApiObjects.namespaceOf(claimKey),
              ApiObjects.nameOf(claimKey))
          .ifPresent(this::syncClaim);
    } else if (key.startsWith(VOLUME)) {
      cache
          .<PersistentVolume>get(Kind.KIND_PERSISTENT_VOLUME, "", key.substring(VOLUME.length()))
          .ifPresent(this::syncVolume);
    }
  }

  private void syncClaim(PersistentVolumeClaim claim) {
    if (claim.getMetadata().hasDeletionTime()) {
      releaseProtection(claim);
      return;
    }
    if (PersistentVolumes.isBound(claim)) {
      Optional<PersistentVolume> volume =
          cache.get(Kind.KIND_PERSISTENT_VOLUME, "", claim.getSpec().getVolumeName());
      if (volume.isEmpty()) {
        claimStatus(claim, PersistentVolumeClaimPhase.PERSISTENT_VOLUME_CLAIM_PHASE_LOST, null);
        events.warning(
            claim,
            "ClaimLost",
            "Bound claim has lost its PersistentVolume. Data on the volume is lost!");
        return;
      }
      bind(volume.get(), claim);
      return;
    }
    String node = consumerNode(claim);
    Optional<PersistentVolume> best = bestMatch(claim, node);
    if (best.isPresent()) {
      if (node != null || !PersistentVolumes.provisionable(claim)) {
        bind(best.get(), claim);
      }
      return;
    }
    if (node != null && PersistentVolumes.provisionable(claim)) {
      PersistentVolume made = writer.create(LocalProvisioner.volumeFor(claim, node));
      events.normal(
          claim,
          "ProvisioningSucceeded",
          "Successfully provisioned volume " + made.getMetadata().getName() + " on node " + node);
      bind(made, claim);
      return;
    }
    claimStatus(claim, PersistentVolumeClaimPhase.PERSISTENT_VOLUME_CLAIM_PHASE_PENDING, null);
  }

  // Kubernetes' pvc-protection: a deleted claim goes once no pod that may still run uses it.
  private void releaseProtection(PersistentVolumeClaim claim) {
    List<String> finalizers = claim.getMetadata().getFinalizersList();
    if (!finalizers.contains(PersistentVolumes.PROTECTION_FINALIZER)) {
      return;
    }
    for (Pod pod : cache.<Pod>list(Kind.KIND_POD, claim.getMetadata().getNamespace(), null)) {
      if (!Pods.isFinished(pod)
          && PersistentVolumes.usesClaim(pod, claim.getMetadata().getName())) {
        return;
      }
    }
    ObjectMeta.Builder meta = claim.getMetadata().toBuilder().clearFinalizers();
    finalizers.stream()
        .filter(f -> !f.equals(PersistentVolumes.PROTECTION_FINALIZER))
        .forEach(meta::addFinalizers);
    try {
      writer.update(claim.toBuilder().setMetadata(meta).build());
    } catch (WriteException e) {
      if (!e.isGone()) {
        throw e;
      }
    }
  }

  /** The node of a pod using the claim that is already bound to one, or null. */
  private String consumerNode(PersistentVolumeClaim claim) {
    for (Pod pod : cache.<Pod>list(Kind.KIND_POD, claim.getMetadata().getNamespace(), null)) {
      if (pod.getSpec().getNodeName().isEmpty() || !Pods.isActive(pod)) {
        continue;
      }
      if (PersistentVolumes.usesClaim(pod, claim.getMetadata().getName())) {
        return pod.getSpec().getNodeName();
      }
    }
    return null;
  }

  // A volume reserved for the claim first, then the smallest that fits (on the node, if known).
  private Optional<PersistentVolume> bestMatch(PersistentVolumeClaim claim, String node) {
    Optional<Node> nodeObject =
        node == null ? Optional.empty() : cache.get(Kind.KIND_NODE, "", node);
    PersistentVolume best = null;
    for (PersistentVolume pv :
        cache.<PersistentVolume>list(Kind.KIND_PERSISTENT_VOLUME, "", null)) {
      if (!PersistentVolumes.matches(pv, claim)) {
        continue;
      }
      if (node != null
          && !PersistentVolumes.reachableFrom(
              pv,
              node,
              nodeObject.map(n -> n.getMetadata().getLabelsMap()).orElse(java.util.Map.of()))) {
        continue;
      }
      if (!pv.getSpec().getClaimRef().getName().isEmpty()) {
        return Optional.of(pv);
      }
      if (best == null
          || LocalProvisioner.capacity(pv).compareTo(LocalProvisioner.capacity(best)) < 0) {
        best = pv;
      }
    }
    return Optional.ofNullable(best);
  }

  // Volume first, then claim, as Kubernetes binds: a claim never names a volume not yet its own.
  private void bind(PersistentVolume pv, PersistentVolumeClaim claim) {
    ObjectReference ref =
        ObjectReference.newBuilder()
            .setKind(Kind.KIND_PERSISTENT_VOLUME_CLAIM)
            .setNamespace(claim.getMetadata().getNamespace())
            .setName(claim.getMetadata().getName())
            .setUid(claim.getMetadata().getUid())
            .build();
    if (!pv.getSpec().getClaimRef().equals(ref)) {
      ObjectReference current = pv.getSpec().getClaimRef();
      if (!current.getName().isEmpty()
          && !(current.getName().equals(ref.getName())
              && current.getNamespace().equals(ref.getNamespace()))) {
        return;
      }
      pv = writer.update(pv.toBuilder().setSpec(pv.getSpec().toBuilder().setClaimRef(ref)).build());
    }
    if (pv.getStatus().getPhase() != PersistentVolumePhase.PERSISTENT_VOLUME_PHASE_BOUND) {
      pv =
          writer.updateStatus(
              pv.toBuilder()
                  .setStatus(
                      pv.getStatus().toBuilder()
                          .setPhase(PersistentVolumePhase.PERSISTENT_VOLUME_PHASE_BOUND)
                          .clearReason()
                          .clearMessage())
                  .build());
    }
    if (!claim.getSpec().getVolumeName().equals(pv.getMetadata().getName())) {
      claim =
          writer.update(
              claim.toBuilder()
                  .setSpec(claim.getSpec().toBuilder().setVolumeName(pv.getMetadata().getName()))
                  .build());
    }
    claimStatus(claim, PersistentVolumeClaimPhase.PERSISTENT_VOLUME_CLAIM_PHASE_BOUND, pv);
  }

  private void claimStatus(
      PersistentVolumeClaim claim, PersistentVolumeClaimPhase phase, PersistentVolume pv) {
    PersistentVolumeClaimStatus.Builder status = claim.getStatus().toBuilder().setPhase(phase);
    if (pv != null) {
      status
          .clearAccessModes()
          .addAllAccessModes(pv.getSpec().getAccessModesList())
          .clearCapacity()
          .putAllCapacity(pv.getSpec().getCapacityMap());
    }
    if (!status.build().equals(claim.getStatus())) {
      writer.updateStatus(claim.toBuilder().setStatus(status).build());
    }
  }

  private void syncVolume(PersistentVolume pv) {
    if (pv.getMetadata().hasDeletionTime()) {
      finishDeletion(pv);
      return;
    }
    ObjectReference ref = pv.getSpec().getClaimRef();
    if (ref.getName().isEmpty()) {
      volumePhase(pv, PersistentVolumePhase.PERSISTENT_VOLUME_PHASE_AVAILABLE);
      return;
    }
    Optional<PersistentVolumeClaim> claim =
        cache.get(Kind.KIND_PERSISTENT_VOLUME_CLAIM, ref.getNamespace(), ref.getName());
    boolean claimed =
        claim.isPresent()
            && (ref.getUid().isEmpty() || ref.getUid().equals(claim.get().getMetadata().getUid()));
    if (claimed || ref.getUid().isEmpty()) {
      // Bound, or reserved by hand for a claim that may come later.
      volumePhase(
          pv,
          claimed
              ? PersistentVolumePhase.PERSISTENT_VOLUME_PHASE_BOUND
              : PersistentVolumePhase.PERSISTENT_VOLUME_PHASE_AVAILABLE);
      return;
    }
    if (pv.getSpec().getPersistentVolumeReclaimPolicy()
        == PersistentVolumeReclaimPolicy.PERSISTENT_VOLUME_RECLAIM_POLICY_DELETE) {
      try {
        writer.delete(
            Kind.KIND_PERSISTENT_VOLUME,
            "",
            pv.getMetadata().getName(),
            DeleteOptions.withUid(pv.getMetadata().getUid()));
        events.normal(pv, "VolumeDeleted", "Deleted volume released by claim " + ref.getName());
      } catch (WriteException e) {
        if (!e.isGone()) {
          throw e;
        }
      }
      return;
    }
    volumePhase(pv, PersistentVolumePhase.PERSISTENT_VOLUME_PHASE_RELEASED);
  }

  // A deleted provisioned volume waits for the agent of its node to remove its directory (the
  // node service hands it out), except when no agent has anything to do: Retain keeps the data,
  // and a node that no longer exists has no agent to ask.
  private void finishDeletion(PersistentVolume pv) {
    if (!pv.getMetadata().getFinalizersList().contains(PersistentVolumes.CLEANUP_FINALIZER)) {
      return;
    }
    boolean retain =
        pv.getSpec().getPersistentVolumeReclaimPolicy()
            != PersistentVolumeReclaimPolicy.PERSISTENT_VOLUME_RECLAIM_POLICY_DELETE;
    if (!retain && nodeOf(pv).isPresent()) {
      return;
    }
    ObjectMeta.Builder meta = pv.getMetadata().toBuilder().clearFinalizers();
    pv.getMetadata().getFinalizersList().stream()
        .filter(f -> !f.equals(PersistentVolumes.CLEANUP_FINALIZER))
        .forEach(meta::addFinalizers);
    try {
      writer.update(pv.toBuilder().setMetadata(meta).build());
    } catch (WriteException e) {
      if (!e.isGone()) {
        throw e;
      }
      return;
    }
    if (retain) {
      events.normal(
          pv, "VolumeRetained", "Kept the volume's data on its node (reclaim policy Retain)");
    } else {
      events.warning(
          pv,
          "VolumeCleanupSkipped",
          "The volume's node no longer exists; its data was not removed");
    }
  }

  private Optional<Node> nodeOf(PersistentVolume pv) {
    return cache.<Node>list(Kind.KIND_NODE, "", null).stream()
        .filter(
            n ->
                PersistentVolumes.reachableFrom(
                    pv, n.getMetadata().getName(), n.getMetadata().getLabelsMap()))
        .findFirst();
  }

  private void volumePhase(PersistentVolume pv, PersistentVolumePhase phase) {
    if (pv.getStatus().getPhase() != phase) {
      writer.updateStatus(
          pv.toBuilder().setStatus(pv.getStatus().toBuilder().setPhase(phase)).build());
    }
  }
}
