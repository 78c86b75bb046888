package dev.drover.master.controller.statefulset;

import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodManagementPolicyType;
import dev.drover.api.v1.PodPhase;
import dev.drover.api.v1.StatefulSet;
import dev.drover.api.v1.StatefulSetSpec;
import dev.drover.api.v1.StatefulSetUpdateStrategyType;
import dev.drover.master.controller.Pods;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalInt;
import java.util.TreeMap;

/**
 * What a StatefulSet does next, decided from the set and its pods alone (Kubernetes' stateful set
 * update logic, without side effects, so that tests state every case directly).
 *
 * <p>Ordinals {@code [0, replicas)} are wanted, higher ones are condemned. A missing wanted pod is
 * created; a finished one is deleted so that it is created again under the same name; condemned
 * pods are deleted highest ordinal first. With OrderedReady pod management everything happens one
 * pod at a time: a pod is created only when every lower ordinal is Running and ready, and nothing
 * is deleted while a pod is missing, terminating or not ready. With Parallel, all at once. Once
 * every wanted pod exists, is ready and nothing is condemned, a RollingUpdate replaces the
 * highest-ordinal pod of an old revision at or above the partition, one at a time.
 *
 * @param create ordinals whose pod (and missing claims) to create now
 * @param delete pods to delete now
 */
record StatefulSetPlan(List<Integer> create, List<Pod> delete) {

  /** The plan for {@code set} (defaulted) at {@code updateRevision} over its {@code pods}. */
  static StatefulSetPlan of(StatefulSet set, String updateRevision, List<Pod> pods) {
    StatefulSetSpec spec = set.getSpec();
    int replicas = spec.hasReplicas() ? spec.getReplicas() : 1;
    boolean ordered =
        spec.getPodManagementPolicy()
            != PodManagementPolicyType.POD_MANAGEMENT_POLICY_TYPE_PARALLEL;
    TreeMap<Integer, Pod> byOrdinal = new TreeMap<>();
    List<Pod> delete = new ArrayList<>();
    for (Pod pod : pods) {
      OptionalInt ordinal = StatefulIdentity.ordinalOf(set, pod);
      if (ordinal.isEmpty()) {
        // Not a name this set gives: not one of its stable identities.
        if (!pod.getMetadata().hasDeletionTime()) {
          delete.add(pod);
        }
        continue;
      }
      byOrdinal.put(ordinal.getAsInt(), pod);
    }
    List<Integer> create = new ArrayList<>();
    boolean settled = true;
    for (int i = 0; i < replicas; i++) {
      Pod pod = byOrdinal.get(i);
      boolean healthy = false;
      if (pod == null) {
        create.add(i);
      } else if (pod.getMetadata().hasDeletionTime()) {
        // The same name comes back only once the old pod is gone.
      } else if (Pods.isFinished(pod)) {
        delete.add(pod);
      } else {
        healthy = isRunningAndReady(pod);
      }
      if (!healthy) {
        settled = false;
        if (ordered) {
          break;
        }
      }
    }
    List<Pod> condemned =
        byOrdinal.tailMap(replicas).values().stream()
            .sorted(Comparator.comparingInt((Pod p) -> ordinalOf(set, p)).reversed())
            .toList();
    if (!ordered || settled) {
      for (Pod pod : condemned) {
        if (pod.getMetadata().hasDeletionTime()) {
          if (ordered) {
            break;
          }
          continue;
        }
        delete.add(pod);
        if (ordered) {
          break;
        }
      }
    }
    if (settled && condemned.isEmpty() && delete.isEmpty() && rolling(spec)) {
      int partition = Math.max(0, spec.getUpdateStrategy().getRollingUpdate().getPartition());
      for (int i = replicas - 1; i >= partition; i--) {
        Pod pod = byOrdinal.get(i);
        if (!StatefulIdentity.revisionOf(pod).equals(updateRevision)) {
          delete.add(pod);
          break;
        }
      }
    }
    return new StatefulSetPlan(List.copyOf(create), List.copyOf(delete));
  }

  private static boolean rolling(StatefulSetSpec spec) {
    return spec.getUpdateStrategy().getType()
        != StatefulSetUpdateStrategyType.STATEFUL_SET_UPDATE_STRATEGY_TYPE_ON_DELETE;
  }

  private static int ordinalOf(StatefulSet set, Pod pod) {
    return StatefulIdentity.ordinalOf(set, pod).orElse(-1);
  }

  /** True for a pod that is Running, ready and not terminating. */
  static boolean isRunningAndReady(Pod pod) {
    return pod.getStatus().getPhase() == PodPhase.POD_PHASE_RUNNING
        && Pods.isReady(pod)
        && !pod.getMetadata().hasDeletionTime();
  }
}
