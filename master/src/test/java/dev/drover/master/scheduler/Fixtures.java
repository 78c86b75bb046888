package dev.drover.master.scheduler;

import com.google.protobuf.Timestamp;
import dev.drover.api.v1.Affinity;
import dev.drover.api.v1.Condition;
import dev.drover.api.v1.ConditionStatus;
import dev.drover.api.v1.Container;
import dev.drover.api.v1.ContainerPort;
import dev.drover.api.v1.LabelSelector;
import dev.drover.api.v1.Node;
import dev.drover.api.v1.NodeAffinity;
import dev.drover.api.v1.NodeSelector;
import dev.drover.api.v1.NodeSelectorOperator;
import dev.drover.api.v1.NodeSelectorRequirement;
import dev.drover.api.v1.NodeSelectorTerm;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodAffinity;
import dev.drover.api.v1.PodAffinityTerm;
import dev.drover.api.v1.PodAntiAffinity;
import dev.drover.api.v1.PodSpec;
import dev.drover.api.v1.PreferredSchedulingTerm;
import dev.drover.api.v1.Protocol;
import dev.drover.api.v1.ResourceRequirements;
import dev.drover.api.v1.Taint;
import dev.drover.api.v1.TaintEffect;
import dev.drover.api.v1.Toleration;
import dev.drover.api.v1.TolerationOperator;
import dev.drover.api.v1.TopologySpreadConstraint;
import dev.drover.api.v1.UnsatisfiableConstraintAction;
import dev.drover.api.v1.WeightedPodAffinityTerm;
import dev.drover.master.scheduler.framework.ClusterSnapshot;
import dev.drover.master.scheduler.framework.PodInfo;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** Builders for the nodes and pods of scheduler tests (public for the plugin tests). */
public final class Fixtures {

  public static final String ZONE = "topology.kubernetes.io/zone";
  public static final String HOSTNAME = "kubernetes.io/hostname";
  private static final AtomicLong CREATED = new AtomicLong(1_700_000_000L);

  private Fixtures() {}

  /** A builder for a Ready node named {@code name} with a hostname label. */
  public static NodeBuilder node(String name) {
    return new NodeBuilder(name);
  }

  /** A builder for an unbound pod in "default" with one container. */
  public static PodBuilder pod(String name) {
    return new PodBuilder(name);
  }

  public static Taint taint(String key, String value, TaintEffect effect) {
    return Taint.newBuilder().setKey(key).setValue(value).setEffect(effect).build();
  }

  public static Toleration tolerateEqual(String key, String value, TaintEffect effect) {
    return Toleration.newBuilder()
        .setKey(key)
        .setOperator(TolerationOperator.TOLERATION_OPERATOR_EQUAL)
        .setValue(value)
        .setEffect(effect)
        .build();
  }

  public static Toleration tolerateExists(String key) {
    return Toleration.newBuilder()
        .setKey(key)
        .setOperator(TolerationOperator.TOLERATION_OPERATOR_EXISTS)
        .build();
  }

  public static NodeSelectorRequirement req(String key, NodeSelectorOperator op, String... values) {
    return NodeSelectorRequirement.newBuilder()
        .setKey(key)
        .setOperator(op)
        .addAllValues(List.of(values))
        .build();
  }

  public static NodeSelectorTerm term(NodeSelectorRequirement... reqs) {
    return NodeSelectorTerm.newBuilder().addAllMatchExpressions(List.of(reqs)).build();
  }

  public static NodeSelectorTerm fieldTerm(NodeSelectorRequirement... reqs) {
    return NodeSelectorTerm.newBuilder().addAllMatchFields(List.of(reqs)).build();
  }

  public static LabelSelector labels(String... kv) {
    LabelSelector.Builder b = LabelSelector.newBuilder();
    for (int i = 0; i < kv.length; i += 2) {
      b.putMatchLabels(kv[i], kv[i + 1]);
    }
    return b.build();
  }

  public static PodAffinityTerm podTerm(String topologyKey, String... kv) {
    return PodAffinityTerm.newBuilder()
        .setTopologyKey(topologyKey)
        .setLabelSelector(labels(kv))
        .build();
  }

  public static ClusterSnapshot snapshot(List<Node> nodes, List<Pod> boundPods) {
    ClusterSnapshot s = new ClusterSnapshot();
    for (Node n : nodes) {
      s.upsertNode(n);
    }
    for (Pod p : boundPods) {
      s.addBoundPod(PodInfo.of(p));
    }
    return s;
  }

  /** Builds nodes. */
  public static final class NodeBuilder {
    private final Node.Builder b = Node.newBuilder();

    NodeBuilder(String name) {
      b.setMetadata(ObjectMeta.newBuilder().setName(name).putLabels(HOSTNAME, name));
      b.getStatusBuilder()
          .putAllocatable("cpu", "4")
          .putAllocatable("memory", "8Gi")
          .putAllocatable("pods", "110")
          .addConditions(
              Condition.newBuilder()
                  .setType("Ready")
                  .setStatus(ConditionStatus.CONDITION_STATUS_TRUE));
    }

    public NodeBuilder cpu(String q) {
      b.getStatusBuilder().putAllocatable("cpu", q);
      return this;
    }

    public NodeBuilder memory(String q) {
      b.getStatusBuilder().putAllocatable("memory", q);
      return this;
    }

    public NodeBuilder pods(int n) {
      b.getStatusBuilder().putAllocatable("pods", Integer.toString(n));
      return this;
    }

    public NodeBuilder resource(String name, String q) {
      b.getStatusBuilder().putAllocatable(name, q);
      return this;
    }

    public NodeBuilder label(String k, String v) {
      b.getMetadataBuilder().putLabels(k, v);
      return this;
    }

    public NodeBuilder zone(String zone) {
      return label(ZONE, zone);
    }

    public NodeBuilder taint(String key, String value, TaintEffect effect) {
      b.getSpecBuilder().addTaints(Fixtures.taint(key, value, effect));
      return this;
    }

    public NodeBuilder unschedulable() {
      b.getSpecBuilder().setUnschedulable(true);
      return this;
    }

    public NodeBuilder notReady() {
      b.getStatusBuilder()
          .setConditions(
              0,
              Condition.newBuilder()
                  .setType("Ready")
                  .setStatus(ConditionStatus.CONDITION_STATUS_FALSE));
      return this;
    }

    public Node build() {
      return b.build();
    }
  }

  /** Builds pods. */
  public static final class PodBuilder {
    private final Pod.Builder b = Pod.newBuilder();
    private final Container.Builder c = Container.newBuilder().setName("main").setImage("busybox");
    private final ResourceRequirements.Builder resources = ResourceRequirements.newBuilder();

    PodBuilder(String name) {
      b.setMetadata(
          ObjectMeta.newBuilder()
              .setName(name)
              .setNamespace("default")
              .setUid("uid-" + name)
              .setResourceVersion(1)
              .setCreationTime(Timestamp.newBuilder().setSeconds(CREATED.incrementAndGet())));
    }

    public PodBuilder namespace(String ns) {
      b.getMetadataBuilder().setNamespace(ns);
      return this;
    }

    public PodBuilder label(String k, String v) {
      b.getMetadataBuilder().putLabels(k, v);
      return this;
    }

    public PodBuilder cpu(String q) {
      resources.putRequests("cpu", q);
      return this;
    }

    public PodBuilder memory(String q) {
      resources.putRequests("memory", q);
      return this;
    }

    public PodBuilder request(String name, String q) {
      resources.putRequests(name, q);
      return this;
    }

    public PodBuilder limit(String name, String q) {
      resources.putLimits(name, q);
      return this;
    }

    public PodBuilder initContainerCpu(String q) {
      b.getSpecBuilder()
          .addInitContainers(
              Container.newBuilder()
                  .setName("init")
                  .setImage("busybox")
                  .setResources(ResourceRequirements.newBuilder().putRequests("cpu", q)));
      return this;
    }

    public PodBuilder hostPort(int port, Protocol protocol) {
      c.addPorts(
          ContainerPort.newBuilder()
              .setContainerPort(port)
              .setHostPort(port)
              .setProtocol(protocol));
      return this;
    }

    public PodBuilder priority(int p) {
      b.getSpecBuilder().setPriority(p);
      return this;
    }

    public PodBuilder nodeName(String node) {
      b.getSpecBuilder().setNodeName(node);
      return this;
    }

    public PodBuilder nodeSelector(String k, String v) {
      b.getSpecBuilder().putNodeSelector(k, v);
      return this;
    }

    public PodBuilder requiredNodeAffinity(NodeSelectorTerm... terms) {
      affinity()
          .setNodeAffinity(
              NodeAffinity.newBuilder()
                  .setRequiredDuringSchedulingIgnoredDuringExecution(
                      NodeSelector.newBuilder().addAllNodeSelectorTerms(List.of(terms))));
      return this;
    }

    public PodBuilder preferredNodeAffinity(int weight, NodeSelectorTerm term) {
      affinity()
          .getNodeAffinityBuilder()
          .addPreferredDuringSchedulingIgnoredDuringExecution(
              PreferredSchedulingTerm.newBuilder().setWeight(weight).setPreference(term));
      return this;
    }

    public PodBuilder toleration(Toleration t) {
      b.getSpecBuilder().addTolerations(t);
      return this;
    }

    public PodBuilder requiredAffinity(PodAffinityTerm t) {
      PodAffinity.Builder pa = affinity().getPodAffinityBuilder();
      pa.addRequiredDuringSchedulingIgnoredDuringExecution(t);
      return this;
    }

    public PodBuilder requiredAntiAffinity(PodAffinityTerm t) {
      PodAntiAffinity.Builder pa = affinity().getPodAntiAffinityBuilder();
      pa.addRequiredDuringSchedulingIgnoredDuringExecution(t);
      return this;
    }

    public PodBuilder preferredAffinity(int weight, PodAffinityTerm t) {
      affinity()
          .getPodAffinityBuilder()
          .addPreferredDuringSchedulingIgnoredDuringExecution(
              WeightedPodAffinityTerm.newBuilder().setWeight(weight).setPodAffinityTerm(t));
      return this;
    }

    public PodBuilder preferredAntiAffinity(int weight, PodAffinityTerm t) {
      affinity()
          .getPodAntiAffinityBuilder()
          .addPreferredDuringSchedulingIgnoredDuringExecution(
              WeightedPodAffinityTerm.newBuilder().setWeight(weight).setPodAffinityTerm(t));
      return this;
    }

    public PodBuilder spread(int maxSkew, String key, boolean hard, String... kv) {
      b.getSpecBuilder()
          .addTopologySpreadConstraints(
              TopologySpreadConstraint.newBuilder()
                  .setMaxSkew(maxSkew)
                  .setTopologyKey(key)
                  .setWhenUnsatisfiable(
                      hard
                          ? UnsatisfiableConstraintAction
                              .UNSATISFIABLE_CONSTRAINT_ACTION_DO_NOT_SCHEDULE
                          : UnsatisfiableConstraintAction
                              .UNSATISFIABLE_CONSTRAINT_ACTION_SCHEDULE_ANYWAY)
                  .setLabelSelector(labels(kv)));
      return this;
    }

    public PodBuilder schedulerName(String name) {
      b.getSpecBuilder().setSchedulerName(name);
      return this;
    }

    public PodBuilder deleting() {
      b.getMetadataBuilder().setDeletionTime(Timestamp.newBuilder().setSeconds(1));
      return this;
    }

    private Affinity.Builder affinity() {
      return b.getSpecBuilder().getAffinityBuilder();
    }

    public Pod build() {
      c.setResources(resources);
      PodSpec.Builder spec = b.getSpecBuilder();
      spec.clearContainers().addContainers(c);
      return b.build();
    }

    public PodInfo info() {
      return PodInfo.of(build());
    }
  }

  public static Map<String, String> map(String... kv) {
    java.util.LinkedHashMap<String, String> m = new java.util.LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }
}
