package dev.drover.master.scheduler.plugins;

import dev.drover.api.PersistentVolumes;
import dev.drover.api.v1.PersistentVolume;
import dev.drover.api.v1.PersistentVolumeClaim;
import dev.drover.api.v1.Volume;
import dev.drover.master.scheduler.framework.CycleState;
import dev.drover.master.scheduler.framework.FilterPlugin;
import dev.drover.master.scheduler.framework.NodeInfo;
import dev.drover.master.scheduler.framework.PodInfo;
import dev.drover.master.scheduler.framework.StateKey;
import dev.drover.master.scheduler.framework.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Keeps pods where their PersistentVolumeClaims can be used (kube-scheduler's VolumeBinding filter,
 * in its "wait for first consumer" form): a bound claim's volume must be reachable from the node
 * (its node affinity: a provisioned volume lives on one node, so the pod returns there); an unbound
 * claim of the provisioning class fits any node (the binder provisions on the node chosen); an
 * unbound claim of another class needs a free matching volume reachable from the node. A missing
 * claim fits no node.
 */
public final class VolumeBindingFilter implements FilterPlugin {

  /** Reason when a claim does not exist. */
  public static final String MISSING = "persistentvolumeclaim not found";

  /** Reason when a bound volume is not reachable from the node. */
  public static final String CONFLICT = "node(s) had volume node affinity conflict";

  /** Reason when no free volume matches an unbound claim on the node. */
  public static final String NO_VOLUME = "node(s) didn't find available persistent volumes to bind";

  /** Where the filter reads claims and volumes (the scheduler's watch cache). */
  public interface Volumes {
    /** The claim {@code namespace/name}, if it exists. */
    Optional<PersistentVolumeClaim> claim(String namespace, String name);

    /** The volume named {@code name}, if it exists. */
    Optional<PersistentVolume> volume(String name);

    /** Every volume. */
    List<PersistentVolume> volumes();
  }

  // One need per claim of the pod: the volumes of which at least one must be reachable.
  private record Need(String reason, List<PersistentVolume> anyOf) {}

  private static final StateKey<List<Need>> NEEDS = StateKey.create("VolumeBindingFilter");

  private final Volumes volumes;

  public VolumeBindingFilter(Volumes volumes) {
    this.volumes = volumes;
  }

  @Override
  public String name() {
    return "VolumeBinding";
  }

  @Override
  public boolean preFilter(CycleState state) {
    List<Need> needs = new ArrayList<>();
    for (Volume v : state.pod().pod.getSpec().getVolumesList()) {
      if (!v.hasPersistentVolumeClaim()) {
        continue;
      }
      Optional<PersistentVolumeClaim> claim =
          volumes.claim(state.pod().namespace, v.getPersistentVolumeClaim().getClaimName());
      if (claim.isEmpty() || claim.get().getMetadata().hasDeletionTime()) {
        needs.add(new Need(MISSING, List.of()));
      } else if (PersistentVolumes.isBound(claim.get())) {
        needs.add(
            new Need(
                CONFLICT, volumes.volume(claim.get().getSpec().getVolumeName()).stream().toList()));
      } else if (!PersistentVolumes.provisionable(claim.get())) {
        needs.add(
            new Need(
                NO_VOLUME,
                volumes.volumes().stream()
                    .filter(pv -> PersistentVolumes.matches(pv, claim.get()))
                    .toList()));
      }
    }
    if (needs.isEmpty()) {
      return false;
    }
    state.write(NEEDS, needs);
    return true;
  }

  @Override
  public Status filter(PodInfo pod, NodeInfo node, CycleState state) {
    for (Need need : state.read(NEEDS)) {
      boolean reachable = false;
      for (PersistentVolume pv : need.anyOf()) {
        if (PersistentVolumes.reachableFrom(pv, node.name(), node.labels())) {
          reachable = true;
          break;
        }
      }
      if (!reachable) {
        return state.fail(Status.UNSCHEDULABLE_AND_UNRESOLVABLE, need.reason());
      }
    }
    return Status.SUCCESS;
  }
}
