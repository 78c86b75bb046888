package dev.drover.master.validation;

import dev.drover.api.LabelMatcher;
import dev.drover.api.Names;
import dev.drover.api.PersistentVolumes;
import dev.drover.api.Quantity;
import dev.drover.api.v1.IntOrString;
import dev.drover.api.v1.PersistentVolume;
import dev.drover.api.v1.PersistentVolumeAccessMode;
import dev.drover.api.v1.PersistentVolumeClaim;
import dev.drover.api.v1.PersistentVolumeClaimSpec;
import dev.drover.api.v1.PersistentVolumeClaimVolumeSource;
import dev.drover.api.v1.PersistentVolumeReclaimPolicy;
import dev.drover.api.v1.PersistentVolumeSpec;
import dev.drover.api.v1.PodManagementPolicyType;
import dev.drover.api.v1.PodTemplateSpec;
import dev.drover.api.v1.StatefulSet;
import dev.drover.api.v1.StatefulSetSpec;
import dev.drover.api.v1.StatefulSetUpdateStrategyType;
import dev.drover.api.v1.Volume;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Rules on the stateful kinds: a StatefulSet's replicas, selector, service name, pod management,
 * update strategy and claim templates; a PersistentVolume's capacity, access modes, source and
 * reclaim policy; a PersistentVolumeClaim's access modes and requested size; and what may not
 * change once they exist.
 */
final class StatefulRules {

  private StatefulRules() {}

  static void statefulSet(StatefulSet set, Violations v) {
    StatefulSetSpec spec = set.getSpec();
    if (spec.hasReplicas()) {
      v.nonNegative("spec.replicas", spec.getReplicas());
    }
    LabelMatcher selector = KindRules.requiredSelector(spec.getSelector(), "spec.selector", v);
    KindRules.template(
        withClaimVolumes(set), selector, "spec.template", KindRules.TemplateRestart.ALWAYS, v);
    if (!spec.getServiceName().isEmpty()) {
      v.addAll("spec.service_name", Names.checkDns1123Label(spec.getServiceName()));
    }
    if (spec.getPodManagementPolicy() == PodManagementPolicyType.UNRECOGNIZED) {
      v.add(
          "spec.pod_management_policy", "Unsupported value: " + spec.getPodManagementPolicyValue());
    }
    var strategy = spec.getUpdateStrategy();
    if (strategy.getType() == StatefulSetUpdateStrategyType.UNRECOGNIZED) {
      v.add("spec.update_strategy.type", "Unsupported value: " + strategy.getTypeValue());
    }
    if (strategy.hasRollingUpdate()) {
      if (strategy.getType()
          == StatefulSetUpdateStrategyType.STATEFUL_SET_UPDATE_STRATEGY_TYPE_ON_DELETE) {
        v.add(
            "spec.update_strategy.rolling_update",
            "Forbidden: only allowed for update strategy type RollingUpdate");
      }
      var ru = strategy.getRollingUpdate();
      if (ru.hasPartition()) {
        v.nonNegative("spec.update_strategy.rolling_update.partition", ru.getPartition());
      }
      IntOrString max = ru.getMaxUnavailable();
      if (max.getValueCase() != IntOrString.ValueCase.VALUE_NOT_SET
          && !(max.hasIntValue() && max.getIntValue() == 1)) {
        v.add(
            "spec.update_strategy.rolling_update.max_unavailable",
            "Unsupported value: only 1 is supported");
      }
    }
    v.nonNegative("spec.min_ready_seconds", spec.getMinReadySeconds());
    if (spec.hasRevisionHistoryLimit()) {
      v.nonNegative("spec.revision_history_limit", spec.getRevisionHistoryLimit());
    }
    Set<String> volumes = new HashSet<>();
    spec.getTemplate().getSpec().getVolumesList().forEach(x -> volumes.add(x.getName()));
    Set<String> names = new HashSet<>();
    for (int i = 0; i < spec.getVolumeClaimTemplatesCount(); i++) {
      PersistentVolumeClaim claim = spec.getVolumeClaimTemplates(i);
      String field = "spec.volume_claim_templates[" + i + "]";
      String name = claim.getMetadata().getName();
      if (name.isEmpty()) {
        v.required(field + ".metadata.name");
      } else {
        v.addAll(field + ".metadata.name", Names.checkDns1123Label(name));
        if (!names.add(name)) {
          v.add(field + ".metadata.name", "Duplicate value: \"" + name + "\"");
        }
        if (volumes.contains(name)) {
          v.add(
              field + ".metadata.name",
              "Duplicate value: the template already has a volume named \"" + name + "\"");
        }
      }
      claimSpec(claim.getSpec(), field + ".spec", v);
    }
  }

  // The template as its pods get it: each claim template is a volume the containers may mount.
  private static PodTemplateSpec withClaimVolumes(StatefulSet set) {
    PodTemplateSpec.Builder template = set.getSpec().getTemplate().toBuilder();
    for (PersistentVolumeClaim claim : set.getSpec().getVolumeClaimTemplatesList()) {
      String name = claim.getMetadata().getName();
      if (name.isEmpty()
          || template.getSpec().getVolumesList().stream().anyMatch(x -> x.getName().equals(name))) {
        continue;
      }
      template
          .getSpecBuilder()
          .addVolumes(
              Volume.newBuilder()
                  .setName(name)
                  .setPersistentVolumeClaim(
                      PersistentVolumeClaimVolumeSource.newBuilder()
                          .setClaimName(name + "-" + set.getMetadata().getName() + "-0")));
    }
    return template.build();
  }

  static void persistentVolumeClaim(PersistentVolumeClaim claim, Violations v) {
    claimSpec(claim.getSpec(), "spec", v);
  }

  private static void claimSpec(PersistentVolumeClaimSpec spec, String path, Violations v) {
    accessModes(spec.getAccessModesList(), spec.getAccessModesValueList(), path, v);
    String size = spec.getResources().getRequestsMap().get(PersistentVolumes.STORAGE);
    if (size == null) {
      v.required(path + ".resources.requests[storage]");
    } else {
      Quantity q = v.nonNegativeQuantity(path + ".resources.requests[storage]", size);
      if (q != null && q.signum() == 0) {
        v.add(path + ".resources.requests[storage]", "Invalid value: must be greater than zero");
      }
    }
    if (spec.hasStorageClassName() && !spec.getStorageClassName().isEmpty()) {
      v.addAll(
          path + ".storage_class_name", Names.checkDns1123Subdomain(spec.getStorageClassName()));
    }
    if (!spec.getVolumeName().isEmpty()) {
      v.addAll(path + ".volume_name", Names.checkDns1123Subdomain(spec.getVolumeName()));
    }
    if (spec.hasSelector()) {
      KindRules.selector(spec.getSelector(), path + ".selector", v);
    }
    volumeMode(spec.getVolumeMode(), path + ".volume_mode", v);
  }

  static void persistentVolume(PersistentVolume pv, Violations v) {
    PersistentVolumeSpec spec = pv.getSpec();
    accessModes(spec.getAccessModesList(), spec.getAccessModesValueList(), "spec", v);
    String size = spec.getCapacityMap().get(PersistentVolumes.STORAGE);
    if (size == null) {
      v.required("spec.capacity[storage]");
    } else {
      v.nonNegativeQuantity("spec.capacity[storage]", size);
    }
    if (spec.getPersistentVolumeReclaimPolicy() == PersistentVolumeReclaimPolicy.UNRECOGNIZED) {
      v.add(
          "spec.persistent_volume_reclaim_policy",
          "Unsupported value: " + spec.getPersistentVolumeReclaimPolicyValue());
    }
    if (!spec.getStorageClassName().isEmpty()) {
      v.addAll("spec.storage_class_name", Names.checkDns1123Subdomain(spec.getStorageClassName()));
    }
    switch (spec.getSourceCase()) {
      case HOST_PATH -> absolute(spec.getHostPath().getPath(), "spec.host_path.path", v);
      case LOCAL -> {
        absolute(spec.getLocal().getPath(), "spec.local.path", v);
        if (!spec.hasNodeAffinity()) {
          v.add("spec.node_affinity", "Required value: a local volume needs a node affinity");
        }
      }
      case PROVISIONED -> {
        v.addAll(
            "spec.provisioned.name", Names.checkDns1123Subdomain(spec.getProvisioned().getName()));
        if (!spec.hasNodeAffinity()) {
          v.add("spec.node_affinity", "Required value: a provisioned volume needs a node affinity");
        }
      }
      default -> v.add("spec", "Required value: must specify a volume type (hostPath or local)");
    }
    if (spec.hasNodeAffinity()
        && spec.getNodeAffinity().getRequired().getNodeSelectorTermsCount() == 0) {
      v.add(
          "spec.node_affinity.required.node_selector_terms",
          "Required value: must have at least one term");
    }
    volumeMode(spec.getVolumeMode(), "spec.volume_mode", v);
  }

  /** What may not change in a claim once it exists: all of its spec but the volume binding. */
  static void claimUpdate(PersistentVolumeClaim claim, PersistentVolumeClaim old, Violations v) {
    PersistentVolumeClaimSpec next = claim.getSpec().toBuilder().clearVolumeName().build();
    PersistentVolumeClaimSpec before = old.getSpec().toBuilder().clearVolumeName().build();
    v.immutable(!next.equals(before), "spec");
    // Leaving volume_name out keeps the binding (VolumeStrategy); changing it is refused.
    if (!old.getSpec().getVolumeName().isEmpty() && !claim.getSpec().getVolumeName().isEmpty()) {
      v.immutable(
          !claim.getSpec().getVolumeName().equals(old.getSpec().getVolumeName()),
          "spec.volume_name");
    }
  }

  /** What may not change in a volume once it exists: where its data lives. */
  static void volumeUpdate(PersistentVolume pv, PersistentVolume old, Violations v) {
    v.immutable(
        pv.getSpec().getSourceCase() != old.getSpec().getSourceCase()
            || !pv.getSpec().getHostPath().equals(old.getSpec().getHostPath())
            || !pv.getSpec().getLocal().equals(old.getSpec().getLocal())
            || !pv.getSpec().getProvisioned().equals(old.getSpec().getProvisioned()),
        "spec");
    v.immutable(
        !pv.getSpec().getNodeAffinity().equals(old.getSpec().getNodeAffinity()),
        "spec.node_affinity");
  }

  /** What may not change in a StatefulSet: selector, service name, claim templates. */
  static void statefulSetUpdate(StatefulSet set, StatefulSet old, Violations v) {
    v.immutable(!set.getSpec().getSelector().equals(old.getSpec().getSelector()), "spec.selector");
    v.immutable(
        !set.getSpec().getServiceName().equals(old.getSpec().getServiceName()),
        "spec.service_name");
    v.immutable(
        !set.getSpec()
            .getVolumeClaimTemplatesList()
            .equals(old.getSpec().getVolumeClaimTemplatesList()),
        "spec.volume_claim_templates");
    v.immutable(
        set.getSpec().getPodManagementPolicy() != old.getSpec().getPodManagementPolicy(),
        "spec.pod_management_policy");
  }

  private static void accessModes(
      List<PersistentVolumeAccessMode> modes, List<Integer> values, String path, Violations v) {
    if (modes.isEmpty()) {
      v.add(path + ".access_modes", "Required value: at least 1 access mode is required");
    }
    for (int i = 0; i < modes.size(); i++) {
      PersistentVolumeAccessMode mode = modes.get(i);
      if (mode == PersistentVolumeAccessMode.UNRECOGNIZED
          || mode == PersistentVolumeAccessMode.PERSISTENT_VOLUME_ACCESS_MODE_UNSPECIFIED) {
        v.add(path + ".access_modes[" + i + "]", "Unsupported value: " + values.get(i));
      }
    }
  }

  private static void volumeMode(String mode, String field, Violations v) {
    if (!mode.isEmpty() && !mode.equals("Filesystem")) {
      v.add(field, "Unsupported value: \"" + mode + "\": only Filesystem is supported");
    }
  }

  private static void absolute(String path, String field, Violations v) {
    if (path.isEmpty()) {
      v.required(field);
    } else if (!path.startsWith("/")) {
      v.add(field, "must be an absolute path");
    }
  }
}
