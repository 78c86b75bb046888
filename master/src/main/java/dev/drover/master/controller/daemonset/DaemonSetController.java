package dev.drover.master.controller.daemonset;

import com.google.protobuf.Message;
import dev.drover.api.ApiObjects;
import dev.drover.api.NodeAffinity;
import dev.drover.api.Tolerations;
import dev.drover.api.WellKnown;
import dev.drover.api.v1.DaemonSet;
import dev.drover.api.v1.DaemonSetStatus;
import dev.drover.api.v1.DaemonSetUpdateStrategyType;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Node;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodSpec;
import dev.drover.api.v1.RollingUpdateDaemonSet;
import dev.drover.api.v1.TaintEffect;
import dev.drover.api.v1.Toleration;
import dev.drover.api.v1.TolerationOperator;
import dev.drover.master.controller.Controller;
import dev.drover.master.controller.ControllerContext;
import dev.drover.master.controller.Expectations;
import dev.drover.master.controller.Pods;
import dev.drover.master.controller.ResourceHandler;
import dev.drover.master.controller.TemplateHashing;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Runs one pod of each DaemonSet on every eligible node: a node is eligible when it matches the
 * template's node selector and required node affinity and every NoSchedule/NoExecute taint is
 * tolerated. Unschedulable (cordoned) nodes still get daemon pods, as in Kubernetes.
 *
 * <p>Daemon pods are created with {@code spec.node_name} already set, so they bypass the scheduler:
 * the controller has decided the node, and a daemon pod must land there even when the node is
 * cordoned or full. Every daemon pod also tolerates the node lifecycle taints (not-ready,
 * unreachable: NoExecute) and the unschedulable taint, so that it is not evicted from a node that
 * is briefly unreachable. Pods are removed from nodes that stop being eligible or disappear; failed
 * pods are replaced. A template change rolls node by node, at most {@code max_unavailable} nodes
 * (default 1) without an available pod at a time.
 */
public final class DaemonSetController extends Controller {
  /** Pod label with the hash of the DaemonSet template the pod was made from. */
  public static final String TEMPLATE_HASH_LABEL = "controller-revision-hash";

  /** Taint key Kubernetes uses for cordoned nodes. */
  public static final String UNSCHEDULABLE_TAINT = "node.kubernetes.io/unschedulable";

  private static final List<Toleration> DAEMON_TOLERATIONS =
      List.of(
          Toleration.newBuilder()
              .setKey(WellKnown.NOT_READY_TAINT)
              .setOperator(TolerationOperator.TOLERATION_OPERATOR_EXISTS)
              .setEffect(TaintEffect.TAINT_EFFECT_NO_EXECUTE)
              .build(),
          Toleration.newBuilder()
              .setKey(WellKnown.UNREACHABLE_TAINT)
              .setOperator(TolerationOperator.TOLERATION_OPERATOR_EXISTS)
              .setEffect(TaintEffect.TAINT_EFFECT_NO_EXECUTE)
              .build(),
          Toleration.newBuilder()
              .setKey(UNSCHEDULABLE_TAINT)
              .setOperator(TolerationOperator.TOLERATION_OPERATOR_EXISTS)
              .setEffect(TaintEffect.TAINT_EFFECT_NO_SCHEDULE)
              .build());

  private final Expectations expectations;

  /** Creates the controller and registers its handlers. */
  public DaemonSetController(ControllerContext context, int workers, Duration resync) {
    super("daemonset-controller", context, workers, resync);
    this.expectations = new Expectations(clock);
    cache.addHandler(
        Kind.KIND_DAEMON_SET, primaryHandler(ds -> expectations.forget(ApiObjects.key(ds))));
    cache.addHandler(
        Kind.KIND_NODE,
        new ResourceHandler() {
          @Override
          public void onAdd(Message object) {
            resyncAll();
          }

          @Override
          public void onUpdate(Message oldObject, Message newObject) {
            Node before = (Node) oldObject;
            Node after = (Node) newObject;
            if (!before.getMetadata().getLabelsMap().equals(after.getMetadata().getLabelsMap())
                || !before.getSpec().getTaintsList().equals(after.getSpec().getTaintsList())) {
              resyncAll();
            }
          }

          @Override
          public void onDelete(Message lastState) {
            resyncAll();
          }
        });
    cache.addHandler(Kind.KIND_POD, ownedPodHandler(Kind.KIND_DAEMON_SET, expectations, p -> {}));
  }

  /** Creates the controller with two workers and a 30 s resync. */
  public DaemonSetController(ControllerContext context) {
    this(context, 2, Duration.ofSeconds(30));
  }

  @Override
  protected List<String> allKeys() {
    return cache.<DaemonSet>list(Kind.KIND_DAEMON_SET, "", null).stream()
        .map(ApiObjects::key)
        .toList();
  }

  /** True when the DaemonSet's pod belongs on the node. */
  static boolean eligible(DaemonSet ds, Node node) {
    PodSpec spec = ds.getSpec().getTemplate().getSpec();
    List<Toleration> tolerations = new ArrayList<>(spec.getTolerationsList());
    tolerations.addAll(DAEMON_TOLERATIONS);
    return NodeAffinity.matchesNode(spec, node)
        && Tolerations.toleratesScheduling(tolerations, node.getSpec().getTaintsList());
  }

  @Override
  protected void sync(String key) {
    Optional<DaemonSet> found =
        cache.get(Kind.KIND_DAEMON_SET, ApiObjects.namespaceOf(key), ApiObjects.nameOf(key));
    if (found.isEmpty()) {
      expectations.forget(key);
      return;
    }
    DaemonSet ds = found.get();
    // Read the expectations before listing the pods: a creation observed between the two would
    // count as seen while the list still lacks the pod, and the pod would be created twice.
    boolean satisfied = expectations.satisfied(key);
    String hash = TemplateHashing.templateHash(ds.getSpec().getTemplate(), 0);
    List<Node> nodes = cache.list(Kind.KIND_NODE, "", null);
    Map<String, List<Pod>> byNode = new HashMap<>();
    List<Pod> failed = new ArrayList<>();
    for (Pod pod : cache.<Pod>list(Kind.KIND_POD, ds.getMetadata().getNamespace(), null)) {
      if (!ApiObjects.isControlledBy(pod.getMetadata(), ds.getMetadata().getUid())
          || pod.getMetadata().hasDeletionTime()) {
        continue;
      }
      if (Pods.isFinished(pod)) {
        failed.add(pod);
      } else {
        byNode.computeIfAbsent(pod.getSpec().getNodeName(), n -> new ArrayList<>()).add(pod);
      }
    }
    Set<String> eligibleNodes = new HashSet<>();
    for (Node node : nodes) {
      if (eligible(ds, node)) {
        eligibleNodes.add(node.getMetadata().getName());
      }
    }
    if (satisfied && !ds.getMetadata().hasDeletionTime()) {
      manage(key, ds, hash, nodes, eligibleNodes, byNode, failed);
    }
    writeStatus(key, ds, hash, eligibleNodes, byNode);
  }

  private void manage(
      String key,
      DaemonSet ds,
      String hash,
      List<Node> nodes,
      Set<String> eligibleNodes,
      Map<String, List<Pod>> byNode,
      List<Pod> failed) {
    List<String> createOn = new ArrayList<>();
    List<Pod> delete = new ArrayList<>(failed);
    for (Node node : nodes) {
      String name = node.getMetadata().getName();
      List<Pod> pods = byNode.getOrDefault(name, List.of());
      if (eligibleNodes.contains(name)) {
        if (pods.isEmpty()) {
          createOn.add(name);
        } else if (pods.size() > 1) {
          // Keep the best pod: current template, available, oldest.
          List<Pod> ranked = new ArrayList<>(pods);
          ranked.sort(keepOrder(ds, hash));
          delete.addAll(ranked.subList(1, ranked.size()));
        }
      } else {
        delete.addAll(pods);
      }
    }
    Set<String> nodeNames = new HashSet<>();
    nodes.forEach(n -> nodeNames.add(n.getMetadata().getName()));
    byNode.forEach(
        (node, pods) -> {
          if (!nodeNames.contains(node)) {
            delete.addAll(pods);
          }
        });
    if (createOn.isEmpty() && delete.isEmpty()) {
      delete.addAll(rollingUpdateVictims(ds, hash, eligibleNodes, byNode));
    }
    createPods(key, ds, expectations, createOn.stream().map(n -> podFor(ds, hash, n)).toList());
    deletePods(key, ds, expectations, delete);
  }

  private Comparator<Pod> keepOrder(DaemonSet ds, String hash) {
    Instant now = clock.instant();
    int minReady = ds.getSpec().getMinReadySeconds();
    return Comparator.<Pod>comparingInt(
            p -> hash.equals(p.getMetadata().getLabelsMap().get(TEMPLATE_HASH_LABEL)) ? 0 : 1)
        .thenComparingInt(p -> Pods.isAvailable(p, minReady, now) ? 0 : 1)
        .thenComparing(p -> ApiObjects.instant(p.getMetadata().getCreationTime()));
  }

  // Old-template pods to replace now: unavailable ones at once, available ones while fewer than
  // max_unavailable eligible nodes lack an available pod.
  private List<Pod> rollingUpdateVictims(
      DaemonSet ds, String hash, Set<String> eligibleNodes, Map<String, List<Pod>> byNode) {
    if (ds.getSpec().getUpdateStrategy().getType()
        == DaemonSetUpdateStrategyType.DAEMON_SET_UPDATE_STRATEGY_TYPE_ON_DELETE) {
      return List.of();
    }
    Instant now = clock.instant();
    int minReady = ds.getSpec().getMinReadySeconds();
    RollingUpdateDaemonSet ru = ds.getSpec().getUpdateStrategy().getRollingUpdate();
    int maxUnavailable =
        Math.max(1, Pods.scaledValue(ru.getMaxUnavailable(), eligibleNodes.size(), true, 1));
    int unavailable = 0;
    List<Pod> oldAvailable = new ArrayList<>();
    List<Pod> victims = new ArrayList<>();
    for (String node : eligibleNodes.stream().sorted().toList()) {
      List<Pod> pods = byNode.getOrDefault(node, List.of());
      boolean available = pods.stream().anyMatch(p -> Pods.isAvailable(p, minReady, now));
      if (!available) {
        unavailable++;
        for (Pod pod : pods) {
          Pods.untilAvailable(pod, minReady, now)
              .ifPresent(d -> queue.addAfter(ApiObjects.key(ds), d));
        }
      }
      for (Pod pod : pods) {
        if (!hash.equals(pod.getMetadata().getLabelsMap().get(TEMPLATE_HASH_LABEL))) {
          if (Pods.isAvailable(pod, minReady, now)) {
            oldAvailable.add(pod);
          } else {
            victims.add(pod);
          }
        }
      }
    }
    for (Pod pod : oldAvailable) {
      if (unavailable >= maxUnavailable) {
        break;
      }
      victims.add(pod);
      unavailable++;
    }
    return victims;
  }

  private Pod podFor(DaemonSet ds, String hash, String node) {
    Pod pod = Pods.fromTemplate(ds.getSpec().getTemplate(), ds);
    PodSpec.Builder spec = pod.getSpec().toBuilder().setNodeName(node);
    for (Toleration t : DAEMON_TOLERATIONS) {
      if (!spec.getTolerationsList().contains(t)) {
        spec.addTolerations(t);
      }
    }
    return pod.toBuilder()
        .setMetadata(pod.getMetadata().toBuilder().putLabels(TEMPLATE_HASH_LABEL, hash))
        .setSpec(spec)
        .build();
  }

  private void writeStatus(
      String key,
      DaemonSet ds,
      String hash,
      Set<String> eligibleNodes,
      Map<String, List<Pod>> byNode) {
    Instant now = clock.instant();
    int minReady = ds.getSpec().getMinReadySeconds();
    int current = 0;
    int ready = 0;
    int updated = 0;
    int available = 0;
    int misscheduled = 0;
    for (Map.Entry<String, List<Pod>> entry : byNode.entrySet()) {
      List<Pod> pods = entry.getValue();
      if (pods.isEmpty()) {
        continue;
      }
      if (!eligibleNodes.contains(entry.getKey())) {
        misscheduled++;
        continue;
      }
      current++;
      if (pods.stream().anyMatch(Pods::isReady)) {
        ready++;
      }
      if (pods.stream()
          .anyMatch(p -> hash.equals(p.getMetadata().getLabelsMap().get(TEMPLATE_HASH_LABEL)))) {
        updated++;
      }
      if (pods.stream().anyMatch(p -> Pods.isAvailable(p, minReady, now))) {
        available++;
      } else {
        for (Pod pod : pods) {
          Pods.untilAvailable(pod, minReady, now).ifPresent(d -> queue.addAfter(key, d));
        }
      }
    }
    DaemonSetStatus status =
        ds.getStatus().toBuilder()
            .setDesiredNumberScheduled(eligibleNodes.size())
            .setCurrentNumberScheduled(current)
            .setNumberReady(ready)
            .setUpdatedNumberScheduled(updated)
            .setNumberAvailable(available)
            .setNumberUnavailable(Math.max(0, eligibleNodes.size() - available))
            .setNumberMisscheduled(misscheduled)
            .setObservedGeneration(ds.getMetadata().getGeneration())
            .build();
    if (!status.equals(ds.getStatus())) {
      writer.updateStatus(ds.toBuilder().setStatus(status).build());
    }
  }
}
