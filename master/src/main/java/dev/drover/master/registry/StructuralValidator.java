package dev.drover.master.registry;

import static dev.drover.master.registry.InvalidObjectException.violation;

import com.google.rpc.BadRequest.FieldViolation;
import dev.drover.api.ApiObjects;
import dev.drover.api.v1.Container;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.PodSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The minimum checks every write gets even without the full validation rules: a known kind, a
 * DNS-1123 name and namespace, the object size limit, at least one container with a name and an
 * image per pod spec, and no negative replica counts.
 */
public final class StructuralValidator implements ObjectValidator {
  /** Largest serialized object the API accepts. */
  public static final int MAX_OBJECT_BYTES = 1024 * 1024;

  private static final Pattern SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  private static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

  @Override
  public List<FieldViolation> validate(Object object, Object old) {
    List<FieldViolation> out = new ArrayList<>();
    Kind kind = Objects.kind(object);
    if (!Objects.known(kind)) {
      out.add(violation("kind", "the object holds no known kind"));
      return out;
    }
    ObjectMeta meta = ApiObjects.meta(object);
    if (!isSubdomain(meta.getName())) {
      out.add(
          violation(
              "metadata.name",
              "must be a DNS-1123 subdomain (lower-case letters, digits, '-' "
                  + "and '.', at most 253 characters), got '"
                  + meta.getName()
                  + "'"));
    }
    if (Objects.clusterScoped(kind)) {
      if (!meta.getNamespace().isEmpty()) {
        out.add(
            violation("metadata.namespace", "must be empty for the cluster-scoped kind " + kind));
      }
    } else if (!meta.getNamespace().isEmpty() && !isLabel(meta.getNamespace())) {
      out.add(
          violation(
              "metadata.namespace", "must be a DNS-1123 label, got '" + meta.getNamespace() + "'"));
    }
    if (kind == Kind.KIND_NAMESPACE && !isLabel(meta.getName())) {
      out.add(
          violation(
              "metadata.name",
              "a namespace name must be a DNS-1123 label (at most 63 characters)"));
    }
    int size = object.getSerializedSize();
    if (size > MAX_OBJECT_BYTES) {
      out.add(
          violation(
              "", "object is " + size + " bytes, more than the limit of " + MAX_OBJECT_BYTES));
    }
    switch (kind) {
      case KIND_POD:
        checkPodSpec("spec", object.getPod().getSpec(), out);
        break;
      case KIND_DEPLOYMENT:
        if (object.getDeployment().getSpec().hasReplicas()
            && object.getDeployment().getSpec().getReplicas() < 0) {
          out.add(violation("spec.replicas", "must be at least 0"));
        }
        checkPodSpec(
            "spec.template.spec", object.getDeployment().getSpec().getTemplate().getSpec(), out);
        break;
      case KIND_REPLICA_SET:
        if (object.getReplicaSet().getSpec().hasReplicas()
            && object.getReplicaSet().getSpec().getReplicas() < 0) {
          out.add(violation("spec.replicas", "must be at least 0"));
        }
        checkPodSpec(
            "spec.template.spec", object.getReplicaSet().getSpec().getTemplate().getSpec(), out);
        break;
      case KIND_DAEMON_SET:
        checkPodSpec(
            "spec.template.spec", object.getDaemonSet().getSpec().getTemplate().getSpec(), out);
        break;
      case KIND_JOB:
        checkPodSpec("spec.template.spec", object.getJob().getSpec().getTemplate().getSpec(), out);
        break;
      case KIND_STATEFUL_SET:
        if (object.getStatefulSet().getSpec().hasReplicas()
            && object.getStatefulSet().getSpec().getReplicas() < 0) {
          out.add(violation("spec.replicas", "must be at least 0"));
        }
        checkPodSpec(
            "spec.template.spec", object.getStatefulSet().getSpec().getTemplate().getSpec(), out);
        break;
      default:
        break;
    }
    return out;
  }

  private static void checkPodSpec(String path, PodSpec spec, List<FieldViolation> out) {
    if (spec.getContainersCount() == 0) {
      out.add(violation(path + ".containers", "at least one container is required"));
    }
    for (int i = 0; i < spec.getContainersCount(); i++) {
      Container c = spec.getContainers(i);
      String p = path + ".containers[" + i + "]";
      if (!isLabel(c.getName())) {
        out.add(violation(p + ".name", "must be a DNS-1123 label, got '" + c.getName() + "'"));
      }
      if (c.getImage().isBlank()) {
        out.add(violation(p + ".image", "is required"));
      }
    }
  }

  static boolean isSubdomain(String s) {
    return s != null && !s.isEmpty() && s.length() <= 253 && SUBDOMAIN.matcher(s).matches();
  }

  static boolean isLabel(String s) {
    return s != null && !s.isEmpty() && s.length() <= 63 && LABEL.matcher(s).matches();
  }
}
