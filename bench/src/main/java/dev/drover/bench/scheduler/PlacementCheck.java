package dev.drover.bench.scheduler;

import dev.drover.api.Quantity;
import dev.drover.api.v1.Container;
import dev.drover.api.v1.LabelSelector;
import dev.drover.api.v1.Node;
import dev.drover.api.v1.NodeSelectorRequirement;
import dev.drover.api.v1.NodeSelectorTerm;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodAffinityTerm;
import dev.drover.api.v1.Taint;
import dev.drover.api.v1.TaintEffect;
import dev.drover.api.v1.Toleration;
import dev.drover.api.v1.TolerationOperator;
import dev.drover.api.v1.TopologySpreadConstraint;
import dev.drover.api.v1.UnsatisfiableConstraintAction;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Checks where the scheduler put the pods, after a run, from the nodes and pods as the API lists
 * them and without any of the scheduler's code: requests over a node's allocatable, pods on a node
 * whose NoSchedule/NoExecute taint they do not tolerate, required node affinity not met, two pods
 * on one domain of a required anti-affinity term, and a DoNotSchedule spread constraint whose skew
 * exceeds its maxSkew. A run with any violation does not count.
 */
final class PlacementCheck {

  /** Violations by rule; an empty map means none. */
  private final Map<String, Integer> violations = new TreeMap<>();

  private final List<String> examples = new ArrayList<>();

  private final Map<String, Node> nodes = new HashMap<>();

  private PlacementCheck() {}

  /** Checks the bound {@code pods} against {@code nodes}. */
  static PlacementCheck of(List<Node> nodeList, List<Pod> pods) {
    PlacementCheck c = new PlacementCheck();
    for (Node n : nodeList) {
      c.nodes.put(n.getMetadata().getName(), n);
    }
    Map<String, List<Pod>> byNode = new LinkedHashMap<>();
    for (Pod p : pods) {
      String node = p.getSpec().getNodeName();
      if (node.isEmpty()) {
        continue;
      }
      if (!c.nodes.containsKey(node)) {
        c.add("unknown node", p, node);
        continue;
      }
      byNode.computeIfAbsent(node, k -> new ArrayList<>()).add(p);
    }
    byNode.forEach(c::checkResources);
    for (List<Pod> onNode : byNode.values()) {
      for (Pod p : onNode) {
        c.checkTaints(p);
        c.checkNodeAffinity(p);
      }
    }
    c.checkAntiAffinity(byNode);
    c.checkSpread(byNode);
    return c;
  }

  /** Violations by rule. */
  Map<String, Integer> byRule() {
    return violations;
  }

  /** All violations. */
  int total() {
    return violations.values().stream().mapToInt(Integer::intValue).sum();
  }

  /** A few violations in words, for the run's error. */
  List<String> examples() {
    return examples;
  }

  private void add(String rule, Pod p, String detail) {
    violations.merge(rule, 1, Integer::sum);
    if (examples.size() < 5) {
      examples.add(rule + ": pod " + p.getMetadata().getName() + " (" + detail + ")");
    }
  }

  private void checkResources(String nodeName, List<Pod> pods) {
    Map<String, String> allocatable = nodes.get(nodeName).getStatus().getAllocatableMap();
    Map<String, Quantity> used = new HashMap<>();
    for (Pod p : pods) {
      for (Container ctr : p.getSpec().getContainersList()) {
        ctr.getResources()
            .getRequestsMap()
            .forEach((r, q) -> used.merge(r, Quantity.parse(q), Quantity::add));
      }
    }
    used.merge("pods", Quantity.of(pods.size()), Quantity::add);
    used.forEach(
        (resource, amount) -> {
          String cap = allocatable.get(resource);
          if (cap == null || amount.compareTo(Quantity.parse(cap)) > 0) {
            add("resources", pods.get(pods.size() - 1), nodeName + " " + resource + " " + amount);
          }
        });
  }

  private void checkTaints(Pod p) {
    Node n = nodes.get(p.getSpec().getNodeName());
    for (Taint t : n.getSpec().getTaintsList()) {
      boolean repels =
          t.getEffect() == TaintEffect.TAINT_EFFECT_NO_SCHEDULE
              || t.getEffect() == TaintEffect.TAINT_EFFECT_NO_EXECUTE;
      if (repels && p.getSpec().getTolerationsList().stream().noneMatch(tol -> tolerates(tol, t))) {
        add("taints", p, n.getMetadata().getName() + " " + t.getKey());
      }
    }
  }

  private static boolean tolerates(Toleration tol, Taint t) {
    if (tol.getEffect() != TaintEffect.TAINT_EFFECT_UNSPECIFIED
        && tol.getEffect() != t.getEffect()) {
      return false;
    }
    if (tol.getOperator() == TolerationOperator.TOLERATION_OPERATOR_EXISTS) {
      return tol.getKey().isEmpty() || tol.getKey().equals(t.getKey());
    }
    return tol.getKey().equals(t.getKey()) && tol.getValue().equals(t.getValue());
  }

  private void checkNodeAffinity(Pod p) {
    if (!p.getSpec()
        .getAffinity()
        .getNodeAffinity()
        .hasRequiredDuringSchedulingIgnoredDuringExecution()) {
      return;
    }
    Node n = nodes.get(p.getSpec().getNodeName());
    Map<String, String> labels = n.getMetadata().getLabelsMap();
    List<NodeSelectorTerm> terms =
        p.getSpec()
            .getAffinity()
            .getNodeAffinity()
            .getRequiredDuringSchedulingIgnoredDuringExecution()
            .getNodeSelectorTermsList();
    // The terms are ORed, the expressions of a term ANDed.
    boolean ok =
        terms.stream()
            .anyMatch(
                term -> term.getMatchExpressionsList().stream().allMatch(r -> matches(r, labels)));
    if (!ok) {
      add("node affinity", p, n.getMetadata().getName());
    }
  }

  private static boolean matches(NodeSelectorRequirement r, Map<String, String> labels) {
    String v = labels.get(r.getKey());
    return switch (r.getOperator()) {
      case NODE_SELECTOR_OPERATOR_IN -> v != null && r.getValuesList().contains(v);
      case NODE_SELECTOR_OPERATOR_NOT_IN -> v == null || !r.getValuesList().contains(v);
      case NODE_SELECTOR_OPERATOR_EXISTS -> v != null;
      case NODE_SELECTOR_OPERATOR_DOES_NOT_EXIST -> v == null;
      default -> throw new IllegalStateException("the check does not know " + r.getOperator());
    };
  }

  private static boolean selects(LabelSelector s, Pod p) {
    if (s.getMatchExpressionsCount() > 0) {
      throw new IllegalStateException("the check reads matchLabels selectors only");
    }
    Map<String, String> labels = p.getMetadata().getLabelsMap();
    return s.getMatchLabelsMap().entrySet().stream()
        .allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
  }

  private String domain(String nodeName, String key) {
    return nodes.get(nodeName).getMetadata().getLabelsMap().get(key);
  }

  private void checkAntiAffinity(Map<String, List<Pod>> byNode) {
    // Pods by (topology key, domain), built lazily per key.
    Map<String, Map<String, List<Pod>>> byDomain = new HashMap<>();
    for (List<Pod> onNode : byNode.values()) {
      for (Pod p : onNode) {
        for (PodAffinityTerm term :
            p.getSpec()
                .getAffinity()
                .getPodAntiAffinity()
                .getRequiredDuringSchedulingIgnoredDuringExecutionList()) {
          String key = term.getTopologyKey();
          Map<String, List<Pod>> domains = byDomain.computeIfAbsent(key, k -> group(byNode, k));
          String d = domain(p.getSpec().getNodeName(), key);
          if (d == null) {
            continue;
          }
          for (Pod other : domains.getOrDefault(d, List.of())) {
            if (other != p
                && other.getMetadata().getNamespace().equals(p.getMetadata().getNamespace())
                && selects(term.getLabelSelector(), other)) {
              add("anti-affinity", p, "shares " + d + " with " + other.getMetadata().getName());
            }
          }
        }
      }
    }
  }

  private Map<String, List<Pod>> group(Map<String, List<Pod>> byNode, String key) {
    Map<String, List<Pod>> out = new HashMap<>();
    byNode.forEach(
        (node, pods) -> {
          String d = domain(node, key);
          if (d != null) {
            out.computeIfAbsent(d, k -> new ArrayList<>()).addAll(pods);
          }
        });
    return out;
  }

  private void checkSpread(Map<String, List<Pod>> byNode) {
    // One check per distinct constraint: its pods share it in this workload, as a
    // Deployment's do.
    Map<TopologySpreadConstraint, Pod> seen = new LinkedHashMap<>();
    for (List<Pod> onNode : byNode.values()) {
      for (Pod p : onNode) {
        for (TopologySpreadConstraint c : p.getSpec().getTopologySpreadConstraintsList()) {
          if (c.getWhenUnsatisfiable()
              == UnsatisfiableConstraintAction.UNSATISFIABLE_CONSTRAINT_ACTION_DO_NOT_SCHEDULE) {
            seen.putIfAbsent(c, p);
          }
        }
      }
    }
    seen.forEach(
        (c, example) -> {
          Map<String, Integer> counts = new TreeMap<>();
          // Every domain a node offers counts, empty ones included (their count is 0).
          for (Node n : nodes.values()) {
            String d = n.getMetadata().getLabelsMap().get(c.getTopologyKey());
            if (d != null) {
              counts.putIfAbsent(d, 0);
            }
          }
          byNode.forEach(
              (node, pods) -> {
                String d = domain(node, c.getTopologyKey());
                long matching =
                    pods.stream()
                        .filter(
                            p ->
                                p.getMetadata()
                                        .getNamespace()
                                        .equals(example.getMetadata().getNamespace())
                                    && selects(c.getLabelSelector(), p))
                        .count();
                if (d != null && matching > 0) {
                  counts.merge(d, (int) matching, Integer::sum);
                }
              });
          int skew =
              counts.values().stream().mapToInt(Integer::intValue).max().orElse(0)
                  - counts.values().stream().mapToInt(Integer::intValue).min().orElse(0);
          if (skew > c.getMaxSkew()) {
            add("spread skew", example, c.getTopologyKey() + " counts " + counts);
          }
        });
  }
}
