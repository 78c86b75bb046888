package dev.drover.master.validation;

import dev.drover.api.Kinds;
import dev.drover.api.Names;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.OwnerReference;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Rules on {@code ObjectMeta}, as Kubernetes' ValidateObjectMeta applies them: the name (and
 * generate_name) syntax each kind requires, the namespace by scope, labels, annotations, owner
 * references and finalizers.
 */
final class MetaRules {

  /** Kubernetes' limit on the total size of an object's annotations. */
  static final int ANNOTATIONS_MAX_BYTES = 256 * 1024;

  private MetaRules() {}

  /** The name rule of a kind: DNS-1035 label for Services, DNS-1123 label for Namespaces. */
  static Function<String, List<String>> nameRule(Kind kind) {
    switch (kind) {
      case KIND_NAMESPACE:
        return Names::checkDns1123Label;
      case KIND_SERVICE:
        return Names::checkDns1035Label;
      default:
        return Names::checkDns1123Subdomain;
    }
  }

  static void validate(Kind kind, ObjectMeta meta, String path, Violations v) {
    Function<String, List<String>> rule = nameRule(kind);
    if (meta.getName().isEmpty()) {
      if (meta.getGenerateName().isEmpty()) {
        v.add(path + ".name", "Required value: name or generateName is required");
      }
    } else {
      v.addAll(path + ".name", rule.apply(meta.getName()));
    }
    if (!meta.getGenerateName().isEmpty()) {
      // The server appends a random suffix, so a trailing '-' is fine in the prefix.
      String prefix = meta.getGenerateName();
      String masked =
          prefix.endsWith("-") ? prefix.substring(0, prefix.length() - 1) + "a" : prefix;
      v.addAll(path + ".generate_name", rule.apply(masked));
    }
    if (Kinds.isNamespaced(kind)) {
      if (meta.getNamespace().isEmpty()) {
        v.required(path + ".namespace");
      } else {
        v.addAll(path + ".namespace", Names.checkDns1123Label(meta.getNamespace()));
      }
    } else if (!meta.getNamespace().isEmpty()) {
      v.add(
          path + ".namespace",
          "must be empty: " + Kinds.info(kind).kindName() + " is cluster-scoped");
    }
    labels(meta.getLabelsMap(), path + ".labels", v);
    annotations(meta.getAnnotationsMap(), path + ".annotations", v);
    ownerReferences(meta.getOwnerReferencesList(), path + ".owner_references", v);
    for (int i = 0; i < meta.getFinalizersCount(); i++) {
      v.addAll(path + ".finalizers[" + i + "]", Names.checkQualifiedName(meta.getFinalizers(i)));
    }
  }

  /** Label keys must be qualified names and values label values. */
  static void labels(Map<String, String> labels, String path, Violations v) {
    labels.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(
            e -> {
              String field = path + "[" + e.getKey() + "]";
              for (String reason : Names.checkQualifiedName(e.getKey())) {
                v.add(field, "key: " + reason);
              }
              v.addAll(field, Names.checkLabelValue(e.getValue()));
            });
  }

  static void annotations(Map<String, String> annotations, String path, Violations v) {
    long total = 0;
    for (Map.Entry<String, String> e :
        annotations.entrySet().stream().sorted(Map.Entry.comparingByKey()).toList()) {
      // Kubernetes checks annotation keys case-insensitively.
      for (String reason : Names.checkQualifiedName(e.getKey().toLowerCase(Locale.ROOT))) {
        v.add(path + "[" + e.getKey() + "]", "key: " + reason);
      }
      total +=
          e.getKey().getBytes(StandardCharsets.UTF_8).length
              + e.getValue().getBytes(StandardCharsets.UTF_8).length;
    }
    if (total > ANNOTATIONS_MAX_BYTES) {
      v.add(
          path,
          "Too long: annotations total "
              + total
              + " bytes, may not be more than "
              + ANNOTATIONS_MAX_BYTES);
    }
  }

  private static void ownerReferences(List<OwnerReference> refs, String path, Violations v) {
    int controllers = 0;
    for (int i = 0; i < refs.size(); i++) {
      OwnerReference ref = refs.get(i);
      String field = path + "[" + i + "]";
      if (ref.getKind() == Kind.KIND_UNSPECIFIED || ref.getKind() == Kind.UNRECOGNIZED) {
        v.add(field + ".kind", "Required value: the owner's kind");
      }
      if (ref.getName().isEmpty()) {
        v.required(field + ".name");
      }
      if (ref.getUid().isEmpty()) {
        v.required(field + ".uid");
      }
      if (ref.getController()) {
        controllers++;
      }
    }
    if (controllers > 1) {
      v.add(path, "Invalid value: only one reference can have controller set to true");
    }
  }
}
