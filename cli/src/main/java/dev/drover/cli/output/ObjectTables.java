package dev.drover.cli.output;

import dev.drover.api.ApiObjects;
import dev.drover.api.Conditions;
import dev.drover.api.KubeEnums;
import dev.drover.api.v1.Condition;
import dev.drover.api.v1.ConditionStatus;
import dev.drover.api.v1.ConfigMap;
import dev.drover.api.v1.Container;
import dev.drover.api.v1.CronJob;
import dev.drover.api.v1.CronJobSpec;
import dev.drover.api.v1.DaemonSet;
import dev.drover.api.v1.Deployment;
import dev.drover.api.v1.EndpointAddress;
import dev.drover.api.v1.EndpointPort;
import dev.drover.api.v1.EndpointSubset;
import dev.drover.api.v1.Endpoints;
import dev.drover.api.v1.Event;
import dev.drover.api.v1.Job;
import dev.drover.api.v1.JobSpec;
import dev.drover.api.v1.LabelSelector;
import dev.drover.api.v1.LabelSelectorRequirement;
import dev.drover.api.v1.Lease;
import dev.drover.api.v1.Namespace;
import dev.drover.api.v1.Node;
import dev.drover.api.v1.NodeAddress;
import dev.drover.api.v1.NodeAddressType;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.ObjectReference;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodTemplateSpec;
import dev.drover.api.v1.ReplicaSet;
import dev.drover.api.v1.Secret;
import dev.drover.api.v1.Service;
import dev.drover.api.v1.ServicePort;
import dev.drover.api.v1.StatefulSet;
import dev.drover.cli.core.Durations;
import dev.drover.cli.core.ResourceType;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The columns {@code drover get} prints for each kind, shaped like kubectl's: pods NAME READY
 * STATUS RESTARTS AGE (wide: IP NODE), deployments NAME READY UP-TO-DATE AVAILABLE AGE, nodes NAME
 * STATUS ROLES AGE VERSION, and so on. {@code -A} adds a NAMESPACE column in front.
 */
public final class ObjectTables {

  private final ResourceType type;
  private final boolean wide;
  private final boolean withNamespace;
  private final Instant now;
  private boolean qualifiedNames;

  public ObjectTables(ResourceType type, boolean wide, boolean withNamespace, Instant now) {
    this.type = type;
    this.wide = wide;
    this.withNamespace = withNamespace && type.namespaced();
    this.now = now;
  }

  /** A table of these objects (all of this table's type). */
  public Table table(List<Object> objects) {
    List<String> headers = headers();
    int nameColumn = qualifiedNames ? headers.indexOf("NAME") : -1;
    Table table = new Table(headers);
    for (Object object : objects) {
      List<String> cells = cells(object);
      if (nameColumn >= 0) {
        cells.set(nameColumn, ResourceType.ref(object));
      }
      table.row(cells);
    }
    return table;
  }

  /**
   * Names as {@code kind[.group]/name} ({@code persistentvolume/data}, {@code
   * deployment.apps/web}), as kubectl prints them when one command lists several kinds.
   */
  public ObjectTables qualifyingNames() {
    this.qualifiedNames = true;
    return this;
  }

  /** The header row. */
  public List<String> headers() {
    List<String> headers = new ArrayList<>();
    if (withNamespace) {
      headers.add("NAMESPACE");
    }
    switch (type) {
      case POD -> {
        headers.addAll(List.of("NAME", "READY", "STATUS", "RESTARTS", "AGE"));
        if (wide) {
          headers.addAll(List.of("IP", "NODE"));
        }
      }
      case DEPLOYMENT -> {
        headers.addAll(List.of("NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"));
        if (wide) {
          headers.addAll(List.of("CONTAINERS", "IMAGES", "SELECTOR"));
        }
      }
      case REPLICA_SET -> {
        headers.addAll(List.of("NAME", "DESIRED", "CURRENT", "READY", "AGE"));
        if (wide) {
          headers.addAll(List.of("CONTAINERS", "IMAGES", "SELECTOR"));
        }
      }
      case DAEMON_SET -> {
        headers.addAll(
            List.of(
                "NAME",
                "DESIRED",
                "CURRENT",
                "READY",
                "UP-TO-DATE",
                "AVAILABLE",
                "NODE SELECTOR",
                "AGE"));
        if (wide) {
          headers.addAll(List.of("CONTAINERS", "IMAGES", "SELECTOR"));
        }
      }
      case JOB -> {
        headers.addAll(List.of("NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"));
        if (wide) {
          headers.addAll(List.of("CONTAINERS", "IMAGES", "SELECTOR"));
        }
      }
      case CRON_JOB -> {
        headers.addAll(
            List.of("NAME", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE", "LAST SCHEDULE", "AGE"));
        if (wide) {
          headers.addAll(List.of("CONTAINERS", "IMAGES", "SELECTOR"));
        }
      }
      case NODE -> {
        headers.addAll(List.of("NAME", "STATUS", "ROLES", "AGE", "VERSION"));
        if (wide) {
          headers.addAll(List.of("INTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"));
        }
      }
      case SERVICE -> {
        headers.addAll(List.of("NAME", "TYPE", "PORT(S)", "AGE"));
        if (wide) {
          headers.add("SELECTOR");
        }
      }
      case ENDPOINTS -> headers.addAll(List.of("NAME", "ENDPOINTS", "AGE"));
      case EVENT -> headers.addAll(List.of("LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"));
      case NAMESPACE -> headers.addAll(List.of("NAME", "STATUS", "AGE"));
      case CONFIG_MAP -> headers.addAll(List.of("NAME", "DATA", "AGE"));
      case SECRET -> headers.addAll(List.of("NAME", "TYPE", "DATA", "AGE"));
      case LEASE -> headers.addAll(List.of("NAME", "HOLDER", "AGE"));
      case STATEFUL_SET, PERSISTENT_VOLUME, PERSISTENT_VOLUME_CLAIM -> {
        headers.add("NAME");
        headers.addAll(StatefulTables.headers(type.kind()));
        headers.add("AGE");
        if (wide && type == ResourceType.STATEFUL_SET) {
          headers.addAll(List.of("CONTAINERS", "IMAGES", "SELECTOR"));
        }
      }
      default -> headers.addAll(List.of("NAME", "AGE"));
    }
    return headers;
  }

  /** The cells of one object's row. */
  public List<String> cells(Object object) {
    ObjectMeta meta = ApiObjects.meta(object);
    List<String> cells = new ArrayList<>();
    if (withNamespace) {
      cells.add(meta.getNamespace());
    }
    String age = age(meta);
    switch (object.getKindCase()) {
      case POD -> {
        Pod pod = object.getPod();
        cells.addAll(
            List.of(
                meta.getName(),
                PodText.ready(pod),
                PodText.status(pod),
                String.valueOf(PodText.restarts(pod)),
                age));
        if (wide) {
          cells.add(orNone(pod.getStatus().getPodIp()));
          cells.add(orNone(pod.getSpec().getNodeName()));
        }
      }
      case DEPLOYMENT -> {
        Deployment d = object.getDeployment();
        int desired = d.getSpec().hasReplicas() ? d.getSpec().getReplicas() : 1;
        cells.addAll(
            List.of(
                meta.getName(),
                d.getStatus().getReadyReplicas() + "/" + desired,
                String.valueOf(d.getStatus().getUpdatedReplicas()),
                String.valueOf(d.getStatus().getAvailableReplicas()),
                age));
        addTemplate(cells, d.getSpec().getTemplate(), d.getSpec().getSelector());
      }
      case REPLICA_SET -> {
        ReplicaSet rs = object.getReplicaSet();
        int desired = rs.getSpec().hasReplicas() ? rs.getSpec().getReplicas() : 1;
        cells.addAll(
            List.of(
                meta.getName(),
                String.valueOf(desired),
                String.valueOf(rs.getStatus().getReplicas()),
                String.valueOf(rs.getStatus().getReadyReplicas()),
                age));
        addTemplate(cells, rs.getSpec().getTemplate(), rs.getSpec().getSelector());
      }
      case DAEMON_SET -> {
        DaemonSet ds = object.getDaemonSet();
        var s = ds.getStatus();
        Map<String, String> nodeSelector =
            ds.getSpec().getTemplate().getSpec().getNodeSelectorMap();
        cells.addAll(
            List.of(
                meta.getName(),
                String.valueOf(s.getDesiredNumberScheduled()),
                String.valueOf(s.getCurrentNumberScheduled()),
                String.valueOf(s.getNumberReady()),
                String.valueOf(s.getUpdatedNumberScheduled()),
                String.valueOf(s.getNumberAvailable()),
                nodeSelector.isEmpty() ? "<none>" : labels(nodeSelector),
                age));
        addTemplate(cells, ds.getSpec().getTemplate(), ds.getSpec().getSelector());
      }
      case JOB -> {
        Job job = object.getJob();
        int completions = job.getSpec().hasCompletions() ? job.getSpec().getCompletions() : 1;
        cells.addAll(
            List.of(
                meta.getName(),
                jobStatus(job),
                job.getStatus().getSucceeded() + "/" + completions,
                jobDuration(job),
                age));
        addTemplate(cells, job.getSpec().getTemplate(), job.getSpec().getSelector());
      }
      case CRON_JOB -> {
        CronJob cronJob = object.getCronJob();
        CronJobSpec spec = cronJob.getSpec();
        Instant last = ApiObjects.instantOrNull(cronJob.getStatus().getLastScheduleTime());
        cells.addAll(
            List.of(
                meta.getName(),
                spec.getSchedule(),
                spec.hasTimeZone() ? spec.getTimeZone() : "<none>",
                spec.getSuspend() ? "True" : "False",
                String.valueOf(cronJob.getStatus().getActiveCount()),
                last == null ? "<none>" : Durations.age(Duration.between(last, now)),
                age));
        JobSpec job = spec.getJobTemplate().getSpec();
        addTemplate(cells, job.getTemplate(), job.getSelector());
      }
      case NODE -> {
        Node node = object.getNode();
        cells.addAll(
            List.of(
                meta.getName(),
                nodeStatus(node),
                roles(meta),
                age,
                orNone(node.getStatus().getNodeInfo().getAgentVersion())));
        if (wide) {
          cells.add(orNone(address(node, NodeAddressType.NODE_ADDRESS_TYPE_INTERNAL_IP)));
          cells.add(orNone(node.getStatus().getNodeInfo().getOsImage()));
          cells.add(orNone(node.getStatus().getNodeInfo().getKernelVersion()));
          cells.add(orNone(node.getStatus().getNodeInfo().getContainerRuntimeVersion()));
        }
      }
      case SERVICE -> {
        Service svc = object.getService();
        String svcType = KubeEnums.text(svc.getSpec().getType());
        cells.addAll(
            List.of(
                meta.getName(), svcType.isEmpty() ? "ClusterIP" : svcType, servicePorts(svc), age));
        if (wide) {
          cells.add(
              svc.getSpec().getSelectorMap().isEmpty()
                  ? "<none>"
                  : labels(svc.getSpec().getSelectorMap()));
        }
      }
      case ENDPOINTS ->
          cells.addAll(List.of(meta.getName(), endpoints(object.getEndpoints()), age));
      case EVENT -> {
        Event event = object.getEvent();
        String eventType = KubeEnums.text(event.getType());
        cells.addAll(
            List.of(
                eventAge(event),
                eventType.isEmpty() ? "Normal" : eventType,
                event.getReason(),
                involved(event.getInvolvedObject()),
                event.getMessage()));
      }
      case NAMESPACE -> {
        Namespace ns = object.getNamespace();
        String phase = KubeEnums.text(ns.getStatus().getPhase());
        cells.addAll(List.of(meta.getName(), phase.isEmpty() ? "Active" : phase, age));
      }
      case CONFIG_MAP -> {
        ConfigMap cm = object.getConfigMap();
        cells.addAll(
            List.of(
                meta.getName(), String.valueOf(cm.getDataCount() + cm.getBinaryDataCount()), age));
      }
      case SECRET -> {
        Secret secret = object.getSecret();
        cells.addAll(
            List.of(
                meta.getName(),
                secret.getType().isEmpty() ? "Opaque" : secret.getType(),
                String.valueOf(secret.getDataCount()),
                age));
      }
      case LEASE -> {
        Lease lease = object.getLease();
        cells.addAll(List.of(meta.getName(), orNone(lease.getSpec().getHolderIdentity()), age));
      }
      case STATEFUL_SET, PERSISTENT_VOLUME, PERSISTENT_VOLUME_CLAIM -> {
        cells.add(meta.getName());
        cells.addAll(StatefulTables.cells(object));
        cells.add(age);
        if (object.hasStatefulSet()) {
          StatefulSet set = object.getStatefulSet();
          addTemplate(cells, set.getSpec().getTemplate(), set.getSpec().getSelector());
        }
      }
      default -> cells.addAll(List.of(meta.getName(), age));
    }
    return cells;
  }

  private void addTemplate(List<String> cells, PodTemplateSpec template, LabelSelector selector) {
    if (!wide) {
      return;
    }
    List<Container> containers = template.getSpec().getContainersList();
    cells.add(containers.stream().map(Container::getName).collect(Collectors.joining(",")));
    cells.add(containers.stream().map(Container::getImage).collect(Collectors.joining(",")));
    String text = selector(selector);
    cells.add(text.isEmpty() ? "<none>" : text);
  }

  /** A label selector in the text syntax of {@code -l}. */
  public static String selector(LabelSelector selector) {
    List<String> parts = new ArrayList<>();
    new TreeMap<>(selector.getMatchLabelsMap()).forEach((k, v) -> parts.add(k + "=" + v));
    for (LabelSelectorRequirement r : selector.getMatchExpressionsList()) {
      String values = String.join(",", r.getValuesList());
      switch (r.getOperator()) {
        case LABEL_SELECTOR_OPERATOR_IN -> parts.add(r.getKey() + " in (" + values + ")");
        case LABEL_SELECTOR_OPERATOR_NOT_IN -> parts.add(r.getKey() + " notin (" + values + ")");
        case LABEL_SELECTOR_OPERATOR_EXISTS -> parts.add(r.getKey());
        case LABEL_SELECTOR_OPERATOR_DOES_NOT_EXIST -> parts.add("!" + r.getKey());
        default -> {}
      }
    }
    return String.join(",", parts);
  }

  /** Labels as {@code k=v,k2=v2}, sorted by key. */
  public static String labels(Map<String, String> labels) {
    return new TreeMap<>(labels)
        .entrySet().stream()
            .map(e -> e.getKey() + "=" + e.getValue())
            .collect(Collectors.joining(","));
  }

  private String age(ObjectMeta meta) {
    Instant created = ApiObjects.instantOrNull(meta.getCreationTime());
    return created == null ? "<unknown>" : Durations.age(Duration.between(created, now));
  }

  private String eventAge(Event event) {
    Instant last = lastSeen(event);
    return last == null ? "<unknown>" : Durations.age(Duration.between(last, now));
  }

  /** When an event last happened: last_timestamp, else event_time, else creation; or null. */
  public static Instant lastSeen(Event event) {
    Instant at = ApiObjects.instantOrNull(event.getLastTimestamp());
    if (at == null) {
      at = ApiObjects.instantOrNull(event.getEventTime());
    }
    if (at == null) {
      at = ApiObjects.instantOrNull(event.getMetadata().getCreationTime());
    }
    return at;
  }

  private static String orNone(String value) {
    return value == null || value.isEmpty() ? "<none>" : value;
  }

  private static String jobStatus(Job job) {
    for (Condition condition : job.getStatus().getConditionsList()) {
      if (condition.getStatus() == ConditionStatus.CONDITION_STATUS_TRUE
          && (condition.getType().equals("Complete")
              || condition.getType().equals("Failed")
              || condition.getType().equals("Suspended"))) {
        return condition.getType();
      }
    }
    return "Running";
  }

  private String jobDuration(Job job) {
    Instant start = ApiObjects.instantOrNull(job.getStatus().getStartTime());
    if (start == null) {
      return "";
    }
    Instant end = ApiObjects.instantOrNull(job.getStatus().getCompletionTime());
    return Durations.age(Duration.between(start, end == null ? now : end));
  }

  /** Ready, NotReady or Unknown, plus ",SchedulingDisabled" for a cordoned node. */
  public static String nodeStatus(Node node) {
    String status =
        switch (Conditions.readyStatus(node)) {
          case CONDITION_STATUS_TRUE -> "Ready";
          case CONDITION_STATUS_FALSE -> "NotReady";
          default -> "Unknown";
        };
    return node.getSpec().getUnschedulable() ? status + ",SchedulingDisabled" : status;
  }

  private static String roles(ObjectMeta meta) {
    String prefix = "node-role.kubernetes.io/";
    List<String> roles =
        meta.getLabelsMap().keySet().stream()
            .filter(k -> k.startsWith(prefix))
            .map(k -> k.substring(prefix.length()))
            .sorted()
            .toList();
    return roles.isEmpty() ? "<none>" : String.join(",", roles);
  }

  private static String address(Node node, NodeAddressType type) {
    for (NodeAddress address : node.getStatus().getAddressesList()) {
      if (address.getType() == type) {
        return address.getAddress();
      }
    }
    return "";
  }

  private static String servicePorts(Service svc) {
    List<String> ports = new ArrayList<>();
    for (ServicePort port : svc.getSpec().getPortsList()) {
      String protocol = KubeEnums.text(port.getProtocol());
      ports.add(
          port.getPort()
              + (port.getNodePort() != 0 ? ":" + port.getNodePort() : "")
              + "/"
              + (protocol.isEmpty() ? "TCP" : protocol));
    }
    return ports.isEmpty() ? "<none>" : String.join(",", ports);
  }

  private static String endpoints(Endpoints endpoints) {
    List<String> out = new ArrayList<>();
    for (EndpointSubset subset : endpoints.getSubsetsList()) {
      for (EndpointAddress address : subset.getAddressesList()) {
        for (EndpointPort port : subset.getPortsList()) {
          out.add(address.getIp() + ":" + port.getPort());
        }
      }
    }
    if (out.isEmpty()) {
      return "<none>";
    }
    return out.size() > 3
        ? String.join(",", out.subList(0, 3)) + " + " + (out.size() - 3) + " more..."
        : String.join(",", out);
  }

  /** How an event names its object: {@code pod/web-1}. */
  public static String involved(ObjectReference ref) {
    String kind = ref.getKind().getNumber() == 0 ? "" : ResourceType.of(ref.getKind()).singular();
    return kind.isEmpty() ? ref.getName() : kind + "/" + ref.getName();
  }
}
