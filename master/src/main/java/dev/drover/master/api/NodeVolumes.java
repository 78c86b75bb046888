package dev.drover.master.api;

import dev.drover.api.PersistentVolumes;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.ObjectReference;
import dev.drover.api.v1.PersistentVolume;
import dev.drover.api.v1.PersistentVolumeReclaimPolicy;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodPhase;
import dev.drover.master.cache.WatchCache;
import dev.drover.master.registry.NotFoundException;
import dev.drover.master.registry.Registry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a node's agent learns and reports about the provisioned volumes on it: which deleted ones it
 * is to remove from its disk, and that it did. A volume is handed out once it is being deleted with
 * reclaim policy Delete, still holds {@link PersistentVolumes#CLEANUP_FINALIZER}, lives on the node
 * (its node affinity) and no pod that may still run uses its claim; the confirmation drops the
 * finalizer, which removes the object.
 */
final class NodeVolumes {
  private final Registry store;
  private final WatchCache cache;

  NodeVolumes(Registry store, WatchCache cache) {
    this.store = store;
    this.cache = cache;
  }

  /** The volumes whose directories {@code node} is to remove now. */
  List<PersistentVolume> toReclaim(String node) {
    Map<String, String> labels =
        cache
            .get(Kind.KIND_NODE, "", node)
            .map(o -> o.getNode().getMetadata().getLabelsMap())
            .orElse(Map.of());
    List<PersistentVolume> out = new ArrayList<>();
    for (Object o : cache.list(Kind.KIND_PERSISTENT_VOLUME, any -> true)) {
      PersistentVolume pv = o.getPersistentVolume();
      if (awaitsCleanup(pv)
          && PersistentVolumes.reachableFrom(pv, node, labels)
          && !inUse(pv.getSpec().getClaimRef())) {
        out.add(pv);
      }
    }
    return out;
  }

  /**
   * Releases volume {@code name} (of {@code uid}) after {@code node} removed its directory; true
   * when the object was removed. A volume changed meanwhile is a conflict: the agent asks again.
   */
  boolean confirmReclaimed(String node, String name, String uid) {
    Object current;
    try {
      current = store.require(Kind.KIND_PERSISTENT_VOLUME, "", name);
    } catch (NotFoundException e) {
      return false;
    }
    PersistentVolume pv = current.getPersistentVolume();
    if (!pv.getMetadata().getUid().equals(uid) || !awaitsCleanup(pv)) {
      return false;
    }
    Map<String, String> labels =
        cache
            .get(Kind.KIND_NODE, "", node)
            .map(o -> o.getNode().getMetadata().getLabelsMap())
            .orElse(Map.of());
    if (!PersistentVolumes.reachableFrom(pv, node, labels)) {
      throw ApiErrors.invalid("name", "volume " + name + " does not live on node " + node);
    }
    ObjectMeta.Builder meta = pv.getMetadata().toBuilder().clearFinalizers();
    pv.getMetadata().getFinalizersList().stream()
        .filter(f -> !f.equals(PersistentVolumes.CLEANUP_FINALIZER))
        .forEach(meta::addFinalizers);
    store.mutate(
        Kind.KIND_PERSISTENT_VOLUME,
        "",
        name,
        pv.getMetadata().getResourceVersion(),
        cur -> cur.toBuilder().setPersistentVolume(pv.toBuilder().setMetadata(meta)).build());
    // With no other finalizer left, dropping this one removed the object.
    return meta.getFinalizersCount() == 0;
  }

  private static boolean awaitsCleanup(PersistentVolume pv) {
    return pv.getMetadata().hasDeletionTime()
        && pv.getMetadata().getFinalizersList().contains(PersistentVolumes.CLEANUP_FINALIZER)
        && pv.getSpec().hasProvisioned()
        && pv.getSpec().getPersistentVolumeReclaimPolicy()
            == PersistentVolumeReclaimPolicy.PERSISTENT_VOLUME_RECLAIM_POLICY_DELETE;
  }

  // A pod that has not ended may still have the directory mounted, wherever it is in its life.
  private boolean inUse(ObjectReference claim) {
    if (claim.getName().isEmpty()) {
      return false;
    }
    for (Object o :
        cache.list(
            Kind.KIND_POD,
            p -> p.getPod().getMetadata().getNamespace().equals(claim.getNamespace()))) {
      Pod pod = o.getPod();
      PodPhase phase = pod.getStatus().getPhase();
      if (phase == PodPhase.POD_PHASE_SUCCEEDED || phase == PodPhase.POD_PHASE_FAILED) {
        continue;
      }
      if (PersistentVolumes.usesClaim(pod, claim.getName())) {
        return true;
      }
    }
    return false;
  }
}
