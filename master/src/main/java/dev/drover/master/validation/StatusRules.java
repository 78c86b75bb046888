package dev.drover.master.validation;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.drover.api.v1.Condition;
import dev.drover.api.v1.ConditionStatus;
import dev.drover.api.v1.ContainerStatus;
import dev.drover.api.v1.HostPortAllocation;
import dev.drover.api.v1.NamespacePhase;
import dev.drover.api.v1.NodeAddressType;
import dev.drover.api.v1.NodeStatus;
import dev.drover.api.v1.PodPhase;
import dev.drover.api.v1.PodStatus;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Rules on the status part of objects, checked on status updates: counters are never negative,
 * conditions have a unique type, a status and a CamelCase reason, and the pod and node specific
 * fields (phases, container statuses, host ports, addresses, capacities) are well formed.
 */
final class StatusRules {

  private static final Pattern REASON = Pattern.compile("[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?");

  private StatusRules() {}

  /** Checks the {@code status} field of {@code object}, if it has one. */
  static void validate(Message object, Violations v) {
    FieldDescriptor statusField = object.getDescriptorForType().findFieldByName("status");
    if (statusField == null || statusField.getType() != FieldDescriptor.Type.MESSAGE) {
      return;
    }
    Message status = (Message) object.getField(statusField);
    // Every top-level number in a status is a count, a generation or a revision.
    for (FieldDescriptor f : status.getDescriptorForType().getFields()) {
      if (!f.isRepeated()
          && (f.getJavaType() == FieldDescriptor.JavaType.INT
              || f.getJavaType() == FieldDescriptor.JavaType.LONG)) {
        v.nonNegative("status." + f.getName(), ((Number) status.getField(f)).longValue());
      }
    }
    FieldDescriptor conditions = status.getDescriptorForType().findFieldByName("conditions");
    if (conditions != null) {
      @SuppressWarnings("unchecked")
      List<Condition> list = (List<Condition>) status.getField(conditions);
      conditions(list, "status.conditions", v);
    }
    if (status instanceof PodStatus) {
      pod((PodStatus) status, v);
    } else if (status instanceof NodeStatus) {
      node((NodeStatus) status, v);
    } else if (status instanceof dev.drover.api.v1.NamespaceStatus) {
      if (((dev.drover.api.v1.NamespaceStatus) status).getPhase() == NamespacePhase.UNRECOGNIZED) {
        v.add("status.phase", "Unsupported value");
      }
    }
  }

  private static void conditions(List<Condition> list, String path, Violations v) {
    Set<String> types = new HashSet<>();
    for (int i = 0; i < list.size(); i++) {
      Condition c = list.get(i);
      String field = path + "[" + i + "]";
      if (c.getType().isEmpty()) {
        v.required(field + ".type");
      } else if (!types.add(c.getType())) {
        v.add(field + ".type", "Duplicate value: \"" + c.getType() + "\"");
      }
      if (c.getStatus() == ConditionStatus.CONDITION_STATUS_UNSPECIFIED
          || c.getStatus() == ConditionStatus.UNRECOGNIZED) {
        v.add(field + ".status", "Required value: one of True, False, Unknown");
      }
      if (!c.getReason().isEmpty() && !REASON.matcher(c.getReason()).matches()) {
        v.add(
            field + ".reason",
            "Invalid value: \"" + c.getReason() + "\": a CamelCase word such as 'Unschedulable'");
      }
    }
  }

  private static void pod(PodStatus status, Violations v) {
    if (status.getPhase() == PodPhase.UNRECOGNIZED) {
      v.add("status.phase", "Unsupported value: " + status.getPhaseValue());
    }
    ip(status.getPodIp(), "status.pod_ip", v);
    ip(status.getHostIp(), "status.host_ip", v);
    containerStatuses(status.getInitContainerStatusesList(), "status.init_container_statuses", v);
    containerStatuses(status.getContainerStatusesList(), "status.container_statuses", v);
    for (int i = 0; i < status.getHostPortsCount(); i++) {
      HostPortAllocation a = status.getHostPorts(i);
      String field = "status.host_ports[" + i + "]";
      v.port(field + ".container_port", a.getContainerPort());
      v.port(field + ".host_port", a.getHostPort());
    }
  }

  private static void containerStatuses(List<ContainerStatus> list, String path, Violations v) {
    for (int i = 0; i < list.size(); i++) {
      ContainerStatus s = list.get(i);
      if (s.getName().isEmpty()) {
        v.required(path + "[" + i + "].name");
      }
      v.nonNegative(path + "[" + i + "].restart_count", s.getRestartCount());
    }
  }

  private static void node(NodeStatus status, Violations v) {
    KindRules.quantities(status.getCapacityMap(), "status.capacity", v);
    KindRules.quantities(status.getAllocatableMap(), "status.allocatable", v);
    for (int i = 0; i < status.getAddressesCount(); i++) {
      var address = status.getAddresses(i);
      String field = "status.addresses[" + i + "]";
      if (address.getAddress().isEmpty()) {
        v.required(field + ".address");
      } else if (address.getType() != NodeAddressType.NODE_ADDRESS_TYPE_HOSTNAME) {
        ip(address.getAddress(), field + ".address", v);
      }
    }
    if (status.hasDaemonEndpoint() && status.getDaemonEndpoint().getPort() != 0) {
      v.port("status.daemon_endpoint.port", status.getDaemonEndpoint().getPort());
    }
  }

  private static void ip(String ip, String field, Violations v) {
    if (!ip.isEmpty() && !KindRules.isIp(ip)) {
      v.add(field, "Invalid value: \"" + ip + "\": must be a valid IP address");
    }
  }
}
