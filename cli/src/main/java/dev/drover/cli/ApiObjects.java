package dev.drover.cli;

import com.google.protobuf.Message;
import com.google.protobuf.ProtocolMessageEnum;
import com.google.protobuf.Timestamp;
import dev.drover.api.Kinds;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import java.time.Instant;
import java.util.Locale;

/**
 * Generic access to an {@link Object} of any kind: its type, its message and its metadata, through
 * the protobuf descriptors (every kind has {@code metadata} as field 1), plus the small text
 * conversions output needs (enum spellings, timestamps).
 */
public final class ApiObjects {

  private ApiObjects() {}

  /** The resource type of the object. */
  public static ResourceType type(Object object) {
    return ResourceType.of(Kinds.kindOf(object));
  }

  /** The kind's message held by the envelope (a Pod, a Deployment, ...). */
  public static Message message(Object object) {
    return Kinds.unwrap(object);
  }

  /** The object's metadata. */
  public static ObjectMeta meta(Object object) {
    return Kinds.metadata(object);
  }

  /** The object with its metadata replaced. */
  public static Object withMeta(Object object, ObjectMeta meta) {
    return Kinds.withMetadata(object, meta);
  }

  /** Puts a kind's message into the envelope. */
  public static Object wrap(Kind kind, Message message) {
    Object object = Kinds.wrap(message);
    if (Kinds.kindOf(object) != kind) {
      throw new IllegalArgumentException(
          "a " + message.getDescriptorForType().getName() + " is not a " + kind);
    }
    return object;
  }

  /** How output lines name the object: {@code deployment.apps/web}. */
  public static String ref(Object object) {
    return type(object).qualifiedName() + "/" + meta(object).getName();
  }

  /**
   * The Kubernetes spelling of an enum value: {@code POD_PHASE_RUNNING} of {@code PodPhase} becomes
   * "Running", {@code SERVICE_TYPE_NODE_PORT} "NodePort". Unspecified gives "".
   */
  public static String enumText(ProtocolMessageEnum value) {
    var descriptor = value.getValueDescriptor();
    if (descriptor.getIndex() < 0 || descriptor.getNumber() == 0) {
      return "";
    }
    String prefix = upperSnake(descriptor.getType().getName()) + "_";
    String name = descriptor.getName();
    if (name.startsWith(prefix)) {
      name = name.substring(prefix.length());
    }
    StringBuilder out = new StringBuilder();
    for (String word : name.split("_")) {
      if (word.equals("TCP") || word.equals("UDP") || word.equals("IP")) {
        out.append(word);
      } else if (!word.isEmpty()) {
        out.append(word.charAt(0)).append(word.substring(1).toLowerCase(Locale.ROOT));
      }
    }
    return out.toString();
  }

  private static String upperSnake(String camel) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < camel.length(); i++) {
      char c = camel.charAt(i);
      if (Character.isUpperCase(c) && i > 0) {
        out.append('_');
      }
      out.append(Character.toUpperCase(c));
    }
    return out.toString();
  }

  /** The instant of a timestamp, or null when it is unset. */
  public static Instant instant(Timestamp timestamp) {
    if (timestamp == null || (timestamp.getSeconds() == 0 && timestamp.getNanos() == 0)) {
      return null;
    }
    return Instant.ofEpochSecond(timestamp.getSeconds(), timestamp.getNanos());
  }

  /** A timestamp for an instant. */
  public static Timestamp timestamp(Instant instant) {
    return Timestamp.newBuilder()
        .setSeconds(instant.getEpochSecond())
        .setNanos(instant.getNano())
        .build();
  }
}
