package dev.drover.master.scheduler.framework;

import dev.drover.api.Conditions;
import dev.drover.api.v1.Node;
import dev.drover.api.v1.Taint;
import dev.drover.api.v1.TaintEffect;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The scheduler's view of one node: what it offers (allocatable, labels, taints, readiness) and the
 * running totals of what the pods placed on it (bound or assumed) request. The totals are kept up
 * to date incrementally as pods come and go, so filtering a node costs a few comparisons.
 *
 * <p>A node that was deleted, or that pods name before the node itself was seen, stays as a "ghost"
 * ({@link #index} = -1) so that its pods are still accounted for when it comes back.
 */
public final class NodeInfo {

  /** Pod count assumed when a node reports no "pods" allocatable (kubelet's default). */
  static final long DEFAULT_MAX_PODS = 110;

  final String name;

  /** Position in the snapshot's node list, or -1 for a ghost. */
  int index = -1;

  Node node;
  Map<String, String> labels = Map.of();
  boolean ready;
  boolean unschedulable;

  /** NoSchedule and NoExecute taints. */
  Taint[] hardTaints = new Taint[0];

  Taint[] preferNoScheduleTaints = new Taint[0];
  long allocMilliCpu;
  long allocMemory;
  long allocPods;
  Map<String, Long> allocExtra = Map.of();

  long reqMilliCpu;
  long reqMemory;
  long nonZeroMilliCpu;
  long nonZeroMemory;
  final Map<String, Long> reqExtra = new HashMap<>();
  final Map<Integer, Integer> usedPorts = new HashMap<>();
  final List<PlacedPod> pods = new ArrayList<>();

  /**
   * Pods nominated to this node by a preemption, not placed yet: room is kept for them against pods
   * of lower or equal priority (Kubernetes' nominatedNodeName).
   */
  final List<PodInfo> nominated = new ArrayList<>();

  /**
   * {@code pods.size()} and {@code !nominated.isEmpty()}, kept here because the resource and port
   * filters read them for every node they check: the node's own fields, without touching the lists.
   */
  int podCount;

  boolean hasNominated;

  NodeInfo(String name) {
    this.name = name;
  }

  public String name() {
    return name;
  }

  /**
   * Applies a new version of the Node object.
   *
   * @return true if anything the scheduler filters or scores on changed (not for heartbeats)
   * @throws IllegalArgumentException naming the field when an allocatable quantity is bad
   */
  boolean update(Node n) {
    Map<String, String> alloc =
        n.getStatus().getAllocatableCount() > 0
            ? n.getStatus().getAllocatableMap()
            : n.getStatus().getCapacityMap();
    String base =
        n.getStatus().getAllocatableCount() > 0 ? "status.allocatable" : "status.capacity";
    long cpu = 0;
    long mem = 0;
    long pods = DEFAULT_MAX_PODS;
    Map<String, Long> extra = new HashMap<>();
    for (Map.Entry<String, String> e : alloc.entrySet()) {
      String field = base + "[" + e.getKey() + "]";
      switch (e.getKey()) {
        case "cpu":
          cpu = Quantities.milli(field, e.getValue());
          break;
        case "memory":
          mem = Quantities.units(field, e.getValue());
          break;
        case "pods":
          pods = Quantities.units(field, e.getValue());
          break;
        default:
          extra.put(e.getKey(), Quantities.units(field, e.getValue()));
      }
    }
    boolean isReady = Conditions.isReady(n);
    List<Taint> hard = new ArrayList<>();
    List<Taint> prefer = new ArrayList<>();
    for (Taint t : n.getSpec().getTaintsList()) {
      if (t.getEffect() == TaintEffect.TAINT_EFFECT_PREFER_NO_SCHEDULE) {
        prefer.add(t);
      } else {
        hard.add(t);
      }
    }
    boolean changed =
        node == null
            || cpu != allocMilliCpu
            || mem != allocMemory
            || pods != allocPods
            || !extra.equals(allocExtra)
            || isReady != ready
            || n.getSpec().getUnschedulable() != unschedulable
            || !n.getSpec().getTaintsList().equals(node.getSpec().getTaintsList())
            || !n.getMetadata().getLabelsMap().equals(labels);
    this.node = n;
    if (!n.getMetadata().getLabelsMap().equals(labels)) {
      // A plain immutable copy: the filters look labels up for every node they check, and the
      // message's map wraps its entries twice.
      this.labels = Map.copyOf(n.getMetadata().getLabelsMap());
    }
    this.allocMilliCpu = cpu;
    this.allocMemory = mem;
    this.allocPods = pods;
    this.allocExtra = extra;
    this.ready = isReady;
    this.unschedulable = n.getSpec().getUnschedulable();
    this.hardTaints = hard.toArray(new Taint[0]);
    this.preferNoScheduleTaints = prefer.toArray(new Taint[0]);
    return changed;
  }

  void add(PlacedPod p) {
    PodInfo info = p.info;
    p.nodeSlot = pods.size();
    pods.add(p);
    podCount = pods.size();
    reqMilliCpu += info.milliCpu;
    reqMemory += info.memory;
    nonZeroMilliCpu += info.nonZeroMilliCpu;
    nonZeroMemory += info.nonZeroMemory;
    for (int i = 0; i < info.extraNames.length; i++) {
      reqExtra.merge(info.extraNames[i], info.extraAmounts[i], Long::sum);
    }
    for (int port : info.hostPorts) {
      usedPorts.merge(port, 1, Integer::sum);
    }
  }

  void remove(PlacedPod p) {
    PodInfo info = p.info;
    int slot = p.nodeSlot;
    PlacedPod last = pods.remove(pods.size() - 1);
    if (last != p) {
      pods.set(slot, last);
      last.nodeSlot = slot;
    }
    podCount = pods.size();
    reqMilliCpu -= info.milliCpu;
    reqMemory -= info.memory;
    nonZeroMilliCpu -= info.nonZeroMilliCpu;
    nonZeroMemory -= info.nonZeroMemory;
    for (int i = 0; i < info.extraNames.length; i++) {
      reqExtra.merge(info.extraNames[i], -info.extraAmounts[i], Long::sum);
    }
    for (int port : info.hostPorts) {
      usedPorts.computeIfPresent(port, (k, v) -> v == 1 ? null : v - 1);
    }
  }

  /** Position in the snapshot's node list, or -1 for a node that is gone or not seen yet. */
  public int index() {
    return index;
  }

  public Map<String, String> labels() {
    return labels;
  }

  /** Whether the node's Ready condition is True. */
  public boolean ready() {
    return ready;
  }

  /** Whether the node is cordoned (spec.unschedulable). */
  public boolean unschedulable() {
    return unschedulable;
  }

  /** NoSchedule and NoExecute taints; shared, do not modify. */
  public Taint[] hardTaints() {
    return hardTaints;
  }

  /** PreferNoSchedule taints; shared, do not modify. */
  public Taint[] preferNoScheduleTaints() {
    return preferNoScheduleTaints;
  }

  /** Requested CPU with pods that request none counted at the scoring default. */
  public long nonZeroRequestedMilliCpu() {
    return nonZeroMilliCpu;
  }

  /** Requested memory with pods that request none counted at the scoring default. */
  public long nonZeroRequestedMemory() {
    return nonZeroMemory;
  }

  /** What the node's pods request of another resource (0 when none). */
  public long requestedExtra(String resource) {
    return reqExtra.getOrDefault(resource, 0L);
  }

  /** What the node offers of another resource (0 when none). */
  public long allocatableExtra(String resource) {
    return allocExtra.getOrDefault(resource, 0L);
  }

  /** How many placed pods use a host port ({@link PodInfo#hostPortKey} form). */
  public int portUsers(int hostPortKey) {
    return usedPorts.getOrDefault(hostPortKey, 0);
  }

  /** Whether no placed pod uses a host port. */
  public boolean noPortsUsed() {
    return usedPorts.isEmpty();
  }

  /** Whether any pod is nominated to this node (as {@code !nominated().isEmpty()}). */
  public boolean hasNominated() {
    return hasNominated;
  }

  /** How many pods are placed here (as {@code pods().size()}). */
  public int podCount() {
    return podCount;
  }

  /** Pods nominated to this node by a preemption; the list is live, do not modify. */
  public List<PodInfo> nominated() {
    return nominated;
  }

  /** Pods placed here (bound or assumed); the list is live, do not modify. */
  public List<PlacedPod> pods() {
    return pods;
  }

  public long requestedMilliCpu() {
    return reqMilliCpu;
  }

  public long requestedMemory() {
    return reqMemory;
  }

  public long allocatableMilliCpu() {
    return allocMilliCpu;
  }

  public long allocatableMemory() {
    return allocMemory;
  }

  public long allocatablePods() {
    return allocPods;
  }

  /** A pod placed on a node, bound (seen bound in the watch) or assumed by this scheduler. */
  public static final class PlacedPod {
    /** Public for the scheduling loop, which reads it as a field. */
    public final PodInfo info;

    final NodeInfo node;
    boolean assumed;
    int slot;
    int nodeSlot;

    PlacedPod(PodInfo info, NodeInfo node, boolean assumed) {
      this.info = info;
      this.node = node;
      this.assumed = assumed;
    }

    public PodInfo info() {
      return info;
    }

    public NodeInfo node() {
      return node;
    }

    public boolean assumed() {
      return assumed;
    }
  }
}
