package dev.drover.master.scheduler;

import dev.drover.api.v1.Taint;
import dev.drover.api.v1.TaintEffect;
import dev.drover.api.v1.Toleration;
import dev.drover.api.v1.TolerationOperator;
import dev.drover.master.scheduler.ClusterSnapshot.Domains;
import dev.drover.master.scheduler.ClusterSnapshot.TermKey;
import dev.drover.master.scheduler.NodeInfo.PlacedPod;
import dev.drover.master.scheduler.PodInfo.AffinityTerm;
import dev.drover.master.scheduler.PodInfo.SpreadConstraint;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Chooses a node for a pod from a {@link ClusterSnapshot}: a pure computation without I/O or
 * threads, in the shape of kube-scheduler's cycle.
 *
 * <ol>
 *   <li>Pre-filter: state that depends on the whole cluster (pods matching the pod's affinity terms
 *       per topology domain, existing pods whose anti-affinity repels it, spread counts) is
 *       computed once per pod.
 *   <li>Filter: node Ready, not cordoned, taints, node selector and required node affinity, host
 *       ports, CPU/memory/pod count/other resources, topology spread (DoNotSchedule), required pod
 *       affinity and anti-affinity (both ways). Like kube-scheduler it stops after finding enough
 *       feasible nodes (an adaptive percentage of the cluster), starting each pod where the
 *       previous one stopped so that all nodes get their turn.
 *   <li>Score: spread or bin-pack, balanced allocation, preferred node affinity, preferred pod
 *       (anti-)affinity, ScheduleAnyway spread and PreferNoSchedule taints, each normalized to
 *       0..100 and weighted; ties are broken by a seeded random source.
 * </ol>
 *
 * <p>When no node fits, the nodes are checked again recording why each one failed, which makes the
 * {@link FitError}. {@link #preempt} finds the node where evicting the fewest, least important
 * lower-priority pods lets the pod fit.
 *
 * <p>Not thread-safe (it reuses buffers between pods); one instance per scheduling thread.
 */
public final class PlacementAlgorithm {

  static final String NOT_READY = "node(s) were not ready";
  static final String UNSCHEDULABLE = "node(s) were unschedulable";
  static final String NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector";
  static final String PORTS = "node(s) didn't have free ports for the requested pod ports";
  static final String TOO_MANY_PODS = "Too many pods";
  static final String SPREAD = "node(s) didn't match pod topology spread constraints";
  static final String SPREAD_LABEL =
      "node(s) didn't match pod topology spread constraints (missing required label)";
  static final String AFFINITY = "node(s) didn't match pod affinity rules";
  static final String ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";
  static final String EXISTING_ANTI_AFFINITY =
      "node(s) didn't satisfy existing pods anti-affinity rules";

  static final String NOT_READY_TAINT = "node.kubernetes.io/not-ready";
  static final String UNSCHEDULABLE_TAINT = "node.kubernetes.io/unschedulable";

  private static final int FIT = 0;

  /** Failed on something evicting pods from the node could fix (resources, ports). */
  private static final int FAIL_LOCAL = 1;

  private static final int FAIL = 2;

  private static final int MIN_FEASIBLE_NODES = 100;
  private static final int MIN_ADAPTIVE_PERCENTAGE = 5;

  private final SchedulerConfig config;
  private final Random random;
  private int nextStartIndex;
  private int[] feasible = new int[0];
  private long[] totals = new long[0];
  private long[] raw = new long[0];

  public PlacementAlgorithm(SchedulerConfig config) {
    this.config = config;
    this.random = new Random(config.seed());
  }

  public SchedulerConfig config() {
    return config;
  }

  /** Picks a node for {@code pod}, or explains why none fits. */
  public ScheduleResult schedule(PodInfo pod, ClusterSnapshot snap) {
    int n = snap.nodeCount();
    if (n == 0) {
      return new ScheduleResult(null, new FitError(0, Map.of()), 0);
    }
    Cycle c = new Cycle(pod, snap);
    // A pod that preempted others goes where it made room, if it fits there now (as in
    // Kubernetes): elsewhere the room it was given would be wasted.
    String nominated = snap.nominatedNode(pod.key);
    if (nominated != null) {
      NodeInfo target = snap.node(nominated);
      if (target != null && filter(c, target, null) == FIT) {
        return new ScheduleResult(target.name, null, 1);
      }
    }
    ensureBuffers(n);
    int want = numFeasibleNodesToFind(n);
    int start = nextStartIndex % n;
    int found = 0;
    int processed = 0;
    for (int k = 0; k < n && found < want; k++) {
      int i = (start + k) % n;
      processed++;
      if (filter(c, snap.node(i), null) == FIT) {
        feasible[found++] = i;
      }
    }
    nextStartIndex = (start + processed) % n;
    if (found == 0) {
      Diagnosis d = new Diagnosis();
      for (int i = 0; i < n; i++) {
        filter(c, snap.node(i), d);
      }
      return new ScheduleResult(null, new FitError(n, d.counts), 0);
    }
    if (found == 1) {
      return new ScheduleResult(snap.node(feasible[0]).name, null, 1);
    }
    score(c, found);
    long best = Long.MIN_VALUE;
    int bestIndex = -1;
    int ties = 0;
    for (int k = 0; k < found; k++) {
      long s = totals[k];
      if (s > best) {
        best = s;
        bestIndex = feasible[k];
        ties = 1;
      } else if (s == best) {
        // Reservoir sampling: each of the equally best nodes wins with the same probability.
        ties++;
        if (random.nextInt(ties) == 0) {
          bestIndex = feasible[k];
        }
      }
    }
    return new ScheduleResult(snap.node(bestIndex).name, null, found);
  }

  /**
   * Finds a node where evicting lower-priority pods lets {@code pod} fit: among such nodes the one
   * whose most important victim is least important, then the fewest victims, then the lowest sum of
   * victim priorities. Returns null when no eviction helps. Victims are only bound, not-terminating
   * pods of lower priority; only nodes that failed on resources, pod count or host ports are
   * considered (evictions cannot fix a taint or a selector).
   */
  public Preemption preempt(PodInfo pod, ClusterSnapshot snap) {
    int n = snap.nodeCount();
    Cycle c = new Cycle(pod, snap);
    Preemption best = null;
    long[] bestKey = null;
    for (int i = 0; i < n; i++) {
      NodeInfo node = snap.node(i);
      if (filter(c, node, null) != FAIL_LOCAL) {
        continue;
      }
      List<PodInfo> lower = new ArrayList<>();
      for (PlacedPod p : node.pods) {
        if (p.info.priority < pod.priority
            && !p.assumed
            && !p.info.terminating
            && !matchesAnyTerm(pod.requiredAffinity, p.info)) {
          lower.add(p.info);
        }
      }
      if (lower.isEmpty() || !fitsLocally(node, pod, lower) || !fitsAcrossPods(c, node, null)) {
        continue;
      }
      // Reprieve the most important pods first: keep each one if the pod still fits.
      lower.sort(
          Comparator.comparingInt((PodInfo p) -> -p.priority)
              .thenComparingLong(p -> p.creationNanos));
      List<PodInfo> removed = new ArrayList<>(lower);
      List<PodInfo> victims = new ArrayList<>();
      for (PodInfo p : lower) {
        removed.remove(p);
        if (!fitsLocally(node, pod, removed)) {
          removed.add(p);
          victims.add(p);
        }
      }
      long maxPriority = Long.MIN_VALUE;
      long sum = 0;
      for (PodInfo v : victims) {
        maxPriority = Math.max(maxPriority, v.priority);
        sum += v.priority;
      }
      long[] key = {maxPriority, victims.size(), sum};
      if (bestKey == null || compare(key, bestKey) < 0) {
        bestKey = key;
        best = new Preemption(node.name, victims);
      }
    }
    return best;
  }

  /** Every feasible node by name, in node order, without sampling (tests, diagnosis). */
  List<String> feasibleNodes(PodInfo pod, ClusterSnapshot snap) {
    Cycle c = new Cycle(pod, snap);
    List<String> out = new ArrayList<>();
    for (int i = 0; i < snap.nodeCount(); i++) {
      if (filter(c, snap.node(i), null) == FIT) {
        out.add(snap.node(i).name);
      }
    }
    return out;
  }

  /** The weighted total score of every feasible node, without sampling (tests). */
  Map<String, Long> scores(PodInfo pod, ClusterSnapshot snap) {
    Cycle c = new Cycle(pod, snap);
    int n = snap.nodeCount();
    ensureBuffers(n);
    int found = 0;
    for (int i = 0; i < n; i++) {
      if (filter(c, snap.node(i), null) == FIT) {
        feasible[found++] = i;
      }
    }
    score(c, found);
    Map<String, Long> out = new LinkedHashMap<>();
    for (int k = 0; k < found; k++) {
      out.put(snap.node(feasible[k]).name, totals[k]);
    }
    return out;
  }

  private void ensureBuffers(int n) {
    if (feasible.length < n) {
      feasible = new int[n];
      totals = new long[n];
      raw = new long[n];
    }
  }

  int numFeasibleNodesToFind(int nodes) {
    if (nodes < MIN_FEASIBLE_NODES) {
      return nodes;
    }
    int percent = config.percentageOfNodesToScore();
    if (percent == 0) {
      percent = Math.max(MIN_ADAPTIVE_PERCENTAGE, 50 - nodes / 125);
    }
    if (percent >= 100) {
      return nodes;
    }
    return Math.max(MIN_FEASIBLE_NODES, (int) ((long) nodes * percent / 100));
  }

  private static int compare(long[] a, long[] b) {
    for (int i = 0; i < a.length; i++) {
      int c = Long.compare(a[i], b[i]);
      if (c != 0) {
        return c;
      }
    }
    return 0;
  }

  // ------------------------------------------------------------------------------------------
  // Filters
  // ------------------------------------------------------------------------------------------

  private int filter(Cycle c, NodeInfo n, Diagnosis d) {
    PodInfo pod = c.pod;
    if (!n.ready && !toleratesNodeCondition(pod, NOT_READY_TAINT)) {
      return fail(d, NOT_READY, FAIL);
    }
    if (n.unschedulable && !toleratesNodeCondition(pod, UNSCHEDULABLE_TAINT)) {
      return fail(d, UNSCHEDULABLE, FAIL);
    }
    Taint untolerated = firstUntolerated(pod.tolerations, n.hardTaints);
    if (untolerated != null) {
      return fail(
          d,
          d == null
              ? null
              : "node(s) had untolerated taint {"
                  + untolerated.getKey()
                  + ": "
                  + untolerated.getValue()
                  + "}",
          FAIL);
    }
    if (!matchesNodeSelection(pod, n)) {
      return fail(d, NODE_AFFINITY, FAIL);
    }
    for (int port : pod.hostPorts) {
      if (n.usedPorts.containsKey(port)) {
        return fail(d, PORTS, FAIL_LOCAL);
      }
    }
    if (n.nominated.isEmpty()) {
      if (!fitsResources(n, pod, 0, 0, 0, null, d)) {
        return FAIL_LOCAL;
      }
    } else {
      Reserved r = reserved(n, pod);
      if (r.ports.length > 0) {
        for (int port : pod.hostPorts) {
          for (int q : r.ports) {
            if (q == port) {
              return fail(d, PORTS, FAIL_LOCAL);
            }
          }
        }
      }
      // Reserved room counts as taken: "freed" by a negative amount.
      if (!fitsResources(n, pod, -r.milliCpu, -r.memory, -r.pods, r.negatedExtra(), d)) {
        return FAIL_LOCAL;
      }
    }
    if (!fitsAcrossPods(c, n, d)) {
      return FAIL;
    }
    return FIT;
  }

  private static int fail(Diagnosis d, String reason, int code) {
    if (d != null) {
      d.add(reason);
    }
    return code;
  }

  /** Resource fit with {@code freed*} taken off the node's totals (for preemption). */
  private static boolean fitsResources(
      NodeInfo n,
      PodInfo pod,
      long freedCpu,
      long freedMemory,
      int freedPods,
      Map<String, Long> freedExtra,
      Diagnosis d) {
    boolean ok = true;
    if (n.pods.size() - freedPods + 1 > n.allocPods) {
      ok = false;
      if (d != null) {
        d.add(TOO_MANY_PODS);
      }
    }
    if (pod.milliCpu > 0 && n.reqMilliCpu - freedCpu + pod.milliCpu > n.allocMilliCpu) {
      ok = false;
      if (d != null) {
        d.add("Insufficient cpu");
      }
    }
    if (pod.memory > 0 && n.reqMemory - freedMemory + pod.memory > n.allocMemory) {
      ok = false;
      if (d != null) {
        d.add("Insufficient memory");
      }
    }
    for (int i = 0; i < pod.extraNames.length; i++) {
      String r = pod.extraNames[i];
      long used = n.reqExtra.getOrDefault(r, 0L);
      if (freedExtra != null) {
        used -= freedExtra.getOrDefault(r, 0L);
      }
      if (used + pod.extraAmounts[i] > n.allocExtra.getOrDefault(r, 0L)) {
        ok = false;
        if (d != null) {
          d.add("Insufficient " + r);
        }
      }
    }
    return ok;
  }

  /**
   * What nominated pods keep on a node against {@code pod}: the requests of those nominated there
   * with a priority at least {@code pod}'s (a more important pod may take their room, as in
   * Kubernetes; the pod never competes with its own nomination).
   */
  private static Reserved reserved(NodeInfo n, PodInfo pod) {
    Reserved r = new Reserved();
    List<Integer> ports = new ArrayList<>();
    for (PodInfo p : n.nominated) {
      if (p.priority < pod.priority || p.key.equals(pod.key)) {
        continue;
      }
      r.milliCpu += p.milliCpu;
      r.memory += p.memory;
      r.pods++;
      for (int i = 0; i < p.extraNames.length; i++) {
        r.extra.merge(p.extraNames[i], p.extraAmounts[i], Long::sum);
      }
      for (int q : p.hostPorts) {
        ports.add(q);
      }
    }
    r.ports = ports.stream().mapToInt(Integer::intValue).toArray();
    return r;
  }

  /** Requests kept on a node for nominated pods. */
  private static final class Reserved {
    long milliCpu;
    long memory;
    int pods;
    final Map<String, Long> extra = new HashMap<>();
    int[] ports;

    Map<String, Long> negatedExtra() {
      Map<String, Long> out = new HashMap<>();
      extra.forEach((k, v) -> out.put(k, -v));
      return out;
    }
  }

  /**
   * Whether the pod fits the node's resources and ports once {@code removed} are gone, keeping the
   * room of nominated pods it must not take.
   */
  private static boolean fitsLocally(NodeInfo n, PodInfo pod, List<PodInfo> removed) {
    long cpu = 0;
    long mem = 0;
    Map<String, Long> extra = new HashMap<>();
    int freedPods = removed.size();
    if (!n.nominated.isEmpty()) {
      Reserved r = reserved(n, pod);
      cpu -= r.milliCpu;
      mem -= r.memory;
      freedPods -= r.pods;
      r.extra.forEach((k, v) -> extra.merge(k, -v, Long::sum));
      for (int port : pod.hostPorts) {
        for (int q : r.ports) {
          if (q == port) {
            return false;
          }
        }
      }
    }
    for (PodInfo p : removed) {
      cpu += p.milliCpu;
      mem += p.memory;
      for (int i = 0; i < p.extraNames.length; i++) {
        extra.merge(p.extraNames[i], p.extraAmounts[i], Long::sum);
      }
    }
    for (int port : pod.hostPorts) {
      int users = n.usedPorts.getOrDefault(port, 0);
      for (PodInfo p : removed) {
        for (int q : p.hostPorts) {
          if (q == port) {
            users--;
          }
        }
      }
      if (users > 0) {
        return false;
      }
    }
    return fitsResources(n, pod, cpu, mem, freedPods, extra, null);
  }

  /** Spread (DoNotSchedule) and required pod affinity/anti-affinity, both directions. */
  private static boolean fitsAcrossPods(Cycle c, NodeInfo n, Diagnosis d) {
    for (int k = 0; k < c.hardSpread.length; k++) {
      SpreadState s = c.hardSpread[k];
      int dom = s.domains.of(n);
      if (dom < 0) {
        return fail(d, SPREAD_LABEL, FAIL) == FIT;
      }
      int self = s.constraint.selfMatch ? 1 : 0;
      if (s.counts[dom] + self - s.min > s.constraint.maxSkew) {
        return fail(d, SPREAD, FAIL) == FIT;
      }
    }
    for (int k = 0; k < c.existingAnti.size(); k++) {
      BlockedDomains b = c.existingAnti.get(k);
      int dom = b.domains.of(n);
      if (dom >= 0 && b.blocked[dom]) {
        return fail(d, EXISTING_ANTI_AFFINITY, FAIL) == FIT;
      }
    }
    for (BlockedDomains b : c.antiAffinity) {
      int dom = b.domains.of(n);
      if (dom >= 0 && b.blocked[dom]) {
        return fail(d, ANTI_AFFINITY, FAIL) == FIT;
      }
    }
    if (c.affinity.length > 0) {
      boolean podsExist = true;
      for (CountedDomains a : c.affinity) {
        int dom = a.domains.of(n);
        if (dom < 0) {
          return fail(d, AFFINITY, FAIL) == FIT;
        }
        if (a.counts[dom] <= 0) {
          podsExist = false;
        }
      }
      // The first pod of a group that wants to be near its own kind may go anywhere.
      if (!podsExist && !c.affinityBootstrap) {
        return fail(d, AFFINITY, FAIL) == FIT;
      }
    }
    return true;
  }

  private static boolean matchesNodeSelection(PodInfo pod, NodeInfo n) {
    for (int i = 0; i < pod.selectorKeys.length; i++) {
      if (!pod.selectorValues[i].equals(n.labels.get(pod.selectorKeys[i]))) {
        return false;
      }
    }
    return pod.requiredNodeTerms == null
        || NodeTermMatcher.anyMatches(pod.requiredNodeTerms, n.name, n.labels);
  }

  private static boolean matchesAnyTerm(AffinityTerm[] terms, PodInfo other) {
    for (AffinityTerm t : terms) {
      if (t.matches(other)) {
        return true;
      }
    }
    return false;
  }

  static Taint firstUntolerated(Toleration[] tolerations, Taint[] taints) {
    for (Taint t : taints) {
      if (!tolerated(tolerations, t)) {
        return t;
      }
    }
    return null;
  }

  private static boolean toleratesNodeCondition(PodInfo pod, String key) {
    Taint t =
        Taint.newBuilder().setKey(key).setEffect(TaintEffect.TAINT_EFFECT_NO_SCHEDULE).build();
    return tolerated(pod.tolerations, t);
  }

  static boolean tolerated(Toleration[] tolerations, Taint taint) {
    for (Toleration tol : tolerations) {
      if (tol.getEffect() != TaintEffect.TAINT_EFFECT_UNSPECIFIED
          && tol.getEffect() != taint.getEffect()) {
        continue;
      }
      if (!tol.getKey().isEmpty() && !tol.getKey().equals(taint.getKey())) {
        continue;
      }
      if (tol.getOperator() == TolerationOperator.TOLERATION_OPERATOR_EXISTS) {
        return true;
      }
      if (tol.getKey().equals(taint.getKey()) && tol.getValue().equals(taint.getValue())) {
        return true;
      }
    }
    return false;
  }

  // ------------------------------------------------------------------------------------------
  // Scores
  // ------------------------------------------------------------------------------------------

  private void score(Cycle c, int found) {
    PodInfo pod = c.pod;
    ClusterSnapshot snap = c.snap;
    java.util.Arrays.fill(totals, 0, found, 0);
    boolean spread = config.strategy() == SchedulerConfig.Strategy.SPREAD;
    for (int k = 0; k < found; k++) {
      NodeInfo n = snap.node(feasible[k]);
      long cpuReq = n.nonZeroMilliCpu + pod.nonZeroMilliCpu;
      long memReq = n.nonZeroMemory + pod.nonZeroMemory;
      long s =
          (resourceScore(cpuReq, n.allocMilliCpu, spread)
                  + resourceScore(memReq, n.allocMemory, spread))
              / 2;
      long total = s * config.resourceWeight();
      if (config.balancedAllocation()) {
        double fc = fraction(cpuReq, n.allocMilliCpu);
        double fm = fraction(memReq, n.allocMemory);
        long balanced = (long) ((1 - Math.abs(fc - fm) / 2) * 100);
        total += balanced * config.balancedWeight();
      }
      totals[k] = total;
    }
    if (pod.preferredNodeTerms.length > 0) {
      long max = 0;
      for (int k = 0; k < found; k++) {
        NodeInfo n = snap.node(feasible[k]);
        long s = 0;
        for (int t = 0; t < pod.preferredNodeTerms.length; t++) {
          if (pod.preferredNodeTerms[t].matches(n.name, n.labels)) {
            s += pod.preferredNodeWeights[t];
          }
        }
        raw[k] = s;
        max = Math.max(max, s);
      }
      for (int k = 0; k < found && max > 0; k++) {
        totals[k] += raw[k] * 100 / max * config.nodeAffinityWeight();
      }
    }
    scoreTaints(c, found);
    scorePodAffinity(c, found);
    scoreSpread(c, found);
  }

  private static long resourceScore(long requested, long allocatable, boolean spread) {
    if (allocatable <= 0) {
      return 0;
    }
    if (spread) {
      return requested > allocatable ? 0 : (allocatable - requested) * 100 / allocatable;
    }
    return Math.min(requested, allocatable) * 100 / allocatable;
  }

  private static double fraction(long requested, long allocatable) {
    return allocatable <= 0 ? 1 : Math.min(1.0, (double) requested / allocatable);
  }

  private void scoreTaints(Cycle c, int found) {
    long max = 0;
    for (int k = 0; k < found; k++) {
      NodeInfo n = c.snap.node(feasible[k]);
      long count = 0;
      for (Taint t : n.preferNoScheduleTaints) {
        if (!tolerated(c.pod.tolerations, t)) {
          count++;
        }
      }
      raw[k] = count;
      max = Math.max(max, count);
    }
    for (int k = 0; k < found; k++) {
      long s = max == 0 ? 100 : 100 - raw[k] * 100 / max;
      totals[k] += s * config.taintWeight();
    }
  }

  private void scorePodAffinity(Cycle c, int found) {
    PodInfo pod = c.pod;
    ClusterSnapshot snap = c.snap;
    Map<String, long[]> byKey = new LinkedHashMap<>();
    addPreferred(snap, byKey, pod.preferredAffinity, 1);
    addPreferred(snap, byKey, pod.preferredAntiAffinity, -1);
    // Symmetry: existing pods that prefer (or prefer to avoid) pods like this one.
    for (PlacedPod p : snap.podsWithAffinity()) {
      addSymmetric(snap, byKey, p.info.preferredAffinity, p, pod, 1);
      addSymmetric(snap, byKey, p.info.preferredAntiAffinity, p, pod, -1);
    }
    if (byKey.isEmpty()) {
      return;
    }
    List<Domains> domains = new ArrayList<>();
    List<long[]> sums = new ArrayList<>();
    for (Map.Entry<String, long[]> e : byKey.entrySet()) {
      domains.add(snap.domains(e.getKey()));
      sums.add(e.getValue());
    }
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    for (int k = 0; k < found; k++) {
      NodeInfo n = snap.node(feasible[k]);
      long s = 0;
      for (int j = 0; j < domains.size(); j++) {
        int dom = domains.get(j).of(n);
        if (dom >= 0) {
          s += sums.get(j)[dom];
        }
      }
      raw[k] = s;
      min = Math.min(min, s);
      max = Math.max(max, s);
    }
    if (max == min) {
      return;
    }
    for (int k = 0; k < found; k++) {
      totals[k] += (raw[k] - min) * 100 / (max - min) * config.podAffinityWeight();
    }
  }

  private static void addPreferred(
      ClusterSnapshot snap, Map<String, long[]> byKey, AffinityTerm[] terms, int sign) {
    for (AffinityTerm t : terms) {
      Domains d = snap.domains(t.topologyKey);
      int[] perNode = snap.matchingPerNode(t.namespaces, t.selector);
      long[] sums = null;
      for (int i = 0; i < perNode.length; i++) {
        int dom = d.domainOfNode[i];
        if (perNode[i] > 0 && dom >= 0) {
          if (sums == null) {
            sums = byKey.computeIfAbsent(t.topologyKey, k -> new long[d.count]);
          }
          sums[dom] += (long) sign * t.weight * perNode[i];
        }
      }
    }
  }

  private static void addSymmetric(
      ClusterSnapshot snap,
      Map<String, long[]> byKey,
      AffinityTerm[] terms,
      PlacedPod existing,
      PodInfo incoming,
      int sign) {
    for (AffinityTerm t : terms) {
      if (t.matches(incoming)) {
        Domains d = snap.domains(t.topologyKey);
        int dom = d.of(existing.node);
        if (dom >= 0) {
          byKey.computeIfAbsent(t.topologyKey, k -> new long[d.count])[dom] += sign * t.weight;
        }
      }
    }
  }

  private void scoreSpread(Cycle c, int found) {
    PodInfo pod = c.pod;
    if (pod.softSpread.length == 0) {
      return;
    }
    ClusterSnapshot snap = c.snap;
    int m = pod.softSpread.length;
    Domains[] domains = new Domains[m];
    long[][] counts = new long[m][];
    double[] weights = new double[m];
    boolean[] eligible = eligibleNodes(pod, snap, pod.softSpread);
    for (int j = 0; j < m; j++) {
      domains[j] = snap.domains(pod.softSpread[j].topologyKey);
      counts[j] = new long[domains[j].count];
      weights[j] = Math.log(domains[j].count + 2);
    }
    for (int j = 0; j < m; j++) {
      SpreadConstraint sc = pod.softSpread[j];
      int[] perNode = snap.matchingPerNode(sc.namespaces, sc.selector);
      for (int i = 0; i < perNode.length; i++) {
        if (eligible[i]) {
          counts[j][domains[j].domainOfNode[i]] += perNode[i];
        }
      }
    }
    double[] sums = new double[found];
    boolean[] ignored = new boolean[found];
    double max = 0;
    double min = Double.MAX_VALUE;
    for (int k = 0; k < found; k++) {
      NodeInfo n = snap.node(feasible[k]);
      double s = 0;
      for (int j = 0; j < m; j++) {
        int dom = domains[j].of(n);
        if (dom < 0) {
          ignored[k] = true;
          break;
        }
        s += counts[j][dom] * weights[j];
      }
      sums[k] = s;
      if (!ignored[k]) {
        max = Math.max(max, s);
        min = Math.min(min, s);
      }
    }
    for (int k = 0; k < found; k++) {
      long score;
      if (ignored[k]) {
        score = 0;
      } else if (max == 0) {
        score = 100;
      } else {
        score = (long) (100 * (max + min - sums[k]) / max);
      }
      totals[k] += score * config.spreadWeight();
    }
  }

  /** Nodes that pass the pod's node selection and carry every constraint's topology key. */
  private static boolean[] eligibleNodes(
      PodInfo pod, ClusterSnapshot snap, SpreadConstraint[] constraints) {
    int n = snap.nodeCount();
    boolean selects = pod.selectorKeys.length > 0 || pod.requiredNodeTerms != null;
    Domains[] domains = new Domains[constraints.length];
    for (int j = 0; j < constraints.length; j++) {
      domains[j] = snap.domains(constraints[j].topologyKey);
    }
    boolean[] eligible = new boolean[n];
    for (int i = 0; i < n; i++) {
      boolean ok = true;
      for (int j = 0; ok && j < domains.length; j++) {
        ok = domains[j].domainOfNode[i] >= 0;
      }
      eligible[i] = ok && (!selects || matchesNodeSelection(pod, snap.node(i)));
    }
    return eligible;
  }

  // ------------------------------------------------------------------------------------------
  // Per-pod state
  // ------------------------------------------------------------------------------------------

  /** Cluster-wide facts about one pod, computed once before its nodes are filtered. */
  private static final class Cycle {
    final PodInfo pod;
    final ClusterSnapshot snap;
    final SpreadState[] hardSpread;
    final BlockedDomains[] antiAffinity;
    final List<BlockedDomains> existingAnti;
    final CountedDomains[] affinity;
    final boolean affinityBootstrap;

    Cycle(PodInfo pod, ClusterSnapshot snap) {
      this.pod = pod;
      this.snap = snap;
      this.hardSpread = spreadState(pod, snap);
      this.antiAffinity = new BlockedDomains[pod.requiredAntiAffinity.length];
      this.affinity = new CountedDomains[pod.requiredAffinity.length];
      for (int t = 0; t < antiAffinity.length; t++) {
        AffinityTerm term = pod.requiredAntiAffinity[t];
        Domains d = snap.domains(term.topologyKey);
        boolean[] blocked = new boolean[d.count];
        int[] perNode = snap.matchingPerNode(term.namespaces, term.selector);
        for (int i = 0; i < perNode.length; i++) {
          if (perNode[i] > 0 && d.domainOfNode[i] >= 0) {
            blocked[d.domainOfNode[i]] = true;
          }
        }
        antiAffinity[t] = new BlockedDomains(d, blocked);
      }
      boolean anyAffinityMatch = false;
      for (int t = 0; t < affinity.length; t++) {
        AffinityTerm term = pod.requiredAffinity[t];
        Domains d = snap.domains(term.topologyKey);
        int[] counts = new int[d.count];
        int[] perNode = snap.matchingPerNode(term.namespaces, term.selector);
        for (int i = 0; i < perNode.length; i++) {
          if (perNode[i] > 0 && d.domainOfNode[i] >= 0) {
            counts[d.domainOfNode[i]] += perNode[i];
            anyAffinityMatch = true;
          }
        }
        affinity[t] = new CountedDomains(d, counts);
      }
      this.affinityBootstrap = affinity.length > 0 && !anyAffinityMatch && matchesAllOwnTerms(pod);
      Map<String, BlockedDomains> existing = new HashMap<>();
      for (Map.Entry<TermKey, int[]> e : snap.requiredAntiAffinityTerms().entrySet()) {
        TermKey k = e.getKey();
        if (!k.matches(pod)) {
          continue;
        }
        Domains d = snap.domains(k.topologyKey());
        BlockedDomains b =
            existing.computeIfAbsent(
                k.topologyKey(), x -> new BlockedDomains(d, new boolean[d.count]));
        int[] perNode = e.getValue();
        for (int i = 0; i < perNode.length; i++) {
          if (perNode[i] > 0 && d.domainOfNode[i] >= 0) {
            b.blocked[d.domainOfNode[i]] = true;
          }
        }
      }
      this.existingAnti = new ArrayList<>(existing.values());
    }

    private static boolean matchesAllOwnTerms(PodInfo pod) {
      for (AffinityTerm t : pod.requiredAffinity) {
        if (!t.matches(pod)) {
          return false;
        }
      }
      return true;
    }

    private static SpreadState[] spreadState(PodInfo pod, ClusterSnapshot snap) {
      int m = pod.hardSpread.length;
      SpreadState[] out = new SpreadState[m];
      if (m == 0) {
        return out;
      }
      boolean[] eligible = eligibleNodes(pod, snap, pod.hardSpread);
      for (int j = 0; j < m; j++) {
        Domains d = snap.domains(pod.hardSpread[j].topologyKey);
        out[j] = new SpreadState(pod.hardSpread[j], d, new int[d.count]);
      }
      for (int j = 0; j < m; j++) {
        SpreadConstraint sc = pod.hardSpread[j];
        int[] perNode = snap.matchingPerNode(sc.namespaces, sc.selector);
        for (int i = 0; i < perNode.length; i++) {
          if (eligible[i]) {
            out[j].counts[out[j].domains.domainOfNode[i]] += perNode[i];
          }
        }
      }
      for (int j = 0; j < m; j++) {
        boolean[] present = new boolean[out[j].domains.count];
        for (int i = 0; i < eligible.length; i++) {
          if (eligible[i]) {
            present[out[j].domains.domainOfNode[i]] = true;
          }
        }
        int min = Integer.MAX_VALUE;
        for (int dom = 0; dom < present.length; dom++) {
          if (present[dom]) {
            min = Math.min(min, out[j].counts[dom]);
          }
        }
        out[j].min = min == Integer.MAX_VALUE ? 0 : min;
      }
      return out;
    }
  }

  /** Counts of matching pods per domain for one DoNotSchedule constraint. */
  private static final class SpreadState {
    final SpreadConstraint constraint;
    final Domains domains;
    final int[] counts;
    int min;

    SpreadState(SpreadConstraint constraint, Domains domains, int[] counts) {
      this.constraint = constraint;
      this.domains = domains;
      this.counts = counts;
    }
  }

  /** Domains a pod must not go to. */
  private record BlockedDomains(Domains domains, boolean[] blocked) {}

  /** Matching pods per domain for one required affinity term. */
  private record CountedDomains(Domains domains, int[] counts) {}

  /** Why each node failed, counted per reason (only built when no node fits). */
  private static final class Diagnosis {
    final Map<String, Integer> counts = new HashMap<>();

    void add(String reason) {
      counts.merge(reason, 1, Integer::sum);
    }
  }
}
