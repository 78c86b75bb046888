package dev.drover.master.controller.statefulset;

import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.PersistentVolumeClaim;
import dev.drover.api.v1.PersistentVolumeClaimVolumeSource;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodSpec;
import dev.drover.api.v1.StatefulSet;
import dev.drover.api.v1.Volume;
import dev.drover.master.controller.Pods;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * The stable identity of a StatefulSet's pods (Kubernetes' stateful set utilities): pod {@code i}
 * is named {@code <set>-<i>}, has that name as its hostname and the set's service as its subdomain,
 * carries the revision and ordinal labels, and mounts one claim per claim template, named {@code
 * <template>-<set>-<i>}.
 */
final class StatefulIdentity {
  /** Pod label with the revision (template hash) the pod was made from. */
  static final String REVISION_LABEL = "controller-revision-hash";

  /** Pod label with the pod's own name, so a Service can select one pod of the set. */
  static final String POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";

  /** Pod label with the pod's ordinal. */
  static final String POD_INDEX_LABEL = "apps.kubernetes.io/pod-index";

  private StatefulIdentity() {}

  /** The name of pod {@code ordinal} of the set. */
  static String podName(StatefulSet set, int ordinal) {
    return set.getMetadata().getName() + "-" + ordinal;
  }

  /** The ordinal of a pod of the set, or empty when its name is not {@code <set>-<number>}. */
  static OptionalInt ordinalOf(StatefulSet set, Pod pod) {
    String prefix = set.getMetadata().getName() + "-";
    String name = pod.getMetadata().getName();
    if (!name.startsWith(prefix)) {
      return OptionalInt.empty();
    }
    String digits = name.substring(prefix.length());
    if (digits.isEmpty()
        || digits.length() > 9
        || !digits.chars().allMatch(Character::isDigit)
        || (digits.length() > 1 && digits.charAt(0) == '0')) {
      return OptionalInt.empty();
    }
    return OptionalInt.of(Integer.parseInt(digits));
  }

  /** The revision a pod was made from ("" when it carries none). */
  static String revisionOf(Pod pod) {
    return pod.getMetadata().getLabelsMap().getOrDefault(REVISION_LABEL, "");
  }

  /** The name of the claim of template {@code template} for pod {@code ordinal}. */
  static String claimName(PersistentVolumeClaim template, StatefulSet set, int ordinal) {
    return template.getMetadata().getName() + "-" + podName(set, ordinal);
  }

  /** The claims pod {@code ordinal} mounts, as they are created when missing. */
  static List<PersistentVolumeClaim> claims(StatefulSet set, int ordinal) {
    List<PersistentVolumeClaim> out = new ArrayList<>();
    for (PersistentVolumeClaim template : set.getSpec().getVolumeClaimTemplatesList()) {
      ObjectMeta.Builder meta =
          ObjectMeta.newBuilder()
              .setName(claimName(template, set, ordinal))
              .setNamespace(set.getMetadata().getNamespace())
              .putAllLabels(template.getMetadata().getLabelsMap())
              .putAllLabels(set.getSpec().getSelector().getMatchLabelsMap())
              .putAllAnnotations(template.getMetadata().getAnnotationsMap());
      out.add(
          PersistentVolumeClaim.newBuilder().setMetadata(meta).setSpec(template.getSpec()).build());
    }
    return out;
  }

  /** Pod {@code ordinal} of the set at {@code revision}, owned by the set. */
  static Pod newPod(StatefulSet set, int ordinal, String revision) {
    Pod pod = Pods.fromTemplate(set.getSpec().getTemplate(), set);
    String name = podName(set, ordinal);
    ObjectMeta meta =
        pod.getMetadata().toBuilder()
            .clearGenerateName()
            .setName(name)
            .putLabels(REVISION_LABEL, revision)
            .putLabels(POD_NAME_LABEL, name)
            .putLabels(POD_INDEX_LABEL, Integer.toString(ordinal))
            .build();
    PodSpec.Builder spec = pod.getSpec().toBuilder().setHostname(name);
    if (!set.getSpec().getServiceName().isEmpty()) {
      spec.setSubdomain(set.getSpec().getServiceName());
    }
    for (PersistentVolumeClaim template : set.getSpec().getVolumeClaimTemplatesList()) {
      String volume = template.getMetadata().getName();
      List<Volume> kept = new ArrayList<>(spec.getVolumesList());
      kept.removeIf(v -> v.getName().equals(volume));
      spec.clearVolumes().addAllVolumes(kept);
      spec.addVolumes(
          Volume.newBuilder()
              .setName(volume)
              .setPersistentVolumeClaim(
                  PersistentVolumeClaimVolumeSource.newBuilder()
                      .setClaimName(claimName(template, set, ordinal))));
    }
    return pod.toBuilder().setMetadata(meta).setSpec(spec).build();
  }
}
