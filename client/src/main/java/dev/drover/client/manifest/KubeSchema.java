package dev.drover.client.manifest;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import dev.drover.api.Kinds;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Object;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Kubernetes spelling of the drover.v1 protobuf schema, derived from the descriptors and {@link
 * Kinds}: which apiVersion and kind name each case of {@link Object} has, the camelCase key of each
 * field (its proto JSON name, with the few Kubernetes acronym spellings such as {@code podCIDR}),
 * the Kubernetes spelling of each enum value ({@code RESTART_POLICY_ON_FAILURE} is {@code
 * OnFailure}, {@code PROTOCOL_TCP} is {@code TCP}), and which string fields hold quantities. Parser
 * and writer both use it, so the two directions always agree.
 */
final class KubeSchema {

  /** The oneof of {@link Object} whose cases are the kinds. */
  static final OneofDescriptor KIND_ONEOF = Object.getDescriptor().getOneofs().get(0);

  /**
   * Fields whose Kubernetes key is not the proto JSON name, because Kubernetes keeps acronyms in
   * upper case or names the field differently. Keyed by the field's full proto name.
   */
  private static final Map<String, String> KEY_OVERRIDES =
      Map.ofEntries(
          Map.entry("drover.v1.ObjectMeta.creation_time", "creationTimestamp"),
          Map.entry("drover.v1.ObjectMeta.deletion_time", "deletionTimestamp"),
          Map.entry("drover.v1.NodeSpec.pod_cidr", "podCIDR"),
          Map.entry("drover.v1.PodStatus.host_ip", "hostIP"),
          Map.entry("drover.v1.PodStatus.pod_ip", "podIP"),
          Map.entry("drover.v1.ContainerStatus.image_id", "imageID"),
          Map.entry("drover.v1.ContainerStatus.container_id", "containerID"),
          Map.entry("drover.v1.ContainerStateTerminated.container_id", "containerID"),
          Map.entry("drover.v1.NodeSystemInfo.machine_id", "machineID"),
          Map.entry("drover.v1.PodSpec.host_pid", "hostPID"),
          Map.entry("drover.v1.Volume.downward_api", "downwardAPI"),
          Map.entry("drover.v1.ServiceSpec.cluster_ip", "clusterIP"));

  /**
   * String fields (or string values of map fields) that hold Kubernetes quantities. Kubernetes
   * accepts a YAML number there ({@code cpu: 1}); everywhere else a string field needs a string.
   */
  private static final Set<String> QUANTITY_FIELDS =
      Set.of(
          "drover.v1.ResourceRequirements.requests",
          "drover.v1.ResourceRequirements.limits",
          "drover.v1.EmptyDirVolumeSource.size_limit",
          "drover.v1.ResourceFieldSelector.divisor",
          "drover.v1.NodeStatus.capacity",
          "drover.v1.NodeStatus.allocatable",
          "drover.v1.PersistentVolumeSpec.capacity",
          "drover.v1.PersistentVolumeClaimStatus.capacity");

  /**
   * 64-bit fields Kubernetes types as strings: written as a quoted number ({@code resourceVersion:
   * "1234"}), read from a string or a number.
   */
  private static final Set<String> STRING_INTEGER_FIELDS =
      Set.of("drover.v1.ObjectMeta.resource_version");

  private static final Map<String, FieldDescriptor> KINDS = kindsByName();
  private static final Map<Descriptor, Map<String, FieldDescriptor>> FIELDS_BY_KEY =
      new ConcurrentHashMap<>();

  private KubeSchema() {}

  private static Map<String, FieldDescriptor> kindsByName() {
    Map<String, FieldDescriptor> kinds = new LinkedHashMap<>();
    for (Kind kind : Kinds.all()) {
      // The Object oneof field numbers equal the Kind values (an API rule).
      kinds.put(
          Kinds.info(kind).kindName(), Object.getDescriptor().findFieldByNumber(kind.getNumber()));
    }
    return Collections.unmodifiableMap(kinds);
  }

  private static Kinds.Info info(FieldDescriptor kindField) {
    return Kinds.info(Kind.forNumber(kindField.getNumber()));
  }

  /** The kind name of a case of {@link Object} ("ConfigMap"). */
  static String kindName(FieldDescriptor kindField) {
    return info(kindField).kindName();
  }

  /** The apiVersion that serves a kind ("v1", "apps/v1", ...). */
  static String apiVersion(FieldDescriptor kindField) {
    return info(kindField).apiVersion();
  }

  /** The case of {@link Object} for a kind name, or null when Drover has no such kind. */
  static FieldDescriptor kindField(String kind) {
    return KINDS.get(kind);
  }

  /** Every kind name, in the order of the {@link Object} oneof. */
  static List<String> kindNames() {
    return new ArrayList<>(KINDS.keySet());
  }

  /** The camelCase key a field has in Kubernetes YAML. */
  static String key(FieldDescriptor field) {
    String override = KEY_OVERRIDES.get(field.getFullName());
    return override != null ? override : field.getJsonName();
  }

  /**
   * The field of a message that a YAML key names: the Kubernetes key, or the plain proto JSON name
   * where the two differ; null when there is none.
   */
  static FieldDescriptor field(Descriptor message, String key) {
    return FIELDS_BY_KEY.computeIfAbsent(message, KubeSchema::fieldsByKey).get(key);
  }

  /** Every Kubernetes key of a message, in field order. */
  static List<String> keys(Descriptor message) {
    List<String> keys = new ArrayList<>();
    for (FieldDescriptor field : message.getFields()) {
      keys.add(key(field));
    }
    return keys;
  }

  private static Map<String, FieldDescriptor> fieldsByKey(Descriptor message) {
    Map<String, FieldDescriptor> byKey = new LinkedHashMap<>();
    for (FieldDescriptor field : message.getFields()) {
      byKey.put(field.getJsonName(), field);
      byKey.put(key(field), field);
    }
    return byKey;
  }

  /** True if the field is an integer that Kubernetes writes as a string. */
  static boolean isStringInteger(FieldDescriptor field) {
    return STRING_INTEGER_FIELDS.contains(field.getFullName());
  }

  /** True if the field, or the values of the map field, are quantities. */
  static boolean isQuantity(FieldDescriptor field) {
    return QUANTITY_FIELDS.contains(field.getFullName());
  }
}
