package dev.drover.cli.core;

import dev.drover.api.ApiObjects;
import dev.drover.api.Kinds;
import dev.drover.api.v1.Kind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The kinds as the CLI names them, backed by {@link Kinds}: kubectl's plural, singular and short
 * names, the qualified name used in output such as {@code deployment.apps/web}, and whether the
 * kind lives in a namespace. An enum so that commands can switch over kinds.
 */
public enum ResourceType {
  NAMESPACE(Kind.KIND_NAMESPACE),
  NODE(Kind.KIND_NODE),
  POD(Kind.KIND_POD),
  DEPLOYMENT(Kind.KIND_DEPLOYMENT),
  REPLICA_SET(Kind.KIND_REPLICA_SET),
  DAEMON_SET(Kind.KIND_DAEMON_SET),
  JOB(Kind.KIND_JOB),
  SERVICE(Kind.KIND_SERVICE),
  ENDPOINTS(Kind.KIND_ENDPOINTS),
  EVENT(Kind.KIND_EVENT),
  SECRET(Kind.KIND_SECRET),
  CONFIG_MAP(Kind.KIND_CONFIG_MAP),
  LEASE(Kind.KIND_LEASE),
  STATEFUL_SET(Kind.KIND_STATEFUL_SET),
  PERSISTENT_VOLUME(Kind.KIND_PERSISTENT_VOLUME),
  PERSISTENT_VOLUME_CLAIM(Kind.KIND_PERSISTENT_VOLUME_CLAIM);

  private final Kind kind;

  ResourceType(Kind kind) {
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }

  private Kinds.Info info() {
    return Kinds.info(kind);
  }

  /** The Kubernetes kind name, e.g. "ReplicaSet". */
  public String kindName() {
    return info().kindName();
  }

  /** The plural resource name, e.g. "replicasets" (used in messages like kubectl's). */
  public String plural() {
    return info().plural();
  }

  /** The singular resource name, e.g. "replicaset". */
  public String singular() {
    return info().singular();
  }

  public boolean namespaced() {
    return info().namespaced();
  }

  /** The name in output lines: "deployment.apps", "pod". */
  public String qualifiedName() {
    String group = info().group();
    return group.isEmpty() ? singular() : singular() + "." + group;
  }

  /** Every name accepted on the command line for this kind. */
  public List<String> names() {
    // A set keeps the order and drops a plural equal to its singular ("endpoints").
    Set<String> names = new LinkedHashSet<>(List.of(singular(), plural()));
    names.addAll(info().shortNames());
    return new ArrayList<>(names);
  }

  /** The resource type of an object in the envelope. */
  public static ResourceType of(dev.drover.api.v1.Object object) {
    return of(Kinds.kindOf(object));
  }

  /** How output lines name an object: {@code deployment.apps/web}. */
  public static String ref(dev.drover.api.v1.Object object) {
    return of(object).qualifiedName() + "/" + ApiObjects.meta(object).getName();
  }

  /** The type of a Kind. */
  public static ResourceType of(Kind kind) {
    return Arrays.stream(values())
        .filter(t -> t.kind == kind)
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no resource type for " + kind));
  }

  /** Looks a type up by any of its names, case-insensitively ("deployment.apps" too). */
  public static Optional<ResourceType> find(String name) {
    return Kinds.fromCliName(name).map(ResourceType::of);
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
