package dev.drover.master.scheduler;

import static dev.drover.api.v1.TaintEffect.TAINT_EFFECT_NO_EXECUTE;
import static dev.drover.api.v1.TaintEffect.TAINT_EFFECT_NO_SCHEDULE;
import static dev.drover.master.scheduler.Fixtures.HOSTNAME;
import static dev.drover.master.scheduler.Fixtures.ZONE;
import static dev.drover.master.scheduler.Fixtures.node;
import static dev.drover.master.scheduler.Fixtures.pod;
import static dev.drover.master.scheduler.Fixtures.podTerm;
import static dev.drover.master.scheduler.Fixtures.req;
import static dev.drover.master.scheduler.Fixtures.term;
import static dev.drover.master.scheduler.Fixtures.tolerateEqual;
import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.api.v1.Node;
import dev.drover.api.v1.NodeSelectorOperator;
import dev.drover.api.v1.NodeSelectorRequirement;
import dev.drover.api.v1.NodeSelectorTerm;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodAffinityTerm;
import dev.drover.api.v1.Protocol;
import dev.drover.api.v1.Taint;
import dev.drover.api.v1.Toleration;
import dev.drover.api.v1.TopologySpreadConstraint;
import dev.drover.master.scheduler.framework.ClusterSnapshot;
import dev.drover.master.scheduler.framework.PodInfo;
import dev.drover.master.scheduler.framework.Quantities;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Property: for random clusters and random sequences of pod arrivals and deletions, the algorithm
 * never overcommits a node on CPU, memory or pod count, and every pod it places satisfies every
 * required rule (readiness, cordon, node selector, required node affinity with In, NotIn, Exists
 * and DoesNotExist, taints, host ports, required pod affinity and anti-affinity in both directions,
 * DoNotSchedule spread). A naive reference implementation of the same rules, written independently
 * below, checks each placement and also that no pod is reported unschedulable while some node would
 * take it.
 */
class PlacementPropertyTest {

  private static final String[] APPS = {"web", "db", "cache"};

  @Property(tries = 100)
  void placementsNeverOvercommitAndHonourEveryRequiredRule(
      @ForAll @IntRange(min = 1, max = 8) int nodeCount,
      @ForAll @IntRange(min = 1, max = 40) int podCount,
      @ForAll long seed) {
    Random rnd = new Random(seed);
    List<Node> nodes = new ArrayList<>();
    for (int i = 0; i < nodeCount; i++) {
      nodes.add(randomNode("n" + i, rnd));
    }
    ClusterSnapshot snap = Fixtures.snapshot(nodes, List.of());
    Map<String, Node> nodesByName = new LinkedHashMap<>();
    nodes.forEach(n -> nodesByName.put(n.getMetadata().getName(), n));
    PlacementAlgorithm algo =
        new PlacementAlgorithm(
            rnd.nextBoolean()
                ? SchedulerConfig.defaults(seed)
                : SchedulerConfig.defaults(seed).withStrategy(SchedulerConfig.Strategy.BIN_PACK));
    /** Placed pods by key, with their node. */
    Map<String, Placed> placed = new LinkedHashMap<>();

    for (int i = 0; i < podCount; i++) {
      if (!placed.isEmpty() && rnd.nextInt(6) == 0) {
        List<String> keys = new ArrayList<>(placed.keySet());
        String victim = keys.get(rnd.nextInt(keys.size()));
        placed.remove(victim);
        snap.removePod(victim);
      }
      Pod p = randomPod("p" + i, rnd);
      PodInfo info = PodInfo.of(p);
      Set<String> expected = new HashSet<>();
      for (Node n : nodes) {
        if (referenceFits(p, n, nodesByName, placed)) {
          expected.add(n.getMetadata().getName());
        }
      }
      ScheduleResult r = algo.schedule(info, snap);
      if (r.scheduled()) {
        assertThat(expected).as("pod %s placed on %s", p, r.nodeName()).contains(r.nodeName());
        snap.assume(info, r.nodeName());
        placed.put(info.key(), new Placed(p, r.nodeName()));
      } else {
        assertThat(expected).as("pod %s reported unschedulable", p).isEmpty();
        int failures = r.fitError().reasons().values().stream().mapToInt(Integer::intValue).sum();
        assertThat(r.fitError().nodeCount()).isEqualTo(nodeCount);
        assertThat(failures).isGreaterThanOrEqualTo(nodeCount);
      }
      assertNoOvercommit(nodes, placed, snap);
      assertAntiAffinityHoldsPairwise(nodesByName, placed);
    }
  }

  private record Placed(Pod pod, String node) {}

  private static Node randomNode(String name, Random rnd) {
    Fixtures.NodeBuilder b =
        node(name)
            .cpu((1 + rnd.nextInt(4)) + "")
            .memory((1 + rnd.nextInt(4)) + "Gi")
            .pods(2 + rnd.nextInt(6));
    if (rnd.nextInt(10) != 0) {
      b.zone(String.valueOf((char) ('a' + rnd.nextInt(3))));
    }
    if (rnd.nextBoolean()) {
      b.label("disk", "ssd");
    }
    switch (rnd.nextInt(6)) {
      case 0:
        b.taint("dedicated", "x", TAINT_EFFECT_NO_SCHEDULE);
        break;
      case 1:
        b.taint("dedicated", "x", TAINT_EFFECT_NO_EXECUTE);
        break;
      default:
        break;
    }
    if (rnd.nextInt(10) == 0) {
      b.unschedulable();
    }
    if (rnd.nextInt(10) == 0) {
      b.notReady();
    }
    return b.build();
  }

  private static Pod randomPod(String name, Random rnd) {
    String app = APPS[rnd.nextInt(APPS.length)];
    Fixtures.PodBuilder b = pod(name).label("app", app);
    if (rnd.nextInt(4) != 0) {
      b.cpu((100 * rnd.nextInt(16)) + "m");
    }
    if (rnd.nextInt(4) != 0) {
      b.memory((64 * rnd.nextInt(17)) + "Mi");
    }
    if (rnd.nextInt(5) == 0) {
      b.hostPort(rnd.nextBoolean() ? 80 : 443, Protocol.PROTOCOL_TCP);
    }
    if (rnd.nextInt(4) == 0) {
      b.nodeSelector("disk", "ssd");
    }
    if (rnd.nextInt(5) == 0) {
      b.requiredNodeAffinity(randomNodeTerms(rnd));
    }
    if (rnd.nextInt(3) == 0) {
      b.toleration(
          tolerateEqual(
              "dedicated",
              "x",
              rnd.nextBoolean() ? TAINT_EFFECT_NO_SCHEDULE : TAINT_EFFECT_NO_EXECUTE));
    }
    if (rnd.nextInt(5) == 0) {
      b.requiredAntiAffinity(podTerm(rnd.nextBoolean() ? HOSTNAME : ZONE, "app", app));
    }
    if (rnd.nextInt(8) == 0) {
      b.requiredAffinity(podTerm(ZONE, "app", APPS[rnd.nextInt(APPS.length)]));
    }
    if (rnd.nextInt(5) == 0) {
      b.spread(1 + rnd.nextInt(2), ZONE, true, "app", app);
    }
    if (rnd.nextInt(5) == 0) {
      b.preferredAntiAffinity(50, podTerm(HOSTNAME, "app", app));
    }
    return b.build();
  }

  /** One or two ORed terms of one or two ANDed requirements on the zone or disk label. */
  private static NodeSelectorTerm[] randomNodeTerms(Random rnd) {
    NodeSelectorOperator[] ops = {
      NodeSelectorOperator.NODE_SELECTOR_OPERATOR_IN,
      NodeSelectorOperator.NODE_SELECTOR_OPERATOR_NOT_IN,
      NodeSelectorOperator.NODE_SELECTOR_OPERATOR_EXISTS,
      NodeSelectorOperator.NODE_SELECTOR_OPERATOR_DOES_NOT_EXIST
    };
    NodeSelectorTerm[] terms = new NodeSelectorTerm[1 + rnd.nextInt(2)];
    for (int t = 0; t < terms.length; t++) {
      NodeSelectorRequirement[] reqs = new NodeSelectorRequirement[1 + rnd.nextInt(2)];
      for (int r = 0; r < reqs.length; r++) {
        NodeSelectorOperator op = ops[rnd.nextInt(ops.length)];
        boolean zone = rnd.nextBoolean();
        boolean withValues =
            op == NodeSelectorOperator.NODE_SELECTOR_OPERATOR_IN
                || op == NodeSelectorOperator.NODE_SELECTOR_OPERATOR_NOT_IN;
        String[] values =
            !withValues
                ? new String[0]
                : zone
                    ? new String[] {String.valueOf((char) ('a' + rnd.nextInt(3)))}
                    : new String[] {"ssd"};
        reqs[r] = req(zone ? ZONE : "disk", op, values);
      }
      terms[t] = term(reqs);
    }
    return terms;
  }

  /** Kubernetes' node selector terms, naively: any term whose requirements all hold. */
  private static boolean referenceNodeAffinity(Pod p, Map<String, String> labels) {
    if (!p.getSpec()
        .getAffinity()
        .getNodeAffinity()
        .hasRequiredDuringSchedulingIgnoredDuringExecution()) {
      return true;
    }
    for (NodeSelectorTerm t :
        p.getSpec()
            .getAffinity()
            .getNodeAffinity()
            .getRequiredDuringSchedulingIgnoredDuringExecution()
            .getNodeSelectorTermsList()) {
      boolean all = true;
      for (NodeSelectorRequirement r : t.getMatchExpressionsList()) {
        String v = labels.get(r.getKey());
        switch (r.getOperator()) {
          case NODE_SELECTOR_OPERATOR_IN -> all &= v != null && r.getValuesList().contains(v);
          case NODE_SELECTOR_OPERATOR_NOT_IN -> all &= v == null || !r.getValuesList().contains(v);
          case NODE_SELECTOR_OPERATOR_EXISTS -> all &= v != null;
          case NODE_SELECTOR_OPERATOR_DOES_NOT_EXIST -> all &= v == null;
          default -> throw new IllegalStateException("not generated: " + r.getOperator());
        }
      }
      if (all) {
        return true;
      }
    }
    return false;
  }

  // ------------------------------------------------------------------------------------------
  // Reference rules, deliberately naive and independent of the algorithm's data structures.
  // ------------------------------------------------------------------------------------------

  private static boolean referenceFits(
      Pod p, Node n, Map<String, Node> nodes, Map<String, Placed> placed) {
    String name = n.getMetadata().getName();
    boolean ready =
        n.getStatus().getConditionsList().stream()
            .anyMatch(
                c ->
                    c.getType().equals("Ready")
                        && c.getStatus()
                            == dev.drover.api.v1.ConditionStatus.CONDITION_STATUS_TRUE);
    if (!ready || n.getSpec().getUnschedulable()) {
      return false;
    }
    for (Taint t : n.getSpec().getTaintsList()) {
      boolean ok = false;
      for (Toleration tol : p.getSpec().getTolerationsList()) {
        ok |=
            tol.getKey().equals(t.getKey())
                && tol.getValue().equals(t.getValue())
                && tol.getEffect() == t.getEffect();
      }
      if (!ok) {
        return false;
      }
    }
    Map<String, String> labels = n.getMetadata().getLabelsMap();
    for (Map.Entry<String, String> e : p.getSpec().getNodeSelectorMap().entrySet()) {
      if (!e.getValue().equals(labels.get(e.getKey()))) {
        return false;
      }
    }
    if (!referenceNodeAffinity(p, labels)) {
      return false;
    }
    List<Pod> here = new ArrayList<>();
    for (Placed pl : placed.values()) {
      if (pl.node.equals(name)) {
        here.add(pl.pod);
      }
    }
    Set<Integer> ports = new HashSet<>();
    here.forEach(q -> ports.addAll(hostPorts(q)));
    for (int port : hostPorts(p)) {
      if (ports.contains(port)) {
        return false;
      }
    }
    long cpu = milliCpu(p);
    long mem = memory(p);
    for (Pod q : here) {
      cpu += milliCpu(q);
      mem += memory(q);
    }
    long allocCpu = Quantities.milli("t", n.getStatus().getAllocatableOrThrow("cpu"));
    long allocMem = Quantities.units("t", n.getStatus().getAllocatableOrThrow("memory"));
    long allocPods = Long.parseLong(n.getStatus().getAllocatableOrThrow("pods"));
    if ((milliCpu(p) > 0 && cpu > allocCpu)
        || (memory(p) > 0 && mem > allocMem)
        || here.size() + 1 > allocPods) {
      return false;
    }
    for (TopologySpreadConstraint c : p.getSpec().getTopologySpreadConstraintsList()) {
      if (!spreadOk(p, c, n, nodes, placed)) {
        return false;
      }
    }
    for (PodAffinityTerm t :
        p.getSpec()
            .getAffinity()
            .getPodAntiAffinity()
            .getRequiredDuringSchedulingIgnoredDuringExecutionList()) {
      for (Placed pl : placed.values()) {
        if (sameDomain(t.getTopologyKey(), n, nodes.get(pl.node)) && termMatches(t, p, pl.pod)) {
          return false;
        }
      }
    }
    for (Placed pl : placed.values()) {
      for (PodAffinityTerm t :
          pl.pod
              .getSpec()
              .getAffinity()
              .getPodAntiAffinity()
              .getRequiredDuringSchedulingIgnoredDuringExecutionList()) {
        if (sameDomain(t.getTopologyKey(), n, nodes.get(pl.node)) && termMatches(t, pl.pod, p)) {
          return false;
        }
      }
    }
    for (PodAffinityTerm t :
        p.getSpec()
            .getAffinity()
            .getPodAffinity()
            .getRequiredDuringSchedulingIgnoredDuringExecutionList()) {
      if (!labels.containsKey(t.getTopologyKey())) {
        return false;
      }
      boolean near = false;
      boolean anywhere = false;
      for (Placed pl : placed.values()) {
        Node other = nodes.get(pl.node);
        if (termMatches(t, p, pl.pod)
            && other.getMetadata().getLabelsMap().containsKey(t.getTopologyKey())) {
          anywhere = true;
          near |= sameDomain(t.getTopologyKey(), n, other);
        }
      }
      if (!near && (anywhere || !termMatches(t, p, p))) {
        return false;
      }
    }
    return true;
  }

  private static boolean spreadOk(
      Pod p,
      TopologySpreadConstraint c,
      Node n,
      Map<String, Node> nodes,
      Map<String, Placed> placed) {
    String key = c.getTopologyKey();
    if (!n.getMetadata().getLabelsMap().containsKey(key)) {
      return false;
    }
    Map<String, Integer> counts = new HashMap<>();
    for (Node e : nodes.values()) {
      Map<String, String> l = e.getMetadata().getLabelsMap();
      // Kubernetes' default nodeAffinityPolicy Honor: only nodes the pod may go to count.
      boolean eligible = l.containsKey(key) && referenceNodeAffinity(p, l);
      for (Map.Entry<String, String> s : p.getSpec().getNodeSelectorMap().entrySet()) {
        eligible &= s.getValue().equals(l.get(s.getKey()));
      }
      if (eligible) {
        counts.putIfAbsent(l.get(key), 0);
      }
    }
    for (Placed pl : placed.values()) {
      String domain = nodes.get(pl.node).getMetadata().getLabelsMap().get(key);
      Node host = nodes.get(pl.node);
      boolean eligible =
          domain != null && referenceNodeAffinity(p, host.getMetadata().getLabelsMap());
      for (Map.Entry<String, String> s : p.getSpec().getNodeSelectorMap().entrySet()) {
        eligible &= s.getValue().equals(host.getMetadata().getLabelsMap().get(s.getKey()));
      }
      if (eligible && selectorMatches(c.getLabelSelector().getMatchLabelsMap(), pl.pod)) {
        counts.merge(domain, 1, Integer::sum);
      }
    }
    int min = counts.values().stream().mapToInt(Integer::intValue).min().orElse(0);
    int self = selectorMatches(c.getLabelSelector().getMatchLabelsMap(), p) ? 1 : 0;
    int mine = counts.getOrDefault(n.getMetadata().getLabelsMap().get(key), 0);
    return mine + self - min <= c.getMaxSkew();
  }

  private static boolean sameDomain(String key, Node a, Node b) {
    String va = a.getMetadata().getLabelsMap().get(key);
    return va != null && va.equals(b.getMetadata().getLabelsMap().get(key));
  }

  private static boolean termMatches(PodAffinityTerm t, Pod owner, Pod other) {
    return owner.getMetadata().getNamespace().equals(other.getMetadata().getNamespace())
        && selectorMatches(t.getLabelSelector().getMatchLabelsMap(), other);
  }

  private static boolean selectorMatches(Map<String, String> selector, Pod pod) {
    Map<String, String> labels = pod.getMetadata().getLabelsMap();
    return selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
  }

  private static List<Integer> hostPorts(Pod p) {
    List<Integer> out = new ArrayList<>();
    p.getSpec()
        .getContainersList()
        .forEach(
            c ->
                c.getPortsList()
                    .forEach(
                        port -> {
                          if (port.getHostPort() != 0) {
                            out.add(port.getHostPort());
                          }
                        }));
    return out;
  }

  private static long milliCpu(Pod p) {
    return p.getSpec().getContainersList().stream()
        .mapToLong(c -> Quantities.milli("t", c.getResources().getRequestsOrDefault("cpu", "0")))
        .sum();
  }

  private static long memory(Pod p) {
    return p.getSpec().getContainersList().stream()
        .mapToLong(c -> Quantities.units("t", c.getResources().getRequestsOrDefault("memory", "0")))
        .sum();
  }

  // ------------------------------------------------------------------------------------------
  // Invariants over the whole cluster
  // ------------------------------------------------------------------------------------------

  private static void assertNoOvercommit(
      List<Node> nodes, Map<String, Placed> placed, ClusterSnapshot snap) {
    for (Node n : nodes) {
      String name = n.getMetadata().getName();
      long cpu = 0;
      long mem = 0;
      int count = 0;
      Set<Integer> ports = new HashSet<>();
      for (Placed pl : placed.values()) {
        if (pl.node.equals(name)) {
          cpu += milliCpu(pl.pod);
          mem += memory(pl.pod);
          count++;
          for (int port : hostPorts(pl.pod)) {
            assertThat(ports.add(port)).as("host port %d twice on %s", port, name).isTrue();
          }
        }
      }
      assertThat(cpu)
          .isLessThanOrEqualTo(Quantities.milli("t", n.getStatus().getAllocatableOrThrow("cpu")));
      assertThat(mem)
          .isLessThanOrEqualTo(
              Quantities.units("t", n.getStatus().getAllocatableOrThrow("memory")));
      assertThat((long) count)
          .isLessThanOrEqualTo(Long.parseLong(n.getStatus().getAllocatableOrThrow("pods")));
      // The snapshot's incremental totals agree with a recount.
      assertThat(snap.node(name).requestedMilliCpu()).isEqualTo(cpu);
      assertThat(snap.node(name).requestedMemory()).isEqualTo(mem);
      assertThat(snap.node(name).pods()).hasSize(count);
    }
  }

  private static void assertAntiAffinityHoldsPairwise(
      Map<String, Node> nodes, Map<String, Placed> placed) {
    for (Placed a : placed.values()) {
      for (PodAffinityTerm t :
          a.pod
              .getSpec()
              .getAffinity()
              .getPodAntiAffinity()
              .getRequiredDuringSchedulingIgnoredDuringExecutionList()) {
        for (Placed b : placed.values()) {
          if (a != b && sameDomain(t.getTopologyKey(), nodes.get(a.node), nodes.get(b.node))) {
            assertThat(termMatches(t, a.pod, b.pod))
                .as(
                    "%s repels %s in the same %s",
                    a.pod.getMetadata().getName(),
                    b.pod.getMetadata().getName(),
                    t.getTopologyKey())
                .isFalse();
          }
        }
      }
    }
  }
}
