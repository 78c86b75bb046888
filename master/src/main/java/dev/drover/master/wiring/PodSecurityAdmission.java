package dev.drover.master.wiring;

import com.google.rpc.BadRequest.FieldViolation;
import dev.drover.api.ApiObjects;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Object;
import dev.drover.master.registry.ObjectValidator;
import dev.drover.master.registry.Registry;
import dev.drover.master.validation.PodSecurity;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Admission of pods and pod templates by the namespace's {@link PodSecurity} policy, on top of
 * another validator. The namespace is read only when an object asks for something restricted, so
 * ordinary pods cost nothing extra. An update is refused only for what it adds: an object admitted
 * before a namespace's policy was tightened can still have its status or scale changed.
 */
public final class PodSecurityAdmission implements ObjectValidator {
  private final ObjectValidator inner;
  private final Function<String, Map<String, String>> namespaceAnnotations;

  /**
   * Checks after {@code inner}; {@code namespaceAnnotations} gives a namespace's annotations (empty
   * when it does not exist).
   */
  public PodSecurityAdmission(
      ObjectValidator inner, Function<String, Map<String, String>> namespaceAnnotations) {
    this.inner = inner;
    this.namespaceAnnotations = namespaceAnnotations;
  }

  /** Admission over {@code inner}, reading namespaces from the registry {@code objects} gives. */
  public static PodSecurityAdmission over(ObjectValidator inner, Supplier<Registry> objects) {
    return new PodSecurityAdmission(
        inner,
        ns ->
            objects
                .get()
                .get(Kind.KIND_NAMESPACE, "", ns)
                .map(o -> o.getNamespace().getMetadata().getAnnotationsMap())
                .orElse(Map.of()));
  }

  @Override
  public Object applyDefaults(Object object) {
    return inner.applyDefaults(object);
  }

  @Override
  public List<FieldViolation> validate(Object object, Object old) {
    List<FieldViolation> out = new ArrayList<>(inner.validate(object, old));
    for (var v : PodSecurity.malformed(object)) {
      out.add(proto(v));
    }
    String ns = ApiObjects.meta(object).getNamespace();
    List<dev.drover.master.validation.FieldViolation> asked = PodSecurity.restricted(object, ns);
    if (old != null && !asked.isEmpty()) {
      Set<String> before = new HashSet<>();
      PodSecurity.restricted(old, ns).forEach(v -> before.add(v.field()));
      asked.removeIf(v -> before.contains(v.field()));
    }
    if (!asked.isEmpty() && !PodSecurity.allowsPrivileged(ns, namespaceAnnotations.apply(ns))) {
      asked.forEach(v -> out.add(proto(v)));
    }
    return out;
  }

  private static FieldViolation proto(dev.drover.master.validation.FieldViolation v) {
    return FieldViolation.newBuilder().setField(v.field()).setDescription(v.description()).build();
  }
}
