package dev.drover.api;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.LabelSelector;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.ObjectReference;
import dev.drover.api.v1.OwnerReference;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * The one object-meta helper: kind-independent access to typed API objects (a Pod, a Deployment)
 * and to the {@link Object} envelope that holds any of them. Every kind keeps its {@code
 * ObjectMeta} in field 1 (an API rule), so metadata is reached through the descriptor rather than a
 * per-kind table; {@link Kinds} owns the kind table itself.
 */
public final class ApiObjects {
  private ApiObjects() {}

  /** The kind of an API object message. */
  public static Kind kindOf(Message object) {
    return Kinds.kindOfMessage(object)
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "not an API object: " + object.getDescriptorForType().getFullName()));
  }

  /** True for kinds whose objects have no namespace. */
  public static boolean isClusterScoped(Kind kind) {
    return !Kinds.isNamespaced(kind);
  }

  /** The metadata of an API object. */
  public static ObjectMeta meta(Message object) {
    return (ObjectMeta) object.getField(metaField(object.getDescriptorForType()));
  }

  /** A copy of an object with other metadata. */
  @SuppressWarnings("unchecked")
  public static <T extends Message> T withMeta(T object, ObjectMeta meta) {
    return (T) object.toBuilder().setField(metaField(object.getDescriptorForType()), meta).build();
  }

  /** The metadata of the object inside an envelope (the default instance when unset). */
  public static ObjectMeta meta(Object object) {
    return meta(Kinds.unwrap(object));
  }

  /** A copy of an envelope whose inner object has other metadata. */
  public static Object withMeta(Object object, ObjectMeta meta) {
    return Kinds.wrap(withMeta(Kinds.unwrap(object), meta));
  }

  /** The kind's message held by an envelope (a Pod, a Deployment, ...). */
  public static Message message(Object object) {
    return Kinds.unwrap(object);
  }

  /** Puts a kind's message into the envelope, checking that it is of that kind. */
  public static Object wrap(Kind kind, Message message) {
    Object object = Kinds.wrap(message);
    if (Kinds.kindOf(object) != kind) {
      throw new IllegalArgumentException(
          "a " + message.getDescriptorForType().getName() + " is not a " + kind);
    }
    return object;
  }

  /** The descriptor of a field (spec, status) of a kind, or null when it has none. */
  public static FieldDescriptor field(Descriptor type, String name) {
    return type.findFieldByName(name);
  }

  private static FieldDescriptor metaField(Descriptor type) {
    FieldDescriptor field = type.findFieldByNumber(1);
    if (field == null || !field.getMessageType().equals(ObjectMeta.getDescriptor())) {
      throw new IllegalArgumentException("no metadata in " + type.getFullName());
    }
    return field;
  }

  /** Queue key of an object: {@code namespace/name}, or {@code name} when cluster-scoped. */
  public static String key(Message object) {
    ObjectMeta meta = meta(object);
    return key(meta.getNamespace(), meta.getName());
  }

  /** Queue key from a namespace and a name. */
  public static String key(String namespace, String name) {
    return namespace.isEmpty() ? name : namespace + "/" + name;
  }

  /** The namespace part of a key (empty for cluster-scoped keys). */
  public static String namespaceOf(String key) {
    int slash = key.indexOf('/');
    return slash < 0 ? "" : key.substring(0, slash);
  }

  /** The name part of a key. */
  public static String nameOf(String key) {
    int slash = key.indexOf('/');
    return slash < 0 ? key : key.substring(slash + 1);
  }

  /** The owner reference marked controller, if any. */
  public static Optional<OwnerReference> controllerOf(ObjectMeta meta) {
    return meta.getOwnerReferencesList().stream().filter(OwnerReference::getController).findFirst();
  }

  /** True when the object's controller is the object with this uid. */
  public static boolean isControlledBy(ObjectMeta meta, String ownerUid) {
    return controllerOf(meta).map(ref -> ref.getUid().equals(ownerUid)).orElse(false);
  }

  /** A controller owner reference to an object, blocking its foreground deletion. */
  public static OwnerReference controllerRef(Message owner) {
    ObjectMeta meta = meta(owner);
    return OwnerReference.newBuilder()
        .setKind(kindOf(owner))
        .setName(meta.getName())
        .setUid(meta.getUid())
        .setController(true)
        .setBlockOwnerDeletion(true)
        .build();
  }

  /** A reference to an object, for events and endpoint addresses. */
  public static ObjectReference reference(Message object) {
    ObjectMeta meta = meta(object);
    return ObjectReference.newBuilder()
        .setKind(kindOf(object))
        .setNamespace(meta.getNamespace())
        .setName(meta.getName())
        .setUid(meta.getUid())
        .setResourceVersion(meta.getResourceVersion())
        .build();
  }

  /** True when the object is being deleted. */
  public static boolean isDeleting(ObjectMeta meta) {
    return meta.hasDeletionTime();
  }

  /** A protobuf timestamp from an instant. */
  public static Timestamp timestamp(Instant instant) {
    return Timestamp.newBuilder()
        .setSeconds(instant.getEpochSecond())
        .setNanos(instant.getNano())
        .build();
  }

  /** An instant from a protobuf timestamp. */
  public static Instant instant(Timestamp timestamp) {
    return Instant.ofEpochSecond(timestamp.getSeconds(), timestamp.getNanos());
  }

  /** The instant of a timestamp, or null when it is unset (all zero). */
  public static Instant instantOrNull(Timestamp timestamp) {
    if (timestamp == null || (timestamp.getSeconds() == 0 && timestamp.getNanos() == 0)) {
      return null;
    }
    return instant(timestamp);
  }

  /** A selector matching exactly these labels (a Service's selector). */
  public static LabelSelector selectorOf(Map<String, String> labels) {
    return LabelSelector.newBuilder().putAllMatchLabels(labels).build();
  }
}
