package dev.drover.master.disruption;

import dev.drover.api.ApiObjects;
import dev.drover.api.Conditions;
import dev.drover.api.v1.Deployment;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.OwnerReference;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.ReplicaSet;
import dev.drover.api.v1.RollingUpdateDeployment;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Decides which pods of a node a drain may evict now without taking a Deployment below its minimum
 * availability ({@code replicas - max_unavailable}, counted over all its pods). The caller (the
 * NodeAction DRAIN verb) evicts {@link Plan#evictNow()}, leaves DaemonSet pods alone (or refuses
 * the drain when it may not ignore them) and tries the rest again once replacements are available.
 * A Deployment whose max_unavailable resolves to 0 may still lose one pod at a time, so that a
 * drain always completes. Pods not owned through a Deployment are evicted at once: Drover has no
 * disruption budgets for them.
 */
public final class DrainPlanner {
  private DrainPlanner() {}

  /**
   * The outcome of planning a drain.
   *
   * @param evictNow pods to evict now
   * @param waiting pods whose eviction would take their Deployment below its minimum
   * @param daemonSetPods pods owned by a DaemonSet (they would be recreated on the node)
   */
  public record Plan(List<Pod> evictNow, List<Pod> waiting, List<Pod> daemonSetPods) {}

  /** Plans the eviction of the active pods bound to the node. */
  public static Plan plan(ClusterReads cache, String nodeName, Instant now) {
    List<Pod> evict = new ArrayList<>();
    List<Pod> waiting = new ArrayList<>();
    List<Pod> daemons = new ArrayList<>();
    Map<String, Integer> budgets = new HashMap<>();
    for (Pod pod : cache.<Pod>list(Kind.KIND_POD, "")) {
      if (!nodeName.equals(pod.getSpec().getNodeName()) || !PodAvailability.isActive(pod)) {
        continue;
      }
      Optional<OwnerReference> owner = ApiObjects.controllerOf(pod.getMetadata());
      if (owner.isPresent() && owner.get().getKind() == Kind.KIND_DAEMON_SET) {
        daemons.add(pod);
        continue;
      }
      Optional<Deployment> deployment = owningDeployment(cache, pod);
      if (deployment.isEmpty() || !Conditions.isReady(pod)) {
        // Unready pods cost no availability.
        evict.add(pod);
        continue;
      }
      String key = ApiObjects.key(deployment.get());
      int budget = budgets.computeIfAbsent(key, k -> budget(cache, deployment.get(), now));
      if (budget > 0) {
        evict.add(pod);
        budgets.put(key, budget - 1);
      } else {
        waiting.add(pod);
      }
    }
    return new Plan(evict, waiting, daemons);
  }

  private static Optional<Deployment> owningDeployment(ClusterReads cache, Pod pod) {
    String namespace = pod.getMetadata().getNamespace();
    return ApiObjects.controllerOf(pod.getMetadata())
        .filter(ref -> ref.getKind() == Kind.KIND_REPLICA_SET)
        .flatMap(ref -> cache.<ReplicaSet>get(Kind.KIND_REPLICA_SET, namespace, ref.getName()))
        .flatMap(rs -> ApiObjects.controllerOf(rs.getMetadata()))
        .filter(ref -> ref.getKind() == Kind.KIND_DEPLOYMENT)
        .flatMap(ref -> cache.<Deployment>get(Kind.KIND_DEPLOYMENT, namespace, ref.getName()));
  }

  // Available pods of the deployment above its minimum (at least one may always go).
  private static int budget(ClusterReads cache, Deployment d, Instant now) {
    int replicas = d.getSpec().hasReplicas() ? d.getSpec().getReplicas() : 1;
    RollingUpdateDeployment ru = d.getSpec().getStrategy().getRollingUpdate();
    int maxUnavailable =
        ru.hasMaxUnavailable()
            ? PodAvailability.scaledValue(ru.getMaxUnavailable(), replicas, false, 0)
            : replicas / 4;
    String namespace = d.getMetadata().getNamespace();
    List<String> sets =
        cache.<ReplicaSet>list(Kind.KIND_REPLICA_SET, namespace).stream()
            .filter(rs -> ApiObjects.isControlledBy(rs.getMetadata(), d.getMetadata().getUid()))
            .map(rs -> rs.getMetadata().getUid())
            .toList();
    int available = 0;
    for (Pod pod : cache.<Pod>list(Kind.KIND_POD, namespace)) {
      boolean owned =
          ApiObjects.controllerOf(pod.getMetadata())
              .map(ref -> sets.contains(ref.getUid()))
              .orElse(false);
      if (owned
          && PodAvailability.isActive(pod)
          && PodAvailability.isAvailable(pod, d.getSpec().getMinReadySeconds(), now)) {
        available++;
      }
    }
    return Math.max(available - (replicas - Math.max(1, maxUnavailable)), 0);
  }
}
