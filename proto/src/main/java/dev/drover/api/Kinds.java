package dev.drover.api;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Facts about every {@link Kind} and generic access to any object: the {@link Object} oneof case,
 * whether the kind is namespaced, its Kubernetes kind name and apiVersion, its CLI names (plural,
 * singular, short), the store keys, and reading or replacing the metadata of an {@code Object}
 * without a switch at every call site.
 *
 * <p>The {@code Object} oneof field numbers equal the {@code Kind} values (an API rule checked by
 * {@code ApiConventionsTest}), so the mapping between a kind, its oneof field and its message type
 * comes from the descriptors, never from a hand-kept table.
 */
public final class Kinds {

  /** Prefix of every object key in the store. */
  public static final String KEY_ROOT = "/registry/";

  /** What is known about one kind. */
  public record Info(
      Kind kind,
      Object.KindCase objectCase,
      boolean namespaced,
      String kindName,
      String apiVersion,
      String plural,
      String singular,
      List<String> shortNames) {

    /** The group part of the apiVersion: "" for the core group, "apps" for "apps/v1". */
    public String group() {
      int slash = apiVersion.indexOf('/');
      return slash < 0 ? "" : apiVersion.substring(0, slash);
    }
  }

  private static final Map<Kind, Info> INFO = new EnumMap<>(Kind.class);
  private static final Map<String, Kind> BY_CLI_NAME = new HashMap<>();
  private static final Map<String, Kind> BY_KIND_NAME = new HashMap<>();
  private static final Map<Descriptor, Kind> BY_DESCRIPTOR = new HashMap<>();
  private static final List<Kind> ALL;

  static {
    add(Kind.KIND_NAMESPACE, false, "Namespace", "v1", "namespaces", "ns");
    add(Kind.KIND_NODE, false, "Node", "v1", "nodes", "no");
    add(Kind.KIND_POD, true, "Pod", "v1", "pods", "po");
    add(Kind.KIND_DEPLOYMENT, true, "Deployment", "apps/v1", "deployments", "deploy");
    add(Kind.KIND_REPLICA_SET, true, "ReplicaSet", "apps/v1", "replicasets", "rs");
    add(Kind.KIND_DAEMON_SET, true, "DaemonSet", "apps/v1", "daemonsets", "ds");
    add(Kind.KIND_JOB, true, "Job", "batch/v1", "jobs");
    add(Kind.KIND_SERVICE, true, "Service", "v1", "services", "svc");
    add(Kind.KIND_ENDPOINTS, true, "Endpoints", "v1", "endpoints", "ep");
    add(Kind.KIND_EVENT, true, "Event", "v1", "events", "ev");
    add(Kind.KIND_SECRET, true, "Secret", "v1", "secrets");
    add(Kind.KIND_CONFIG_MAP, true, "ConfigMap", "v1", "configmaps", "cm");
    add(Kind.KIND_LEASE, true, "Lease", "coordination.k8s.io/v1", "leases");
    add(Kind.KIND_STATEFUL_SET, true, "StatefulSet", "apps/v1", "statefulsets", "sts");
    add(Kind.KIND_PERSISTENT_VOLUME, false, "PersistentVolume", "v1", "persistentvolumes", "pv");
    add(
        Kind.KIND_PERSISTENT_VOLUME_CLAIM,
        true,
        "PersistentVolumeClaim",
        "v1",
        "persistentvolumeclaims",
        "pvc");
    for (Kind kind : Kind.values()) {
      if (kind != Kind.KIND_UNSPECIFIED && kind != Kind.UNRECOGNIZED && !INFO.containsKey(kind)) {
        throw new ExceptionInInitializerError("Kinds has no entry for " + kind);
      }
    }
    ALL = Collections.unmodifiableList(new ArrayList<>(INFO.keySet()));
  }

  private Kinds() {}

  private static void add(
      Kind kind,
      boolean namespaced,
      String kindName,
      String apiVersion,
      String plural,
      String... shortNames) {
    FieldDescriptor field = Object.getDescriptor().findFieldByNumber(kind.getNumber());
    Object.KindCase objectCase = Object.KindCase.forNumber(kind.getNumber());
    String singular = kindName.toLowerCase(Locale.ROOT);
    Info info =
        new Info(
            kind,
            objectCase,
            namespaced,
            kindName,
            apiVersion,
            plural,
            singular,
            List.of(shortNames));
    INFO.put(kind, info);
    BY_DESCRIPTOR.put(field.getMessageType(), kind);
    BY_KIND_NAME.put(kindName, kind);
    BY_CLI_NAME.put(plural, kind);
    BY_CLI_NAME.put(singular, kind);
    for (String shortName : shortNames) {
      BY_CLI_NAME.put(shortName, kind);
    }
  }

  /** Every real kind (not UNSPECIFIED), in Kind order. */
  public static List<Kind> all() {
    return ALL;
  }

  /**
   * What is known about {@code kind}.
   *
   * @throws IllegalArgumentException for KIND_UNSPECIFIED or an unknown number
   */
  public static Info info(Kind kind) {
    Info info = INFO.get(kind);
    if (info == null) {
      throw new IllegalArgumentException("not a kind: " + kind);
    }
    return info;
  }

  /** Whether objects of {@code kind} live in a namespace (all but Namespace and Node). */
  public static boolean isNamespaced(Kind kind) {
    return info(kind).namespaced();
  }

  /** The {@code Object} oneof case holding {@code kind}. */
  public static Object.KindCase objectCase(Kind kind) {
    return info(kind).objectCase();
  }

  /**
   * The kind a CLI user means: a plural ("pods"), singular ("pod"), short name ("po") or Kubernetes
   * kind name ("Pod"), ignoring case; also accepts "kind.group" forms such as "deployments.apps".
   */
  public static Optional<Kind> fromCliName(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    Kind kind = BY_CLI_NAME.get(lower);
    if (kind == null) {
      int dot = lower.indexOf('.');
      if (dot > 0) {
        Kind candidate = BY_CLI_NAME.get(lower.substring(0, dot));
        if (candidate != null && info(candidate).group().equals(lower.substring(dot + 1))) {
          kind = candidate;
        }
      }
    }
    return Optional.ofNullable(kind);
  }

  /**
   * The kind of a manifest's {@code apiVersion} and {@code kind} ("apps/v1", "Deployment"). Both
   * must match exactly, as Kubernetes requires.
   */
  public static Optional<Kind> fromManifest(String apiVersion, String kindName) {
    Kind kind = BY_KIND_NAME.get(kindName);
    if (kind == null || !info(kind).apiVersion().equals(apiVersion)) {
      return Optional.empty();
    }
    return Optional.of(kind);
  }

  /** The kind whose message type is {@code message}'s (e.g. KIND_POD for a Pod). */
  public static Optional<Kind> kindOfMessage(Message message) {
    return Optional.ofNullable(BY_DESCRIPTOR.get(message.getDescriptorForType()));
  }

  /**
   * The kind held by {@code object}.
   *
   * @throws IllegalArgumentException when the oneof is not set
   */
  public static Kind kindOf(Object object) {
    if (object.getKindCase() == Object.KindCase.KIND_NOT_SET) {
      throw new IllegalArgumentException("the Object holds no object (kind not set)");
    }
    return Kind.forNumber(object.getKindCase().getNumber());
  }

  /**
   * The typed message inside {@code object} (a Pod, a Deployment, ...).
   *
   * @throws IllegalArgumentException when the oneof is not set
   */
  public static Message unwrap(Object object) {
    return (Message) object.getField(field(kindOf(object)));
  }

  /**
   * The typed message inside {@code object} as {@code type}.
   *
   * @throws IllegalArgumentException when the object holds another kind or none
   */
  public static <T extends Message> T unwrap(Object object, Class<T> type) {
    Message message = unwrap(object);
    if (!type.isInstance(message)) {
      throw new IllegalArgumentException(
          "the Object holds a "
              + message.getDescriptorForType().getName()
              + ", not a "
              + type.getSimpleName());
    }
    return type.cast(message);
  }

  /**
   * Wraps a typed object (Pod, Deployment, ...) into an {@code Object}.
   *
   * @throws IllegalArgumentException when {@code message} is not an object of any kind
   */
  public static Object wrap(Message message) {
    Kind kind =
        kindOfMessage(message)
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        message.getDescriptorForType().getFullName() + " is not an object kind"));
    return Object.newBuilder().setField(field(kind), message).build();
  }

  private static FieldDescriptor field(Kind kind) {
    return Object.getDescriptor().findFieldByNumber(info(kind).kind().getNumber());
  }

  /**
   * The store key of an object: {@code /registry/pods/<namespace>/<name>}, or {@code
   * /registry/nodes/<name>} for a cluster-scoped kind.
   *
   * @throws IllegalArgumentException when the name is empty, or the namespace is empty for a
   *     namespaced kind or set for a cluster-scoped one
   */
  public static String key(Kind kind, String namespace, String name) {
    Info info = info(kind);
    if (name.isEmpty()) {
      throw new IllegalArgumentException("a key needs a name");
    }
    if (info.namespaced()) {
      if (namespace.isEmpty()) {
        throw new IllegalArgumentException(info.kindName() + " is namespaced: a key needs one");
      }
      return KEY_ROOT + info.plural() + "/" + namespace + "/" + name;
    }
    if (!namespace.isEmpty()) {
      throw new IllegalArgumentException(
          info.kindName() + " is cluster-scoped: its key has no namespace");
    }
    return KEY_ROOT + info.plural() + "/" + name;
  }

  /** The store key of {@code object}, from its kind, namespace and name. */
  public static String key(Object object) {
    ObjectMeta meta = ApiObjects.meta(object);
    return key(kindOf(object), meta.getNamespace(), meta.getName());
  }

  /**
   * The key prefix to list objects of {@code kind}: in one namespace ({@code
   * /registry/pods/<namespace>/}) or, with an empty namespace, in all of them ({@code
   * /registry/pods/}); cluster-scoped kinds ignore the namespace.
   */
  public static String prefix(Kind kind, String namespace) {
    Info info = info(kind);
    if (!info.namespaced() || namespace.isEmpty()) {
      return KEY_ROOT + info.plural() + "/";
    }
    return KEY_ROOT + info.plural() + "/" + namespace + "/";
  }

  /** The key prefix of every object of {@code kind}, in every namespace. */
  public static String prefix(Kind kind) {
    return prefix(kind, "");
  }
}
