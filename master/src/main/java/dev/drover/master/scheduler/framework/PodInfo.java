package dev.drover.master.scheduler.framework;

import dev.drover.api.LabelMatcher;
import dev.drover.api.LabelSelectors;
import dev.drover.api.NodeAffinity;
import dev.drover.api.NodeTermMatcher;
import dev.drover.api.v1.Affinity;
import dev.drover.api.v1.Container;
import dev.drover.api.v1.ContainerPort;
import dev.drover.api.v1.LabelSelector;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodAffinityTerm;
import dev.drover.api.v1.PodSpec;
import dev.drover.api.v1.PreferredSchedulingTerm;
import dev.drover.api.v1.Protocol;
import dev.drover.api.v1.Toleration;
import dev.drover.api.v1.TopologySpreadConstraint;
import dev.drover.api.v1.UnsatisfiableConstraintAction;
import dev.drover.api.v1.WeightedPodAffinityTerm;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything the scheduler needs to know about one pod, computed once from the Pod object:
 * effective resource requests, host ports, compiled selectors and affinity terms, tolerations and
 * spread constraints. Immutable.
 *
 * <p>Requests follow Kubernetes: a container's request defaults to its limit when only the limit is
 * set; the pod requests the sum over its containers, or the largest init container's request when
 * that is more (init containers run one at a time, before the others).
 *
 * <p>The fields are public and final for the filter and score plugins, which read them for every
 * node of every cycle; the arrays are shared and must not be modified.
 */
public final class PodInfo {

  /** CPU assumed for scoring when a pod requests none (as kube-scheduler's non-zero request). */
  static final long DEFAULT_SCORE_MILLI_CPU = 100;

  /** Memory assumed for scoring when a pod requests none. */
  static final long DEFAULT_SCORE_MEMORY = 200L * 1024 * 1024;

  public final Pod pod;
  public final String key;
  public final String namespace;
  public final String name;
  public final String uid;
  public final Map<String, String> labels;
  public final int priority;
  public final String nodeName;
  public final boolean terminating;
  public final long creationNanos;

  public final long milliCpu;
  public final long memory;
  public final long nonZeroMilliCpu;
  public final long nonZeroMemory;

  /** Other resources by name (e.g. "ephemeral-storage", "example.com/gpu") in whole units. */
  public final String[] extraNames;

  public final long[] extraAmounts;

  /** Host ports as (protocol << 16 | port). */
  public final int[] hostPorts;

  /** Node selector and required node affinity. */
  public final NodeAffinity nodeAffinity;

  public final NodeTermMatcher[] preferredNodeTerms;
  public final int[] preferredNodeWeights;
  public final List<Toleration> tolerations;

  public final AffinityTerm[] requiredAffinity;
  public final AffinityTerm[] requiredAntiAffinity;
  public final AffinityTerm[] preferredAffinity;
  public final AffinityTerm[] preferredAntiAffinity;

  public final SpreadConstraint[] hardSpread;
  public final SpreadConstraint[] softSpread;

  private PodInfo(Pod pod) {
    this.pod = pod;
    PodSpec spec = pod.getSpec();
    this.namespace = pod.getMetadata().getNamespace();
    this.name = pod.getMetadata().getName();
    this.key = key(namespace, name);
    this.uid = pod.getMetadata().getUid();
    this.labels = pod.getMetadata().getLabelsMap();
    this.priority = spec.hasPriority() ? spec.getPriority() : 0;
    this.nodeName = spec.getNodeName();
    this.terminating = pod.getMetadata().hasDeletionTime();
    this.creationNanos =
        pod.getMetadata().getCreationTime().getSeconds() * 1_000_000_000L
            + pod.getMetadata().getCreationTime().getNanos();

    Map<String, Long> requests = new LinkedHashMap<>();
    List<Container> containers = spec.getContainersList();
    for (int i = 0; i < containers.size(); i++) {
      addRequests(requests, containers.get(i), "spec.containers[" + i + "]", false);
    }
    List<Container> inits = spec.getInitContainersList();
    for (int i = 0; i < inits.size(); i++) {
      addRequests(requests, inits.get(i), "spec.init_containers[" + i + "]", true);
    }
    this.milliCpu = requests.getOrDefault("cpu", 0L);
    this.memory = requests.getOrDefault("memory", 0L);
    this.nonZeroMilliCpu = milliCpu == 0 ? DEFAULT_SCORE_MILLI_CPU : milliCpu;
    this.nonZeroMemory = memory == 0 ? DEFAULT_SCORE_MEMORY : memory;
    requests.remove("cpu");
    requests.remove("memory");
    requests.values().removeIf(v -> v == 0);
    this.extraNames = requests.keySet().toArray(new String[0]);
    this.extraAmounts = new long[extraNames.length];
    for (int i = 0; i < extraNames.length; i++) {
      extraAmounts[i] = requests.get(extraNames[i]);
    }

    List<Integer> ports = new ArrayList<>();
    for (int i = 0; i < containers.size(); i++) {
      List<ContainerPort> cps = containers.get(i).getPortsList();
      for (int j = 0; j < cps.size(); j++) {
        ContainerPort p = cps.get(j);
        if (p.getHostPort() == 0) {
          continue;
        }
        if (p.getHostPort() < 0 || p.getHostPort() > 65535) {
          throw new IllegalArgumentException(
              "spec.containers["
                  + i
                  + "].ports["
                  + j
                  + "].host_port: "
                  + p.getHostPort()
                  + " is not in 1..65535");
        }
        ports.add(hostPortKey(p.getProtocol(), p.getHostPort()));
      }
    }
    this.hostPorts = ports.stream().mapToInt(Integer::intValue).toArray();

    this.nodeAffinity = NodeAffinity.compile(spec);
    Affinity affinity = spec.getAffinity();
    String na = "spec.affinity.node_affinity";
    List<PreferredSchedulingTerm> preferred =
        affinity.getNodeAffinity().getPreferredDuringSchedulingIgnoredDuringExecutionList();
    this.preferredNodeTerms = new NodeTermMatcher[preferred.size()];
    this.preferredNodeWeights = new int[preferred.size()];
    for (int i = 0; i < preferred.size(); i++) {
      String where = na + ".preferred_during_scheduling_ignored_during_execution[" + i + "]";
      preferredNodeTerms[i] =
          NodeTermMatcher.compile(where + ".preference", preferred.get(i).getPreference());
      preferredNodeWeights[i] = checkWeight(where, preferred.get(i).getWeight());
    }

    this.tolerations = spec.getTolerationsList();

    String pa = "spec.affinity.pod_affinity";
    String paa = "spec.affinity.pod_anti_affinity";
    this.requiredAffinity =
        requiredTerms(
            pa, affinity.getPodAffinity().getRequiredDuringSchedulingIgnoredDuringExecutionList());
    this.requiredAntiAffinity =
        requiredTerms(
            paa,
            affinity.getPodAntiAffinity().getRequiredDuringSchedulingIgnoredDuringExecutionList());
    this.preferredAffinity =
        preferredTerms(
            pa, affinity.getPodAffinity().getPreferredDuringSchedulingIgnoredDuringExecutionList());
    this.preferredAntiAffinity =
        preferredTerms(
            paa,
            affinity.getPodAntiAffinity().getPreferredDuringSchedulingIgnoredDuringExecutionList());

    List<SpreadConstraint> hard = new ArrayList<>();
    List<SpreadConstraint> soft = new ArrayList<>();
    List<TopologySpreadConstraint> tscs = spec.getTopologySpreadConstraintsList();
    for (int i = 0; i < tscs.size(); i++) {
      TopologySpreadConstraint c = tscs.get(i);
      String where = "spec.topology_spread_constraints[" + i + "]";
      if (c.getMaxSkew() < 1) {
        throw new IllegalArgumentException(where + ".max_skew: must be at least 1");
      }
      if (c.getTopologyKey().isEmpty()) {
        throw new IllegalArgumentException(where + ".topology_key: must not be empty");
      }
      LabelMatcher selector =
          selector(where + ".label_selector", c.hasLabelSelector(), c.getLabelSelector());
      SpreadConstraint sc =
          new SpreadConstraint(
              c.getMaxSkew(),
              c.getTopologyKey(),
              selector,
              Set.of(namespace),
              selector.matches(labels));
      if (c.getWhenUnsatisfiable()
          == UnsatisfiableConstraintAction.UNSATISFIABLE_CONSTRAINT_ACTION_SCHEDULE_ANYWAY) {
        soft.add(sc);
      } else {
        hard.add(sc);
      }
    }
    this.hardSpread = hard.toArray(new SpreadConstraint[0]);
    this.softSpread = soft.toArray(new SpreadConstraint[0]);
  }

  /**
   * Builds the scheduler's view of {@code pod}.
   *
   * @throws IllegalArgumentException naming the field when the pod holds a value the scheduler
   *     cannot interpret (bad quantity, malformed affinity term)
   */
  public static PodInfo of(Pod pod) {
    return new PodInfo(pod);
  }

  /** The map key of a pod: "namespace/name". */
  public static String key(String namespace, String name) {
    return namespace + "/" + name;
  }

  public Pod pod() {
    return pod;
  }

  public String key() {
    return key;
  }

  public int priority() {
    return priority;
  }

  public boolean hasRequiredAntiAffinity() {
    return requiredAntiAffinity.length > 0;
  }

  /** Whether the pod has a preferred pod affinity or anti-affinity term. */
  public boolean hasPreferredPodAffinity() {
    return preferredAffinity.length > 0 || preferredAntiAffinity.length > 0;
  }

  public boolean hasAnyPodAffinity() {
    return requiredAffinity.length > 0
        || requiredAntiAffinity.length > 0
        || preferredAffinity.length > 0
        || preferredAntiAffinity.length > 0;
  }

  public static int hostPortKey(Protocol protocol, int port) {
    int proto = protocol == Protocol.PROTOCOL_UDP ? 2 : 1;
    return proto << 16 | port;
  }

  private static void addRequests(
      Map<String, Long> total, Container c, String field, boolean init) {
    Map<String, Long> own = new HashMap<>();
    for (Map.Entry<String, String> e : c.getResources().getLimitsMap().entrySet()) {
      own.put(e.getKey(), amount(field + ".resources.limits[" + e.getKey() + "]", e));
    }
    for (Map.Entry<String, String> e : c.getResources().getRequestsMap().entrySet()) {
      own.put(e.getKey(), amount(field + ".resources.requests[" + e.getKey() + "]", e));
    }
    for (Map.Entry<String, Long> e : own.entrySet()) {
      if (init) {
        total.merge(e.getKey(), e.getValue(), Math::max);
      } else {
        total.merge(e.getKey(), e.getValue(), Long::sum);
      }
    }
  }

  private static long amount(String field, Map.Entry<String, String> e) {
    return "cpu".equals(e.getKey())
        ? Quantities.milli(field, e.getValue())
        : Quantities.units(field, e.getValue());
  }

  /**
   * Compiles a selector of a term or constraint; an absent one matches nothing, as in Kubernetes.
   */
  private static LabelMatcher selector(String field, boolean present, LabelSelector selector) {
    if (!present) {
      return LabelSelectors.nothing();
    }
    try {
      return LabelSelectors.fromProto(selector);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(field + ": " + e.getMessage(), e);
    }
  }

  private static int checkWeight(String where, int weight) {
    if (weight < 1 || weight > 100) {
      throw new IllegalArgumentException(where + ".weight: " + weight + " is not in 1..100");
    }
    return weight;
  }

  private AffinityTerm[] requiredTerms(String base, List<PodAffinityTerm> terms) {
    AffinityTerm[] out = new AffinityTerm[terms.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] =
          AffinityTerm.compile(
              base + ".required_during_scheduling_ignored_during_execution[" + i + "]",
              terms.get(i),
              1,
              namespace);
    }
    return out;
  }

  private AffinityTerm[] preferredTerms(String base, List<WeightedPodAffinityTerm> terms) {
    AffinityTerm[] out = new AffinityTerm[terms.size()];
    for (int i = 0; i < out.length; i++) {
      String where = base + ".preferred_during_scheduling_ignored_during_execution[" + i + "]";
      out[i] =
          AffinityTerm.compile(
              where + ".pod_affinity_term",
              terms.get(i).getPodAffinityTerm(),
              checkWeight(where, terms.get(i).getWeight()),
              namespace);
    }
    return out;
  }

  /** A compiled pod (anti-)affinity term: which pods, in which namespaces, in which domain. */
  public static final class AffinityTerm {
    public final LabelMatcher selector;
    public final Set<String> namespaces;
    public final String topologyKey;
    public final int weight;

    private AffinityTerm(
        LabelMatcher selector, Set<String> namespaces, String topologyKey, int weight) {
      this.selector = selector;
      this.namespaces = namespaces;
      this.topologyKey = topologyKey;
      this.weight = weight;
    }

    static AffinityTerm compile(String where, PodAffinityTerm t, int weight, String ownNamespace) {
      if (t.getTopologyKey().isEmpty()) {
        throw new IllegalArgumentException(where + ".topology_key: must not be empty");
      }
      Set<String> ns =
          t.getNamespacesCount() == 0 ? Set.of(ownNamespace) : Set.copyOf(t.getNamespacesList());
      return new AffinityTerm(
          selector(where + ".label_selector", t.hasLabelSelector(), t.getLabelSelector()),
          ns,
          t.getTopologyKey(),
          weight);
    }

    public boolean matches(PodInfo other) {
      return namespaces.contains(other.namespace) && selector.matches(other.labels);
    }
  }

  /** A compiled topology spread constraint. */
  public static final class SpreadConstraint {
    public final int maxSkew;
    public final String topologyKey;
    public final LabelMatcher selector;

    /** The pod's own namespace: only pods there count. */
    public final Set<String> namespaces;

    /** Whether the incoming pod itself matches the selector (it then counts once more). */
    public final boolean selfMatch;

    SpreadConstraint(
        int maxSkew,
        String topologyKey,
        LabelMatcher selector,
        Set<String> namespaces,
        boolean selfMatch) {
      this.maxSkew = maxSkew;
      this.topologyKey = topologyKey;
      this.selector = selector;
      this.namespaces = namespaces;
      this.selfMatch = selfMatch;
    }
  }
}
