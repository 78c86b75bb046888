package dev.drover.client.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import dev.drover.api.KubeEnums;
import dev.drover.api.v1.Object;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The Kubernetes spellings derived from the descriptors are the ones Kubernetes uses. */
class KubeSchemaTest {

  /** Every enum an object can contain, with the values as Kubernetes spells them. */
  private static final Map<String, List<String>> KUBERNETES_SPELLINGS =
      Map.ofEntries(
          Map.entry(
              "Kind",
              List.of(
                  "Namespace",
                  "Node",
                  "Pod",
                  "Deployment",
                  "ReplicaSet",
                  "DaemonSet",
                  "Job",
                  "Service",
                  "Endpoints",
                  "Event",
                  "Secret",
                  "ConfigMap",
                  "Lease",
                  "StatefulSet",
                  "PersistentVolume",
                  "PersistentVolumeClaim")),
          Map.entry("ConditionStatus", List.of("True", "False", "Unknown")),
          Map.entry("LabelSelectorOperator", List.of("In", "NotIn", "Exists", "DoesNotExist")),
          Map.entry("NamespacePhase", List.of("Active", "Terminating")),
          Map.entry("TaintEffect", List.of("NoSchedule", "PreferNoSchedule", "NoExecute")),
          Map.entry("NodeAddressType", List.of("InternalIP", "Hostname", "ExternalIP")),
          Map.entry("RestartPolicy", List.of("Always", "OnFailure", "Never")),
          Map.entry("ImagePullPolicy", List.of("Always", "IfNotPresent", "Never")),
          Map.entry("Protocol", List.of("TCP", "UDP")),
          Map.entry("UriScheme", List.of("HTTP", "HTTPS")),
          Map.entry(
              "NodeSelectorOperator", List.of("In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt")),
          Map.entry("TolerationOperator", List.of("Exists", "Equal")),
          Map.entry("UnsatisfiableConstraintAction", List.of("DoNotSchedule", "ScheduleAnyway")),
          Map.entry("PodPhase", List.of("Pending", "Running", "Succeeded", "Failed", "Unknown")),
          Map.entry("ServiceType", List.of("ClusterIP", "NodePort")),
          Map.entry("SessionAffinity", List.of("None", "ClientIP")),
          Map.entry("ProxyProtocol", List.of("None", "V1", "V2")),
          Map.entry("LoadBalancing", List.of("RoundRobin", "LeastConnections")),
          Map.entry("EventType", List.of("Normal", "Warning")),
          Map.entry("DeploymentStrategyType", List.of("RollingUpdate", "Recreate")),
          Map.entry("DaemonSetUpdateStrategyType", List.of("RollingUpdate", "OnDelete")),
          Map.entry("CompletionMode", List.of("NonIndexed", "Indexed")),
          Map.entry(
              "PersistentVolumeAccessMode",
              List.of("ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod")),
          Map.entry("PersistentVolumeReclaimPolicy", List.of("Retain", "Delete")),
          Map.entry(
              "PersistentVolumePhase",
              List.of("Pending", "Available", "Bound", "Released", "Failed")),
          Map.entry("PersistentVolumeClaimPhase", List.of("Pending", "Bound", "Lost")),
          Map.entry("PodManagementPolicyType", List.of("OrderedReady", "Parallel")),
          Map.entry("StatefulSetUpdateStrategyType", List.of("RollingUpdate", "OnDelete")));

  @Test
  void everyEnumOfEveryKindHasItsKubernetesSpelling() {
    Map<String, List<String>> derived = new LinkedHashMap<>();
    for (EnumDescriptor type : reachableEnums()) {
      derived.put(type.getName(), KubeEnums.spellings(type));
      for (EnumValueDescriptor value : type.getValues()) {
        if (value.getNumber() != 0) {
          assertThat(KubeEnums.value(type, KubeEnums.name(value))).isEqualTo(value);
        }
      }
    }
    // A new enum in the API fails here until its Kubernetes spelling is checked and added.
    assertThat(derived).isEqualTo(KUBERNETES_SPELLINGS);
  }

  @Test
  void kindsAndApiVersions() {
    Map<String, String> apiVersions = new LinkedHashMap<>();
    for (String kind : KubeSchema.kindNames()) {
      apiVersions.put(kind, KubeSchema.apiVersion(KubeSchema.kindField(kind)));
    }
    assertThat(apiVersions)
        .containsExactlyInAnyOrderEntriesOf(
            Map.ofEntries(
                Map.entry("Namespace", "v1"),
                Map.entry("Node", "v1"),
                Map.entry("Pod", "v1"),
                Map.entry("Deployment", "apps/v1"),
                Map.entry("ReplicaSet", "apps/v1"),
                Map.entry("DaemonSet", "apps/v1"),
                Map.entry("Job", "batch/v1"),
                Map.entry("Service", "v1"),
                Map.entry("Endpoints", "v1"),
                Map.entry("Event", "v1"),
                Map.entry("Secret", "v1"),
                Map.entry("ConfigMap", "v1"),
                Map.entry("Lease", "coordination.k8s.io/v1"),
                Map.entry("StatefulSet", "apps/v1"),
                Map.entry("PersistentVolume", "v1"),
                Map.entry("PersistentVolumeClaim", "v1")));
    assertThat(KubeSchema.kindField("ControllerRevision")).isNull();
  }

  @Test
  void keysAreCamelCaseWithKubernetesAcronyms() {
    Descriptor podSpec = dev.drover.api.v1.PodSpec.getDescriptor();
    assertThat(KubeSchema.field(podSpec, "nodeName").getName()).isEqualTo("node_name");
    assertThat(KubeSchema.field(podSpec, "node_name")).isNull();
    Descriptor nodeSpec = dev.drover.api.v1.NodeSpec.getDescriptor();
    assertThat(KubeSchema.key(nodeSpec.findFieldByName("pod_cidr"))).isEqualTo("podCIDR");
    Descriptor meta = dev.drover.api.v1.ObjectMeta.getDescriptor();
    assertThat(KubeSchema.key(meta.findFieldByName("creation_time")))
        .isEqualTo("creationTimestamp");
  }

  private static Set<EnumDescriptor> reachableEnums() {
    Set<EnumDescriptor> enums = new java.util.LinkedHashSet<>();
    collect(Object.getDescriptor(), new HashSet<>(), enums);
    return enums;
  }

  private static void collect(Descriptor type, Set<Descriptor> seen, Set<EnumDescriptor> enums) {
    if (!seen.add(type)) {
      return;
    }
    for (FieldDescriptor field : type.getFields()) {
      if (field.getType() == FieldDescriptor.Type.ENUM) {
        enums.add(field.getEnumType());
      } else if (field.getType() == FieldDescriptor.Type.MESSAGE) {
        collect(field.getMessageType(), seen, enums);
      }
    }
  }
}
