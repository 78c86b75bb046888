package dev.drover.api;

import dev.drover.api.v1.Affinity;
import dev.drover.api.v1.NodeSelector;
import dev.drover.api.v1.NodeSelectorOperator;
import dev.drover.api.v1.NodeSelectorRequirement;
import dev.drover.api.v1.NodeSelectorTerm;
import dev.drover.api.v1.PersistentVolume;
import dev.drover.api.v1.PersistentVolumeClaim;
import dev.drover.api.v1.PersistentVolumePhase;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodSpec;
import dev.drover.api.v1.Volume;
import dev.drover.api.v1.VolumeNodeAffinity;
import java.util.Map;

/**
 * The one matching of claims and volumes, shared by the volume binder (which volume a claim binds
 * to) and the scheduler (on which nodes a pod's claims can be used): storage class, access modes,
 * size, label selector, a volume reserved for a claim, and the nodes a volume is reachable from.
 */
public final class PersistentVolumes {
  /** The storage class a claim without one gets: provisioned on the node of its first pod. */
  public static final String DEFAULT_STORAGE_CLASS = "local";

  /**
   * Finalizer of a provisioned volume whose data its node removes (Kubernetes' external provisioner
   * finalizer): the PersistentVolume object stays, Terminating, until the agent of its node has
   * removed the volume's directory (reclaim policy Delete), or goes at once (Retain: the directory
   * is kept).
   */
  public static final String CLEANUP_FINALIZER = "drover.dev/provisioned-volume-cleanup";

  /**
   * Finalizer of every claim (Kubernetes' pvc-protection): a claim being deleted stays,
   * Terminating, while a pod that has not ended uses it, so that no volume is released under a
   * running pod.
   */
  public static final String PROTECTION_FINALIZER = "kubernetes.io/pvc-protection";

  /** Key of a claim's requested size and of a volume's capacity. */
  public static final String STORAGE = "storage";

  private PersistentVolumes() {}

  /** The class a claim asks for (the default class when unset). */
  public static String storageClass(PersistentVolumeClaim claim) {
    return claim.getSpec().hasStorageClassName()
        ? claim.getSpec().getStorageClassName()
        : DEFAULT_STORAGE_CLASS;
  }

  /** True when a volume for the claim is made on demand rather than found among the volumes. */
  public static boolean provisionable(PersistentVolumeClaim claim) {
    return DEFAULT_STORAGE_CLASS.equals(storageClass(claim));
  }

  /** True when the claim has a volume bound. */
  public static boolean isBound(PersistentVolumeClaim claim) {
    return !claim.getSpec().getVolumeName().isEmpty();
  }

  /**
   * True when {@code volume} may bind to {@code claim}: free (or reserved for this claim), of the
   * claim's class, offering every access mode asked for, at least as large, and labelled as the
   * claim's selector wants.
   */
  public static boolean matches(PersistentVolume volume, PersistentVolumeClaim claim) {
    if (volume.getMetadata().hasDeletionTime()) {
      return false;
    }
    var ref = volume.getSpec().getClaimRef();
    boolean reserved =
        ref.getName().equals(claim.getMetadata().getName())
            && ref.getNamespace().equals(claim.getMetadata().getNamespace())
            && (ref.getUid().isEmpty() || ref.getUid().equals(claim.getMetadata().getUid()));
    if (!ref.getName().isEmpty() && !reserved) {
      return false;
    }
    PersistentVolumePhase phase = volume.getStatus().getPhase();
    if (!reserved
        && phase != PersistentVolumePhase.PERSISTENT_VOLUME_PHASE_AVAILABLE
        && phase != PersistentVolumePhase.PERSISTENT_VOLUME_PHASE_UNSPECIFIED) {
      return false;
    }
    if (!claim.getSpec().getVolumeName().isEmpty()
        && !claim.getSpec().getVolumeName().equals(volume.getMetadata().getName())) {
      return false;
    }
    if (!volume.getSpec().getStorageClassName().equals(storageClass(claim))) {
      return false;
    }
    if (!volume.getSpec().getAccessModesList().containsAll(claim.getSpec().getAccessModesList())) {
      return false;
    }
    if (claim.getSpec().hasSelector()
        && !LabelSelectors.fromProto(claim.getSpec().getSelector())
            .matches(volume.getMetadata().getLabelsMap())) {
      return false;
    }
    return size(volume.getSpec().getCapacityMap()).compareTo(requested(claim)) >= 0;
  }

  /** The size a claim asks for (zero when it names none). */
  public static Quantity requested(PersistentVolumeClaim claim) {
    return size(claim.getSpec().getResources().getRequestsMap());
  }

  private static Quantity size(Map<String, String> amounts) {
    Quantity q = Quantity.parseOrNull(amounts.getOrDefault(STORAGE, "0"));
    return q == null ? Quantity.ZERO : q;
  }

  /**
   * True when pods on the node with this name and labels can use {@code volume}: it has no node
   * affinity, or the node matches it. An affinity that cannot be interpreted matches no node.
   */
  public static boolean reachableFrom(
      PersistentVolume volume, String nodeName, Map<String, String> labels) {
    if (!volume.getSpec().hasNodeAffinity()) {
      return true;
    }
    PodSpec asPod =
        PodSpec.newBuilder()
            .setAffinity(
                Affinity.newBuilder()
                    .setNodeAffinity(
                        dev.drover.api.v1.NodeAffinity.newBuilder()
                            .setRequiredDuringSchedulingIgnoredDuringExecution(
                                volume.getSpec().getNodeAffinity().getRequired())))
            .build();
    try {
      return NodeAffinity.compile(asPod).matches(nodeName, labels);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** True when {@code pod} mounts the claim named {@code claimName} (of the pod's namespace). */
  public static boolean usesClaim(Pod pod, String claimName) {
    for (Volume v : pod.getSpec().getVolumesList()) {
      if (v.hasPersistentVolumeClaim()
          && v.getPersistentVolumeClaim().getClaimName().equals(claimName)) {
        return true;
      }
    }
    return false;
  }

  /** The node affinity of a volume that lives on one node, matched by the node's name. */
  public static VolumeNodeAffinity onNode(String nodeName) {
    return VolumeNodeAffinity.newBuilder()
        .setRequired(
            NodeSelector.newBuilder()
                .addNodeSelectorTerms(
                    NodeSelectorTerm.newBuilder()
                        .addMatchFields(
                            NodeSelectorRequirement.newBuilder()
                                .setKey("metadata.name")
                                .setOperator(NodeSelectorOperator.NODE_SELECTOR_OPERATOR_IN)
                                .addValues(nodeName))))
        .build();
  }
}
