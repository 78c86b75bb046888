package dev.drover.cli;

import dev.drover.api.v1.Kind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The kinds as the CLI names them: kubectl's plural, singular and short names, the API group
 * used in output such as {@code deployment.apps/web}, and whether the kind lives in a namespace.
 */
public enum ResourceType {
  NAMESPACE(Kind.KIND_NAMESPACE, "Namespace", "namespaces", "", false, "ns"),
  NODE(Kind.KIND_NODE, "Node", "nodes", "", false, "no"),
  POD(Kind.KIND_POD, "Pod", "pods", "", true, "po"),
  DEPLOYMENT(Kind.KIND_DEPLOYMENT, "Deployment", "deployments", "apps", true, "deploy"),
  REPLICA_SET(Kind.KIND_REPLICA_SET, "ReplicaSet", "replicasets", "apps", true, "rs"),
  DAEMON_SET(Kind.KIND_DAEMON_SET, "DaemonSet", "daemonsets", "apps", true, "ds"),
  JOB(Kind.KIND_JOB, "Job", "jobs", "batch", true),
  SERVICE(Kind.KIND_SERVICE, "Service", "services", "", true, "svc"),
  ENDPOINTS(Kind.KIND_ENDPOINTS, "Endpoints", "endpoints", "", true, "ep"),
  EVENT(Kind.KIND_EVENT, "Event", "events", "", true, "ev"),
  SECRET(Kind.KIND_SECRET, "Secret", "secrets", "", true),
  CONFIG_MAP(Kind.KIND_CONFIG_MAP, "ConfigMap", "configmaps", "", true, "cm"),
  LEASE(Kind.KIND_LEASE, "Lease", "leases", "coordination.k8s.io", true);

  private final Kind kind;
  private final String kindName;
  private final String plural;
  private final String group;
  private final boolean namespaced;
  private final List<String> shortNames;

  ResourceType(
      Kind kind,
      String kindName,
      String plural,
      String group,
      boolean namespaced,
      String... shortNames) {
    this.kind = kind;
    this.kindName = kindName;
    this.plural = plural;
    this.group = group;
    this.namespaced = namespaced;
    this.shortNames = List.of(shortNames);
  }

  public Kind kind() {
    return kind;
  }

  /** The Kubernetes kind name, e.g. "ReplicaSet". */
  public String kindName() {
    return kindName;
  }

  /** The plural resource name, e.g. "replicasets" (used in messages like kubectl's). */
  public String plural() {
    return plural;
  }

  /** The singular resource name, e.g. "replicaset". */
  public String singular() {
    return kindName.toLowerCase(Locale.ROOT);
  }

  public boolean namespaced() {
    return namespaced;
  }

  /** The name in output lines: "deployment.apps", "pod". */
  public String qualifiedName() {
    return group.isEmpty() ? singular() : singular() + "." + group;
  }

  /** Every name accepted on the command line for this kind. */
  public List<String> names() {
    List<String> names = new ArrayList<>(List.of(singular(), plural));
    names.addAll(shortNames);
    return names;
  }

  /** The type of a Kind. */
  public static ResourceType of(Kind kind) {
    return Arrays.stream(values())
        .filter(t -> t.kind == kind)
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no resource type for " + kind));
  }

  /**
   * Looks a type up by any of its names, case-insensitively; "deployment.apps" style names with
   * the group are accepted too.
   */
  public static Optional<ResourceType> find(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    for (ResourceType type : values()) {
      if (type.names().contains(lower)
          || lower.equals(type.qualifiedName())
          || lower.equals(type.plural + (type.group.isEmpty() ? "" : "." + type.group))) {
        return Optional.of(type);
      }
    }
    return Optional.empty();
  }

  /** Every accepted name, for error messages and completion. */
  public static List<String> allNames() {
    List<String> names = new ArrayList<>();
    for (ResourceType type : values()) {
      names.addAll(type.names());
    }
    return names;
  }
}
