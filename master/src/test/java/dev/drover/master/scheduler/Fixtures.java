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

/** Builders for the nodes and pods of scheduler tests. */
final class Fixtures {

  static final String ZONE = "topology.kubernetes.io/zone";
  static final String HOSTNAME = "kubernetes.io/hostname";
  private static final AtomicLong CREATED = new AtomicLong(1_700_000_000L);

  private Fixtures() {}

  /** A builder for a Ready node named {@code name} with a hostname label. */
  static NodeBuilder node(String name) {
    return new NodeBuilder(name);
  }

  /** A builder for an unbound pod in "default" with one container. */
  static PodBuilder pod(String name) {
    return new PodBuilder(name);
  }

  static Taint taint(String key, String value, TaintEffect effect) {
    return Taint.newBuilder().setKey(key).setValue(value).setEffect(effect).build();
  }

  static Toleration tolerateEqual(String key, String value, TaintEffect effect) {
    return Toleration.newBuilder()
        .setKey(key)
        .setOperator(TolerationOperator.TOLERATION_OPERATOR_EQUAL)
        .setValue(value)
        .setEffect(effect)
        .build();
  }

  static Toleration tolerateExists(String key) {
    return Toleration.newBuilder()
        .setKey(key)
        .setOperator(TolerationOperator.TOLERATION_OPERATOR_EXISTS)
        .build();
  }

  static NodeSelectorRequirement req(String key, NodeSelectorOperator op, String... values) {
    return NodeSelectorRequirement.newBuilder()
        .setKey(key)
        .setOperator(op)
        .addAllValues(List.of(values))
        .build();
  }

  static NodeSelectorTerm term(NodeSelectorRequirement... reqs) {
    return NodeSelectorTerm.newBuilder().addAllMatchExpressions(List.of(reqs)).build();
  }

  static NodeSelectorTerm fieldTerm(NodeSelectorRequirement... reqs) {
    return NodeSelectorTerm.newBuilder().addAllMatchFields(List.of(reqs)).build();
  }

  static LabelSelector labels(String... kv) {
    LabelSelector.Builder b = LabelSelector.newBuilder();
    for (int i = 0; i < kv.length; i += 2) {
      b.putMatchLabels(kv[i], kv[i + 1]);
    }
    return b.build();
  }

  static PodAffinityTerm podTerm(String topologyKey, String... kv) {
    return PodAffinityTerm.newBuilder()
        .setTopologyKey(topologyKey)
        .setLabelSelector(labels(kv))
        .build();
  }

  static ClusterSnapshot snapshot(List<Node> nodes, List<Pod> boundPods) {
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
  static final class NodeBuilder {
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

    NodeBuilder cpu(String q) {
      b.getStatusBuilder().putAllocatable("cpu", q);
      return this;
    }

    NodeBuilder memory(String q) {
      b.getStatusBuilder().putAllocatable("memory", q);
      return this;
    }

    NodeBuilder pods(int n) {
      b.getStatusBuilder().putAllocatable("pods", Integer.toString(n));
      return this;
    }

    NodeBuilder resource(String name, String q) {
      b.getStatusBuilder().putAllocatable(name, q);
      return this;
    }

    NodeBuilder label(String k, String v) {
      b.getMetadataBuilder().putLabels(k, v);
      return this;
    }

    NodeBuilder zone(String zone) {
      return label(ZONE, zone);
    }

    NodeBuilder taint(String key, String value, TaintEffect effect) {
      b.getSpecBuilder().addTaints(Fixtures.taint(key, value, effect));
      return this;
    }

    NodeBuilder unschedulable() {
      b.getSpecBuilder().setUnschedulable(true);
      return this;
    }

    NodeBuilder notReady() {
      b.getStatusBuilder()
          .setConditions(
              0,
              Condition.newBuilder()
                  .setType("Ready")
                  .setStatus(ConditionStatus.CONDITION_STATUS_FALSE));
      return this;
    }

    Node build() {
      return b.build();
    }
  }

  /** Builds pods. */
  static final class PodBuilder {
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

    PodBuilder namespace(String ns) {
      b.getMetadataBuilder().setNamespace(ns);
      return this;
    }

    PodBuilder label(String k, String v) {
      b.getMetadataBuilder().putLabels(k, v);
      return this;
    }

    PodBuilder cpu(String q) {
      resources.putRequests("cpu", q);
      return this;
    }

    PodBuilder memory(String q) {
      resources.putRequests("memory", q);
      return this;
    }

    PodBuilder request(String name, String q) {
      resources.putRequests(name, q);
      return this;
    }

    PodBuilder limit(String name, String q) {
      resources.putLimits(name, q);
      return this;
    }

    PodBuilder initContainerCpu(String q) {
      b.getSpecBuilder()
          .addInitContainers(
              Container.newBuilder()
                  .setName("init")
                  .setImage("busybox")
                  .setResources(ResourceRequirements.newBuilder().putRequests("cpu", q)));
      return this;
    }

    PodBuilder hostPort(int port, Protocol protocol) {
      c.addPorts(
          ContainerPort.newBuilder()
              .setContainerPort(port)
              .setHostPort(port)
              .setProtocol(protocol));
      return this;
    }

    PodBuilder priority(int p) {
      b.getSpecBuilder().setPriority(p);
      return this;
    }

    PodBuilder nodeName(String node) {
      b.getSpecBuilder().setNodeName(node);
      return this;
    }

    PodBuilder nodeSelector(String k, String v) {
      b.getSpecBuilder().putNodeSelector(k, v);
      return this;
    }

    PodBuilder requiredNodeAffinity(NodeSelectorTerm... terms) {
      affinity()
          .setNodeAffinity(
              NodeAffinity.newBuilder()
                  .setRequiredDuringSchedulingIgnoredDuringExecution(
                      NodeSelector.newBuilder().addAllNodeSelectorTerms(List.of(terms))));
      return this;
    }

    PodBuilder preferredNodeAffinity(int weight, NodeSelectorTerm term) {
      affinity()
          .getNodeAffinityBuilder()
          .addPreferredDuringSchedulingIgnoredDuringExecution(
              PreferredSchedulingTerm.newBuilder().setWeight(weight).setPreference(term));
      return this;
    }

    PodBuilder toleration(Toleration t) {
      b.getSpecBuilder().addTolerations(t);
      return this;
    }

    PodBuilder requiredAffinity(PodAffinityTerm t) {
      PodAffinity.Builder pa = affinity().getPodAffinityBuilder();
      pa.addRequiredDuringSchedulingIgnoredDuringExecution(t);
      return this;
    }

    PodBuilder requiredAntiAffinity(PodAffinityTerm t) {
      PodAntiAffinity.Builder pa = affinity().getPodAntiAffinityBuilder();
      pa.addRequiredDuringSchedulingIgnoredDuringExecution(t);
      return this;
    }

    PodBuilder preferredAffinity(int weight, PodAffinityTerm t) {
      affinity()
          .getPodAffinityBuilder()
          .addPreferredDuringSchedulingIgnoredDuringExecution(
              WeightedPodAffinityTerm.newBuilder().setWeight(weight).setPodAffinityTerm(t));
      return this;
    }

    PodBuilder preferredAntiAffinity(int weight, PodAffinityTerm t) {
      affinity()
          .getPodAntiAffinityBuilder()
          .addPreferredDuringSchedulingIgnoredDuringExecution(
              WeightedPodAffinityTerm.newBuilder().setWeight(weight).setPodAffinityTerm(t));
      return this;
    }

    PodBuilder spread(int maxSkew, String key, boolean hard, String... kv) {
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

    PodBuilder schedulerName(String name) {
      b.getSpecBuilder().setSchedulerName(name);
      return this;
    }

    PodBuilder deleting() {
      b.getMetadataBuilder().setDeletionTime(Timestamp.newBuilder().setSeconds(1));
      return this;
    }

    private Affinity.Builder affinity() {
      return b.getSpecBuilder().getAffinityBuilder();
    }

    Pod build() {
      c.setResources(resources);
      PodSpec.Builder spec = b.getSpecBuilder();
      spec.clearContainers().addContainers(c);
      return b.build();
    }

    PodInfo info() {
      return PodInfo.of(build());
    }
  }

  static Map<String, String> map(String... kv) {
    java.util.LinkedHashMap<String, String> m = new java.util.LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }
}
