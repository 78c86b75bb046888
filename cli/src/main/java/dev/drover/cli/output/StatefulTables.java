package dev.drover.cli.output;

import dev.drover.api.KubeEnums;
import dev.drover.api.PersistentVolumes;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectReference;
import dev.drover.api.v1.PersistentVolume;
import dev.drover.api.v1.PersistentVolumeAccessMode;
import dev.drover.api.v1.PersistentVolumeClaim;
import dev.drover.api.v1.StatefulSet;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The table columns of StatefulSets, PersistentVolumes and PersistentVolumeClaims, as kubectl
 * prints them ({@code get sts}, {@code get pv,pvc}); {@link ObjectTables} adds the namespace, the
 * wide columns of the pod template and the age.
 */
final class StatefulTables {
  private StatefulTables() {}

  /** The headers between NAME and AGE of a stateful kind. */
  static List<String> headers(Kind kind) {
    return switch (kind) {
      case KIND_STATEFUL_SET -> List.of("READY");
      case KIND_PERSISTENT_VOLUME ->
          List.of("CAPACITY", "ACCESS MODES", "RECLAIM POLICY", "STATUS", "CLAIM", "STORAGECLASS");
      case KIND_PERSISTENT_VOLUME_CLAIM ->
          List.of("STATUS", "VOLUME", "CAPACITY", "ACCESS MODES", "STORAGECLASS");
      default -> List.of();
    };
  }

  /** The cells between NAME and AGE of a stateful object. */
  static List<String> cells(Object object) {
    switch (object.getKindCase()) {
      case STATEFUL_SET -> {
        StatefulSet set = object.getStatefulSet();
        int desired = set.getSpec().hasReplicas() ? set.getSpec().getReplicas() : 1;
        return List.of(set.getStatus().getReadyReplicas() + "/" + desired);
      }
      case PERSISTENT_VOLUME -> {
        PersistentVolume pv = object.getPersistentVolume();
        ObjectReference claim = pv.getSpec().getClaimRef();
        return List.of(
            pv.getSpec().getCapacityMap().getOrDefault(PersistentVolumes.STORAGE, ""),
            modes(pv.getSpec().getAccessModesList()),
            KubeEnums.text(pv.getSpec().getPersistentVolumeReclaimPolicy()),
            orPending(KubeEnums.text(pv.getStatus().getPhase())),
            claim.getName().isEmpty() ? "" : claim.getNamespace() + "/" + claim.getName(),
            pv.getSpec().getStorageClassName());
      }
      case PERSISTENT_VOLUME_CLAIM -> {
        PersistentVolumeClaim claim = object.getPersistentVolumeClaim();
        return List.of(
            orPending(KubeEnums.text(claim.getStatus().getPhase())),
            claim.getSpec().getVolumeName(),
            claim.getStatus().getCapacityMap().getOrDefault(PersistentVolumes.STORAGE, ""),
            modes(claim.getStatus().getAccessModesList()),
            claim.getSpec().getStorageClassName());
      }
      default -> {
        return List.of();
      }
    }
  }

  private static String orPending(String phase) {
    return phase.isEmpty() ? "Pending" : phase;
  }

  /** Access modes as kubectl abbreviates them: RWO, ROX, RWX, RWOP. */
  static String modes(List<PersistentVolumeAccessMode> modes) {
    return modes.stream()
        .map(
            m ->
                switch (m) {
                  case PERSISTENT_VOLUME_ACCESS_MODE_READ_WRITE_ONCE -> "RWO";
                  case PERSISTENT_VOLUME_ACCESS_MODE_READ_ONLY_MANY -> "ROX";
                  case PERSISTENT_VOLUME_ACCESS_MODE_READ_WRITE_MANY -> "RWX";
                  case PERSISTENT_VOLUME_ACCESS_MODE_READ_WRITE_ONCE_POD -> "RWOP";
                  default -> "";
                })
        .collect(Collectors.joining(","));
  }
}
