package dev.drover.api;

import dev.drover.api.v1.Node;
import dev.drover.api.v1.NodeSelector;
import dev.drover.api.v1.PodSpec;
import java.util.Map;

/**
 * Which nodes a pod may run on by their labels and name: its node selector (every key with exactly
 * that value) and its required node affinity (any of the terms, each compiled to a {@link
 * NodeTermMatcher}). The one implementation used by the scheduler and the DaemonSet controller.
 * Immutable; matching allocates nothing.
 */
public final class NodeAffinity {

  private static final String REQUIRED_TERMS =
      "spec.affinity.node_affinity.required_during_scheduling_ignored_during_execution"
          + ".node_selector_terms";

  private final String[] selectorKeys;
  private final String[] selectorValues;

  /** The required terms (ORed), or null when the pod has no required node affinity. */
  private final NodeTermMatcher[] requiredTerms;

  private NodeAffinity(
      String[] selectorKeys, String[] selectorValues, NodeTermMatcher[] requiredTerms) {
    this.selectorKeys = selectorKeys;
    this.selectorValues = selectorValues;
    this.requiredTerms = requiredTerms;
  }

  /**
   * Compiles the node selector and required node affinity of {@code spec}.
   *
   * @throws IllegalArgumentException naming the field when a term cannot be interpreted
   */
  public static NodeAffinity compile(PodSpec spec) {
    int n = spec.getNodeSelectorCount();
    String[] keys = new String[n];
    String[] values = new String[n];
    int k = 0;
    for (Map.Entry<String, String> e : spec.getNodeSelectorMap().entrySet()) {
      keys[k] = e.getKey();
      values[k] = e.getValue();
      k++;
    }
    NodeTermMatcher[] terms = null;
    if (spec.getAffinity().getNodeAffinity().hasRequiredDuringSchedulingIgnoredDuringExecution()) {
      NodeSelector required =
          spec.getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution();
      terms = new NodeTermMatcher[required.getNodeSelectorTermsCount()];
      for (int i = 0; i < terms.length; i++) {
        terms[i] =
            NodeTermMatcher.compile(
                REQUIRED_TERMS + "[" + i + "]", required.getNodeSelectorTerms(i));
      }
    }
    return new NodeAffinity(keys, values, terms);
  }

  /**
   * Whether a pod with {@code spec} may run on {@code node}; a spec whose affinity cannot be
   * interpreted matches no node.
   */
  public static boolean matchesNode(PodSpec spec, Node node) {
    NodeAffinity affinity;
    try {
      affinity = compile(spec);
    } catch (IllegalArgumentException e) {
      return false;
    }
    return affinity.matches(node);
  }

  /** Whether the node with this name and these labels satisfies selector and required terms. */
  public boolean matches(String nodeName, Map<String, String> labels) {
    for (int i = 0; i < selectorKeys.length; i++) {
      if (!selectorValues[i].equals(labels.get(selectorKeys[i]))) {
        return false;
      }
    }
    return requiredTerms == null || NodeTermMatcher.anyMatches(requiredTerms, nodeName, labels);
  }

  /** Whether {@code node} satisfies selector and required terms. */
  public boolean matches(Node node) {
    return matches(node.getMetadata().getName(), node.getMetadata().getLabelsMap());
  }

  /**
   * True when the pod has neither a node selector nor required node affinity, so every node
   * matches.
   */
  public boolean selectsAll() {
    return selectorKeys.length == 0 && requiredTerms == null;
  }
}
