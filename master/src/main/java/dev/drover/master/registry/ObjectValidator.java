package dev.drover.master.registry;

import com.google.rpc.BadRequest.FieldViolation;
import dev.drover.api.v1.Object;
import java.util.List;

/**
 * Defaults and checks objects before they are written. The master calls it for every create, update
 * and apply; the full Kubernetes-rule implementation (validation package) plugs in here, and {@link
 * StructuralValidator} is the built-in minimum.
 */
public interface ObjectValidator {

  /** The object with server defaults filled in (called before {@link #validate}). */
  default Object applyDefaults(Object object) {
    return object;
  }

  /**
   * Every problem of the object, each naming its field by path from the object's root (e.g. {@code
   * spec.containers[0].image}); empty when valid. {@code old} is the stored version for updates and
   * null for creates.
   */
  List<FieldViolation> validate(Object object, Object old);
}
