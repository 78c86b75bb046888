package dev.drover.master.registry;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.drover.api.ApiObjects;
import dev.drover.api.Kinds;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import java.util.ArrayList;
import java.util.List;

/**
 * Generic access to the parts of an {@link Object} envelope of any kind: its kind, metadata,
 * desired state ("spec": every field but metadata and status) and status.
 *
 * <p>Kind and wrapping come from {@link Kinds}, metadata from {@link ApiObjects}; this class adds
 * the spec/status split the store needs, done through protobuf reflection (every kind's status is
 * the message field named {@code status}) rather than a per-kind table.
 */
public final class Objects {
  private static final Descriptor ENVELOPE = Object.getDescriptor();

  private Objects() {}

  /** The kind held by the envelope, or {@link Kind#KIND_UNSPECIFIED} when empty. */
  public static Kind kind(Object o) {
    return o.getKindCase() == Object.KindCase.KIND_NOT_SET
        ? Kind.KIND_UNSPECIFIED
        : Kinds.kindOf(o);
  }

  /** True for Namespace and Node, which have no namespace. */
  public static boolean clusterScoped(Kind kind) {
    return !Kinds.isNamespaced(kind);
  }

  /** True for a kind this API stores. */
  public static boolean known(Kind kind) {
    return kind != null && Kinds.all().contains(kind);
  }

  /** The envelope field holding the given kind. */
  public static FieldDescriptor field(Kind kind) {
    return ENVELOPE.findFieldByNumber(kind.getNumber());
  }

  /** The status field of a kind, or null for kinds without one (Event, Secret, ...). */
  public static FieldDescriptor statusField(Descriptor d) {
    FieldDescriptor f = d.findFieldByName("status");
    return f != null && f.getType() == FieldDescriptor.Type.MESSAGE ? f : null;
  }

  /** True when the kind has a status subresource. */
  public static boolean hasStatus(Kind kind) {
    return statusField(field(kind).getMessageType()) != null;
  }

  /** The object with every field but metadata and status cleared: what makes up its "spec". */
  private static Message specPart(Message m) {
    Message.Builder b = m.toBuilder();
    b.clearField(m.getDescriptorForType().findFieldByNumber(1));
    FieldDescriptor st = statusField(m.getDescriptorForType());
    if (st != null) {
      b.clearField(st);
    }
    return b.build();
  }

  /** True when the desired-state parts (everything but metadata and status) differ. */
  public static boolean specChanged(Object a, Object b) {
    return !specPart(ApiObjects.message(a)).equals(specPart(ApiObjects.message(b)));
  }

  /** {@code target} with the status taken from {@code source} (or cleared when source is null). */
  public static Object withStatusOf(Object target, Object source) {
    Message m = ApiObjects.message(target);
    FieldDescriptor st = statusField(m.getDescriptorForType());
    if (st == null) {
      return target;
    }
    Message.Builder b = m.toBuilder();
    if (source == null) {
      b.clearField(st);
    } else {
      b.setField(st, ApiObjects.message(source).getField(st));
    }
    return target.toBuilder().setField(field(kind(target)), b.build()).build();
  }

  /**
   * {@code target} with everything but the status taken from {@code source}: the result of a status
   * update of {@code source} by {@code target}'s status.
   */
  public static Object withSpecOf(Object target, Object source) {
    return withStatusOf(source, target);
  }

  /** A short human label, e.g. {@code Pod default/web}. */
  public static String describe(Kind kind, String namespace, String name) {
    String k = Kinds.info(kind).kindName();
    return namespace.isEmpty() ? k + " " + name : k + " " + namespace + "/" + name;
  }

  /** {@link #describe(Kind, String, String)} for an object. */
  public static String describe(Object o) {
    ObjectMeta m = ApiObjects.meta(o);
    return describe(kind(o), m.getNamespace(), m.getName());
  }

  /**
   * Merges {@code patch} into {@code base} the way apply does: singular message fields set in the
   * patch merge recursively; every other field the patch sets (scalars, lists, maps) replaces the
   * base's.
   */
  public static Message mergeSetFields(Message base, Message patch) {
    Message.Builder b = base.toBuilder();
    for (var e : patch.getAllFields().entrySet()) {
      FieldDescriptor f = e.getKey();
      if (!f.isRepeated() && f.getType() == FieldDescriptor.Type.MESSAGE && base.hasField(f)) {
        b.setField(f, mergeSetFields((Message) base.getField(f), (Message) e.getValue()));
      } else {
        b.setField(f, e.getValue());
      }
    }
    return b.build();
  }

  /** Paths of the leaf fields that differ between two messages of one type, e.g. spec.replicas. */
  public static List<String> changedFields(Message a, Message b) {
    List<String> out = new ArrayList<>();
    diff("", a, b, out);
    return out;
  }

  private static void diff(String prefix, Message a, Message b, List<String> out) {
    for (FieldDescriptor f : a.getDescriptorForType().getFields()) {
      java.lang.Object va = a.getField(f);
      java.lang.Object vb = b.getField(f);
      if (va.equals(vb)) {
        continue;
      }
      String path = prefix + f.getName();
      if (!f.isRepeated() && f.getType() == FieldDescriptor.Type.MESSAGE) {
        diff(path + ".", (Message) va, (Message) vb, out);
      } else {
        out.add(path);
      }
    }
  }
}
