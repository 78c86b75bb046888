package dev.drover.testing;

import com.google.protobuf.Message;
import com.google.protobuf.MessageOrBuilder;
import dev.drover.api.Conditions;
import dev.drover.api.Kinds;
import dev.drover.api.v1.Condition;
import dev.drover.api.v1.ConditionStatus;
import dev.drover.api.v1.Container;
import dev.drover.api.v1.ContainerState;
import dev.drover.api.v1.ContainerStateRunning;
import dev.drover.api.v1.ContainerStateWaiting;
import dev.drover.api.v1.ContainerStatus;
import dev.drover.api.v1.Deployment;
import dev.drover.api.v1.DeploymentSpec;
import dev.drover.api.v1.DeploymentStatus;
import dev.drover.api.v1.LabelSelector;
import dev.drover.api.v1.Node;
import dev.drover.api.v1.NodeSpec;
import dev.drover.api.v1.NodeStatus;
import dev.drover.api.v1.NodeSystemInfo;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodPhase;
import dev.drover.api.v1.PodSpec;
import dev.drover.api.v1.PodStatus;
import dev.drover.api.v1.PodTemplateSpec;
import dev.drover.api.v1.ResourceRequirements;
import dev.drover.api.v1.RestartPolicy;
import dev.drover.api.v1.TaintEffect;
import dev.drover.api.v1.Toleration;
import dev.drover.api.v1.TolerationOperator;
import java.util.List;
import java.util.Map;

/**
 * The one set of API object builders that every module's tests share. Each returns a protobuf
 * builder (or a small finished message) holding only what the name promises, so a test adds its own
 * variations (labels, node name, phase, resources, tolerations, owners) with the generated setters
 * and states what matters to it where it is read.
 */
public final class TestObjects {
  /** The image of the local registry that the Docker-backed tests pull. */
  public static final String IMAGE = "127.0.0.1:5000/busybox:1";

  /** The namespace objects are made in unless a test says otherwise. */
  public static final String NAMESPACE = "default";

  private TestObjects() {}

  /** The envelope of an API object (or of what a builder holds now), as the API sends it. */
  public static Object wrap(MessageOrBuilder object) {
    return Kinds.wrap(object instanceof Message.Builder b ? b.build() : (Message) object);
  }

  /** Metadata of {@code name} in the default namespace. */
  public static ObjectMeta meta(String name) {
    return ObjectMeta.newBuilder().setName(name).setNamespace(NAMESPACE).build();
  }

  /** Metadata of {@code name} with {@code labels} in the default namespace. */
  public static ObjectMeta meta(String name, Map<String, String> labels) {
    return meta(name).toBuilder().putAllLabels(labels).build();
  }

  /** A selector matching exactly these labels. */
  public static LabelSelector selector(Map<String, String> labels) {
    return LabelSelector.newBuilder().putAllMatchLabels(labels).build();
  }

  /** A container {@code name} running {@code image}. */
  public static Container.Builder container(String name, String image) {
    return Container.newBuilder().setName(name).setImage(image);
  }

  /** A container running {@code sh -c script}. */
  public static Container.Builder shell(String name, String image, String script) {
    return container(name, image).addCommand("sh").addCommand("-c").addArgs(script);
  }

  /** Requests of {@code cpu} and, unless null, {@code memory}. */
  public static ResourceRequirements requests(String cpu, String memory) {
    ResourceRequirements.Builder r = ResourceRequirements.newBuilder().putRequests("cpu", cpu);
    if (memory != null) {
      r.putRequests("memory", memory);
    }
    return r.build();
  }

  /** A pod spec of the given containers. */
  public static PodSpec.Builder podSpec(Container.Builder... containers) {
    PodSpec.Builder spec = PodSpec.newBuilder();
    for (Container.Builder c : containers) {
      spec.addContainers(c);
    }
    return spec;
  }

  /** A pod {@code namespace/name} of the given containers, neither bound nor labelled. */
  public static Pod.Builder pod(String namespace, String name, Container.Builder... containers) {
    return Pod.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace(namespace).setName(name))
        .setSpec(podSpec(containers));
  }

  /**
   * A pod in the default namespace already bound to {@code node}, restarted always and stopped
   * within two seconds, as the node agent's tests hand it over.
   */
  public static Pod.Builder boundPod(String name, String node, Container... containers) {
    return Pod.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName(name).setNamespace(NAMESPACE))
        .setSpec(
            PodSpec.newBuilder()
                .setNodeName(node)
                .setRestartPolicy(RestartPolicy.RESTART_POLICY_ALWAYS)
                .setTerminationGracePeriodSeconds(2)
                .addAllContainers(List.of(containers)));
  }

  /** A pod template labelled {@code labels}, of one container "main" running {@code image}. */
  public static PodTemplateSpec template(Map<String, String> labels, String image) {
    return template(labels, container("main", image)).build();
  }

  /** A pod template labelled {@code labels}, of the given containers. */
  public static PodTemplateSpec.Builder template(
      Map<String, String> labels, Container.Builder... containers) {
    return PodTemplateSpec.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().putAllLabels(labels))
        .setSpec(podSpec(containers));
  }

  /**
   * A deployment spec of {@code replicas} pods of one container, selected by and labelled with
   * {@code app=<app>}.
   */
  public static DeploymentSpec.Builder deploymentSpec(
      String app, int replicas, Container.Builder container) {
    return DeploymentSpec.newBuilder()
        .setReplicas(replicas)
        .setSelector(selector(Map.of("app", app)))
        .setTemplate(template(Map.of("app", app), container));
  }

  /** A deployment {@code namespace/name} of {@link #deploymentSpec} with {@code app=name}. */
  public static Deployment.Builder deployment(
      String namespace, String name, int replicas, Container.Builder container) {
    return Deployment.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace(namespace).setName(name))
        .setSpec(deploymentSpec(name, replicas, container));
  }

  /** A condition of {@code type} that holds or not. */
  public static Condition.Builder condition(String type, boolean holds) {
    return Condition.newBuilder()
        .setType(type)
        .setStatus(
            holds ? ConditionStatus.CONDITION_STATUS_TRUE : ConditionStatus.CONDITION_STATUS_FALSE);
  }

  /** A Ready condition that holds or not. */
  public static Condition.Builder ready(boolean ready) {
    return condition(Conditions.READY, ready);
  }

  /** A node {@code name} with {@code labels} and nothing else. */
  public static Node node(String name, Map<String, String> labels) {
    return Node.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName(name).putAllLabels(labels))
        .build();
  }

  /**
   * A node {@code name} Ready as its agent reports it, whose capacity and allocatable are both
   * {@code cpu}, {@code memory} and {@code pods}.
   */
  public static Node.Builder readyNode(String name, String cpu, String memory, String pods) {
    Map<String, String> resources = Map.of("cpu", cpu, "memory", memory, "pods", pods);
    return Node.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName(name))
        .setStatus(
            NodeStatus.newBuilder()
                .putAllCapacity(resources)
                .putAllAllocatable(resources)
                .addConditions(ready(true).setReason("KubeletReady")));
  }

  /**
   * A worker node as {@code get nodes} lists it: Ready or not, cordoned or not, reporting agent
   * version 0.1.0.
   */
  public static Node.Builder workerNode(String name, boolean ready, boolean cordoned) {
    return Node.newBuilder()
        .setMetadata(
            ObjectMeta.newBuilder().setName(name).putLabels("node-role.kubernetes.io/worker", ""))
        .setSpec(NodeSpec.newBuilder().setUnschedulable(cordoned))
        .setStatus(
            NodeStatus.newBuilder()
                .addConditions(ready(ready))
                .setNodeInfo(NodeSystemInfo.newBuilder().setAgentVersion("0.1.0")));
  }

  /**
   * A pod {@code default/name} labelled {@code app=web}, bound to {@code node}, running and ready
   * at 10.0.0.7, whose one container "web" has restarted {@code restarts} times.
   */
  public static Pod.Builder runningPod(String name, String node, int restarts) {
    Pod.Builder pod = pod(NAMESPACE, name, container("web", "busybox:1"));
    pod.getMetadataBuilder().putLabels("app", "web");
    pod.getSpecBuilder().setNodeName(node);
    return pod.setStatus(
        PodStatus.newBuilder()
            .setPhase(PodPhase.POD_PHASE_RUNNING)
            .setPodIp("10.0.0.7")
            .addConditions(ready(true))
            .addContainerStatuses(
                ContainerStatus.newBuilder()
                    .setName("web")
                    .setReady(true)
                    .setRestartCount(restarts)
                    .setState(
                        ContainerState.newBuilder()
                            .setRunning(ContainerStateRunning.getDefaultInstance()))));
  }

  /**
   * A pending pod {@code default/name} labelled {@code app=web} on node n1 whose container "web"
   * waits with {@code reason} because its image cannot be pulled.
   */
  public static Pod.Builder stuckPod(String name, String reason) {
    Pod.Builder pod = pod(NAMESPACE, name, container("web", "nope:1"));
    pod.getMetadataBuilder().putLabels("app", "web");
    pod.getSpecBuilder().setNodeName("n1");
    return pod.setStatus(
        PodStatus.newBuilder()
            .setPhase(PodPhase.POD_PHASE_PENDING)
            .addContainerStatuses(
                ContainerStatus.newBuilder()
                    .setName("web")
                    .setState(
                        ContainerState.newBuilder()
                            .setWaiting(
                                ContainerStateWaiting.newBuilder()
                                    .setReason(reason)
                                    .setMessage("pull failed")))));
  }

  /**
   * A deployment {@code default/name} of {@code replicas} observed at generation 1, all updated and
   * {@code ready} of them ready and available.
   */
  public static Deployment.Builder deploymentWithStatus(String name, int replicas, int ready) {
    Deployment.Builder d = deployment(NAMESPACE, name, replicas, container("web", "busybox:1"));
    d.getMetadataBuilder().setGeneration(1);
    return d.setStatus(
        DeploymentStatus.newBuilder()
            .setObservedGeneration(1)
            .setReplicas(replicas)
            .setUpdatedReplicas(replicas)
            .setReadyReplicas(ready)
            .setAvailableReplicas(ready));
  }

  /**
   * Tolerates taint {@code key} with any value and effect {@code effect}, for {@code seconds} when
   * positive (a NoExecute eviction delay), forever otherwise.
   */
  public static Toleration tolerate(String key, TaintEffect effect, long seconds) {
    Toleration.Builder t =
        Toleration.newBuilder()
            .setKey(key)
            .setOperator(TolerationOperator.TOLERATION_OPERATOR_EXISTS)
            .setEffect(effect);
    if (seconds > 0) {
      t.setTolerationSeconds(seconds);
    }
    return t.build();
  }
}
