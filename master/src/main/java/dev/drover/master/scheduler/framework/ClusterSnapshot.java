package dev.drover.master.scheduler.framework;

import dev.drover.api.LabelMatcher;
import dev.drover.api.v1.Node;
import dev.drover.master.scheduler.framework.NodeInfo.PlacedPod;
import dev.drover.master.scheduler.framework.PodInfo.AffinityTerm;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The scheduler's cache of nodes and the pods placed on them, including pods it assumed on a node
 * whose binding is not yet visible. Updated incrementally (a node or pod at a time, never rebuilt)
 * and read by the placement algorithm's plugins; it also indexes nodes by topology domain (the
 * value of a label such as "topology.kubernetes.io/zone") for affinity and spreading.
 *
 * <p>Not thread-safe: one thread (the scheduling loop's) owns it.
 */
public final class ClusterSnapshot {

  private final Map<String, NodeInfo> nodesByName = new HashMap<>();
  private final ArrayList<NodeInfo> nodes = new ArrayList<>();
  private final Map<String, PlacedPod> podsByKey = new HashMap<>();

  /** Node each nominated (preempting, not yet placed) pod waits for, by pod key. */
  private final Map<String, NodeInfo> nominations = new HashMap<>();

  private final ArrayList<PlacedPod> allPods = new ArrayList<>();

  /** Placed pods with any pod (anti-)affinity term; the symmetric checks look only at these. */
  private final ArrayList<PlacedPod> podsWithAffinity = new ArrayList<>();

  private final Map<String, Domains> domainCache = new HashMap<>();

  /**
   * Per node selection (node selector and required node affinity, as a pod spec writes them), what
   * each live node was found to be so far: {@link #SELECTION_UNKNOWN}, {@link #SELECTED} or {@link
   * #NOT_SELECTED}. The pods of one workload share their selection, so each node's labels are
   * matched once for all of them instead of once per pod. Kept until nodes or their labels change.
   */
  private final Map<NodeSelection, byte[]> selectionCache = new HashMap<>();

  public static final byte SELECTION_UNKNOWN = 0;
  public static final byte SELECTED = 1;
  public static final byte NOT_SELECTED = 2;

  /**
   * Per-node counts of placed, non-terminating pods matching a (namespaces, selector), for the
   * selectors of recent pods' spread constraints and affinity terms. Kept current as pods come and
   * go, so a pod of a group costs a pass over the nodes instead of over all pods.
   */
  private final Map<MatchKey, int[]> matchCache = new HashMap<>();

  /** Per-node counts of placed pods carrying each distinct required anti-affinity term. */
  private final Map<TermKey, int[]> antiTerms = new HashMap<>();

  private boolean antiTermsStale = true;

  /**
   * Live nodes that are not Ready, cordoned, or carry a NoSchedule/NoExecute taint: while there are
   * none, the filters for these conditions are skipped for every pod.
   */
  private int notReadyNodes;

  private int unschedulableNodes;
  private int taintedNodes;

  /** Live nodes with a PreferNoSchedule taint: while there are none, every node scores the same. */
  private int preferNoScheduleNodes;

  /**
   * Placed pods with a preferred pod (anti-)affinity term: while there are none, only the incoming
   * pod's own preferred terms can score.
   */
  private int podsWithPreferredAffinity;

  private static final int MAX_CACHED_SELECTORS = 64;

  /**
   * Adds or updates a node.
   *
   * @return true if the node is new or changed in a way that may let pending pods fit
   * @throws IllegalArgumentException naming the field when the node holds a bad quantity; the
   *     snapshot is then unchanged
   */
  public boolean upsertNode(Node node) {
    String name = node.getMetadata().getName();
    NodeInfo info = nodesByName.computeIfAbsent(name, NodeInfo::new);
    boolean labelsChanged = !info.labels.equals(node.getMetadata().getLabelsMap());
    boolean wasLive = info.index >= 0;
    boolean wasNotReady = !info.ready;
    boolean wasUnschedulable = info.unschedulable;
    boolean wasTainted = info.hardTaints.length > 0;
    boolean wasPreferNoSchedule = info.preferNoScheduleTaints.length > 0;
    boolean changed;
    try {
      changed = info.update(node);
    } catch (IllegalArgumentException e) {
      if (info.node == null && info.pods.isEmpty() && info.nominated.isEmpty()) {
        nodesByName.remove(name);
      }
      throw e;
    }
    if (wasLive) {
      notReadyNodes -= wasNotReady ? 1 : 0;
      unschedulableNodes -= wasUnschedulable ? 1 : 0;
      taintedNodes -= wasTainted ? 1 : 0;
      preferNoScheduleNodes -= wasPreferNoSchedule ? 1 : 0;
    }
    countConditions(info, 1);
    if (info.index < 0) {
      info.index = nodes.size();
      nodes.add(info);
      nodeIndexesChanged();
      return true;
    }
    if (labelsChanged) {
      domainCache.clear();
      selectionCache.clear();
    }
    return changed;
  }

  /** Removes a node; pods still on it stay accounted to it in case it comes back. */
  public void removeNode(String name) {
    NodeInfo info = nodesByName.get(name);
    if (info == null || info.index < 0) {
      return;
    }
    countConditions(info, -1);
    int slot = info.index;
    NodeInfo last = nodes.remove(nodes.size() - 1);
    if (last != info) {
      nodes.set(slot, last);
      last.index = slot;
    }
    info.index = -1;
    info.node = null;
    nodeIndexesChanged();
    if (info.pods.isEmpty() && info.nominated.isEmpty()) {
      nodesByName.remove(name);
    }
  }

  /**
   * Records a pod bound to {@code info.nodeName}, replacing any earlier version or assumption of
   * the same pod.
   */
  public void addBoundPod(PodInfo info) {
    if (info.nodeName.isEmpty()) {
      throw new IllegalArgumentException("spec.node_name: a bound pod needs a node");
    }
    place(info, info.nodeName, false);
  }

  /** Assumes {@code info} runs on {@code nodeName} until its binding is seen or forgotten. */
  public void assume(PodInfo info, String nodeName) {
    place(info, nodeName, true);
  }

  /** Removes a pod (bound or assumed); returns the node it was on, or null. */
  public String removePod(String key) {
    PlacedPod p = podsByKey.get(key);
    if (p == null) {
      return null;
    }
    count(p, -1);
    podsByKey.remove(key);
    int slot = p.slot;
    PlacedPod last = allPods.remove(allPods.size() - 1);
    if (last != p) {
      allPods.set(slot, last);
      last.slot = slot;
    }
    if (p.info.hasAnyPodAffinity()) {
      podsWithAffinity.remove(p);
    }
    if (p.info.hasPreferredPodAffinity()) {
      podsWithPreferredAffinity--;
    }
    p.node.remove(p);
    if (p.node.index < 0 && p.node.pods.isEmpty() && p.node.nominated.isEmpty()) {
      nodesByName.remove(p.node.name);
    }
    return p.node.name;
  }

  /**
   * Keeps room on {@code nodeName} for {@code info}, which preempted pods there and waits for them
   * to go: pods of lower or equal priority are filtered as if it were already placed. Replaces any
   * earlier nomination of the same pod; placing the pod ends it.
   */
  public void nominate(PodInfo info, String nodeName) {
    clearNomination(info.key);
    NodeInfo node = nodesByName.computeIfAbsent(nodeName, NodeInfo::new);
    node.nominated.add(info);
    node.hasNominated = true;
    nominations.put(info.key, node);
  }

  /** Ends the nomination of a pod, if any. */
  public void clearNomination(String key) {
    NodeInfo node = nominations.remove(key);
    if (node == null) {
      return;
    }
    node.nominated.removeIf(p -> p.key.equals(key));
    node.hasNominated = !node.nominated.isEmpty();
    if (node.index < 0 && node.pods.isEmpty() && node.nominated.isEmpty()) {
      nodesByName.remove(node.name);
    }
  }

  /** The node a pod is nominated to, or null. */
  public String nominatedNode(String key) {
    NodeInfo node = nominations.get(key);
    return node == null ? null : node.name;
  }

  /** True if the pod is assumed (placed by this scheduler, binding not yet seen). */
  public boolean isAssumed(String key) {
    PlacedPod p = podsByKey.get(key);
    return p != null && p.assumed;
  }

  /** The placement of a pod, or null when the pod is not on any node. */
  public PlacedPod placement(String key) {
    return podsByKey.get(key);
  }

  public int nodeCount() {
    return nodes.size();
  }

  /** Node at {@code index} (0 to nodeCount-1); indexes change when nodes are removed. */
  public NodeInfo node(int index) {
    return nodes.get(index);
  }

  /** A live node by name, or null. */
  public NodeInfo node(String name) {
    NodeInfo n = nodesByName.get(name);
    return n == null || n.index < 0 ? null : n;
  }

  /** Live nodes whose Ready condition is not True. */
  public int notReadyNodeCount() {
    return notReadyNodes;
  }

  /** Live nodes that are cordoned. */
  public int unschedulableNodeCount() {
    return unschedulableNodes;
  }

  /** Live nodes with at least one NoSchedule or NoExecute taint. */
  public int taintedNodeCount() {
    return taintedNodes;
  }

  /** Live nodes with at least one PreferNoSchedule taint. */
  public int preferNoScheduleNodeCount() {
    return preferNoScheduleNodes;
  }

  /** Placed pods (on any node) with a preferred pod affinity or anti-affinity term. */
  public int podsWithPreferredAffinityCount() {
    return podsWithPreferredAffinity;
  }

  public int podCount() {
    return allPods.size();
  }

  public List<PlacedPod> allPods() {
    return allPods;
  }

  public List<PlacedPod> podsWithAffinity() {
    return podsWithAffinity;
  }

  public Collection<NodeInfo> liveNodes() {
    return nodes;
  }

  /** Domains of {@code topologyKey}, built once and kept until nodes or their labels change. */
  public Domains domains(String topologyKey) {
    Domains d = domainCache.get(topologyKey);
    if (d == null) {
      d = new Domains(topologyKey, nodes);
      domainCache.put(topologyKey, d);
    }
    return d;
  }

  private void place(PodInfo info, String nodeName, boolean assumed) {
    removePod(info.key);
    clearNomination(info.key);
    NodeInfo node = nodesByName.computeIfAbsent(nodeName, NodeInfo::new);
    PlacedPod p = new PlacedPod(info, node, assumed);
    p.slot = allPods.size();
    allPods.add(p);
    podsByKey.put(info.key, p);
    if (info.hasAnyPodAffinity()) {
      podsWithAffinity.add(p);
    }
    if (info.hasPreferredPodAffinity()) {
      podsWithPreferredAffinity++;
    }
    node.add(p);
    count(p, 1);
  }

  private void countConditions(NodeInfo n, int delta) {
    notReadyNodes += n.ready ? 0 : delta;
    unschedulableNodes += n.unschedulable ? delta : 0;
    taintedNodes += n.hardTaints.length > 0 ? delta : 0;
    preferNoScheduleNodes += n.preferNoScheduleTaints.length > 0 ? delta : 0;
  }

  private void nodeIndexesChanged() {
    domainCache.clear();
    selectionCache.clear();
    matchCache.clear();
    antiTermsStale = true;
  }

  /** Adds {@code delta} for {@code p} to every cached count it belongs to. */
  private void count(PlacedPod p, int delta) {
    int i = p.node.index;
    if (i < 0 || p.info.terminating) {
      return;
    }
    for (Map.Entry<MatchKey, int[]> e : matchCache.entrySet()) {
      if (e.getKey().matches(p.info)) {
        e.getValue()[i] += delta;
      }
    }
    if (!antiTermsStale) {
      for (AffinityTerm t : p.info.requiredAntiAffinity) {
        TermKey k = new TermKey(t.namespaces, t.selector, t.topologyKey);
        int[] c = antiTerms.computeIfAbsent(k, x -> new int[nodes.size()]);
        c[i] += delta;
      }
    }
  }

  /**
   * Per live node (by index), how many placed, non-terminating pods in {@code namespaces} match
   * {@code selector}. The array is owned by the snapshot and changes with it: read it within one
   * scheduling cycle (the snapshot does not change during one), do not keep it longer.
   */
  public int[] matchingPerNode(Set<String> namespaces, LabelMatcher selector) {
    MatchKey k = new MatchKey(namespaces, selector);
    int[] counts = matchCache.get(k);
    if (counts == null) {
      counts = new int[nodes.size()];
      for (PlacedPod p : allPods) {
        if (p.node.index >= 0 && !p.info.terminating && k.matches(p.info)) {
          counts[p.node.index]++;
        }
      }
      if (matchCache.size() >= MAX_CACHED_SELECTORS) {
        matchCache.clear();
      }
      matchCache.put(k, counts);
    }
    return counts;
  }

  /**
   * The distinct required anti-affinity terms of placed, non-terminating pods, each with how many
   * such pods per live node carry it.
   */
  public Map<TermKey, int[]> requiredAntiAffinityTerms() {
    if (antiTermsStale) {
      antiTerms.clear();
      for (PlacedPod p : podsWithAffinity) {
        if (p.node.index < 0 || p.info.terminating) {
          continue;
        }
        for (AffinityTerm t : p.info.requiredAntiAffinity) {
          TermKey k = new TermKey(t.namespaces, t.selector, t.topologyKey);
          antiTerms.computeIfAbsent(k, x -> new int[nodes.size()])[p.node.index]++;
        }
      }
      antiTermsStale = false;
    }
    return antiTerms;
  }

  /**
   * What is known of each live node (by index) against the node selection of {@code pod}: {@link
   * #SELECTION_UNKNOWN} until a caller matched it and stored {@link #SELECTED} or {@link
   * #NOT_SELECTED}. The array is shared by every pod with the same selection; callers fill it in.
   */
  public byte[] nodeSelection(PodInfo pod) {
    NodeSelection k =
        new NodeSelection(
            pod.pod.getSpec().getNodeSelectorMap(),
            pod.pod.getSpec().getAffinity().getNodeAffinity());
    byte[] known = selectionCache.get(k);
    if (known == null) {
      if (selectionCache.size() >= MAX_CACHED_SELECTORS) {
        selectionCache.clear();
      }
      known = new byte[nodes.size()];
      selectionCache.put(k, known);
    }
    return known;
  }

  /** A pod spec's node selector and node affinity, which decide the nodes it may go to. */
  private record NodeSelection(
      Map<String, String> selector, dev.drover.api.v1.NodeAffinity affinity) {}

  /** A selector together with the namespaces it looks in. */
  record MatchKey(Set<String> namespaces, LabelMatcher selector) {
    boolean matches(PodInfo pod) {
      return namespaces.contains(pod.namespace) && selector.matches(pod.labels);
    }
  }

  /** A pod (anti-)affinity term reduced to what makes two terms act the same. */
  public record TermKey(Set<String> namespaces, LabelMatcher selector, String topologyKey) {
    public boolean matches(PodInfo pod) {
      return namespaces.contains(pod.namespace) && selector.matches(pod.labels);
    }
  }

  /**
   * The topology domains of one label key: each live node's domain id (or -1 when it lacks the
   * label), numbered densely from 0.
   */
  public static final class Domains {
    final String key;
    private final int[] domainOfNode;
    private final int count;
    private final boolean perNode;

    Domains(String key, List<NodeInfo> nodes) {
      this.key = key;
      this.domainOfNode = new int[nodes.size()];
      Map<String, Integer> ids = new HashMap<>();
      for (int i = 0; i < domainOfNode.length; i++) {
        String v = nodes.get(i).labels.get(key);
        if (v == null) {
          domainOfNode[i] = -1;
        } else {
          Integer id = ids.get(v);
          if (id == null) {
            id = ids.size();
            ids.put(v, id);
          }
          domainOfNode[i] = id;
        }
      }
      this.count = ids.size();
      int labelled = 0;
      for (int d : domainOfNode) {
        labelled += d >= 0 ? 1 : 0;
      }
      this.perNode = labelled == count;
    }

    /**
     * True when every labelled node is a domain of its own (a key such as the hostname): a count
     * per domain is then the count of the node itself, so per-node counts can be read as they are.
     */
    public boolean perNode() {
      return perNode;
    }

    /** Domain of a node (live or ghost); -1 when it has none. */
    public int of(NodeInfo n) {
      return n.index < 0 ? -1 : domainOfNode[n.index];
    }

    /** Domain of the live node at {@code index}; -1 when it has none. */
    public int ofIndex(int index) {
      return domainOfNode[index];
    }

    /** Number of distinct domains. */
    public int count() {
      return count;
    }
  }
}
