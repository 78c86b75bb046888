package dev.drover.master.validation;

import com.google.protobuf.Message;
import dev.drover.api.ApiObjects;
import dev.drover.api.Kinds;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import java.util.List;

/**
 * Checks an object before it is written and returns every violation, each with the path of the bad
 * field, so that one round trip tells a client everything to fix. Stateless and thread-safe.
 *
 * <p>Expects the object after {@link Defaulter} ran (the master defaults, then validates): for
 * example an empty namespace of a namespaced kind is reported as missing. What is checked depends
 * on the {@link Operation}:
 *
 * <ul>
 *   <li>CREATE: metadata, spec (or data) and status of the object, and its serialized size;
 *   <li>UPDATE: metadata, spec and size (the status of an update is ignored by the API), plus what
 *       may not change from {@code old};
 *   <li>UPDATE_STATUS: the status only, and that name, namespace and uid did not change.
 * </ul>
 */
public final class Validator {

  /** Largest serialized object the store accepts (as etcd's default request limit). */
  public static final int MAX_OBJECT_BYTES = 1024 * 1024;

  /**
   * Validates {@code object}.
   *
   * @param object the object to write
   * @param operation the kind of write
   * @param old the stored object for UPDATE and UPDATE_STATUS; ignored (may be null) for CREATE
   * @return every violation found; empty when the object may be written
   * @throws IllegalArgumentException when {@code old} is missing for an update
   */
  public List<FieldViolation> validate(Object object, Operation operation, Object old) {
    Violations v = new Violations();
    if (object.getKindCase() == Object.KindCase.KIND_NOT_SET) {
      v.add("kind", "Required value: the Object holds no object");
      return v.list();
    }
    if (operation != Operation.CREATE && old == null) {
      throw new IllegalArgumentException(operation + " needs the stored object");
    }
    if (operation != Operation.CREATE && old.getKindCase() != object.getKindCase()) {
      v.add(
          "kind",
          "Invalid value: may not change from "
              + old.getKindCase()
              + " to "
              + object.getKindCase());
      return v.list();
    }
    Kind kind = Kinds.kindOf(object);
    Message message = Kinds.unwrap(object);
    ObjectMeta meta = ApiObjects.meta(object);
    int size = message.getSerializedSize();
    if (size > MAX_OBJECT_BYTES) {
      v.add(
          "",
          "Too long: the serialized object is "
              + size
              + " bytes, may not be more than "
              + MAX_OBJECT_BYTES);
    }
    if (operation == Operation.UPDATE_STATUS) {
      UpdateRules.identity(meta, ApiObjects.meta(old), v);
      StatusRules.validate(message, v);
      return v.list();
    }
    MetaRules.validate(kind, meta, "metadata", v);
    spec(object, v);
    if (operation == Operation.CREATE) {
      // A create may carry a status (an agent registers its Node with one); Update ignores
      // the status it receives, so it is not held against the request there.
      StatusRules.validate(message, v);
    }
    if (operation == Operation.UPDATE) {
      ObjectMeta oldMeta = ApiObjects.meta(old);
      UpdateRules.identity(meta, oldMeta, v);
      UpdateRules.validate(object, old, meta, oldMeta, v);
    }
    return v.list();
  }

  private static void spec(Object object, Violations v) {
    switch (object.getKindCase()) {
      case NAMESPACE:
        KindRules.namespace(object.getNamespace(), v);
        break;
      case NODE:
        KindRules.node(object.getNode(), v);
        break;
      case POD:
        PodSpecRules.validate(object.getPod().getSpec(), "spec", v);
        break;
      case DEPLOYMENT:
        KindRules.deployment(object.getDeployment(), v);
        break;
      case REPLICA_SET:
        KindRules.replicaSet(object.getReplicaSet(), v);
        break;
      case DAEMON_SET:
        KindRules.daemonSet(object.getDaemonSet(), v);
        break;
      case JOB:
        KindRules.job(object.getJob(), v);
        break;
      case SERVICE:
        KindRules.service(object.getService(), v);
        break;
      case ENDPOINTS:
        KindRules.endpoints(object.getEndpoints(), v);
        break;
      case EVENT:
        KindRules.event(object.getEvent(), v);
        break;
      case SECRET:
        KindRules.secret(object.getSecret(), v);
        break;
      case CONFIG_MAP:
        KindRules.configMap(object.getConfigMap(), v);
        break;
      case LEASE:
        KindRules.lease(object.getLease(), v);
        break;
      case STATEFUL_SET:
        StatefulRules.statefulSet(object.getStatefulSet(), v);
        break;
      case PERSISTENT_VOLUME:
        StatefulRules.persistentVolume(object.getPersistentVolume(), v);
        break;
      case PERSISTENT_VOLUME_CLAIM:
        StatefulRules.persistentVolumeClaim(object.getPersistentVolumeClaim(), v);
        break;
      default:
        throw new IllegalStateException("no rules for " + object.getKindCase());
    }
  }
}
