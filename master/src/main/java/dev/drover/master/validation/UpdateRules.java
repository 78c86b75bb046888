package dev.drover.master.validation;

import com.google.protobuf.Descriptors.FieldDescriptor;
import dev.drover.api.v1.ConfigMap;
import dev.drover.api.v1.Container;
import dev.drover.api.v1.Job;
import dev.drover.api.v1.Node;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.PodSpec;
import dev.drover.api.v1.Secret;
import java.util.List;

/**
 * What may not change between the stored object and an update: identity, a pod's spec beyond the
 * fields Kubernetes lets change (container images, additional tolerations, a shorter active
 * deadline, a node name set once), controller selectors, a Job's template and completions, the data
 * of immutable Secrets and ConfigMaps, a node's pod CIDR, and new finalizers on an object being
 * deleted.
 */
final class UpdateRules {

  private UpdateRules() {}

  /** Identity checks that apply to every update, status updates included. */
  static void identity(ObjectMeta meta, ObjectMeta old, Violations v) {
    v.immutable(!meta.getName().equals(old.getName()), "metadata.name");
    v.immutable(!meta.getNamespace().equals(old.getNamespace()), "metadata.namespace");
    v.immutable(!meta.getUid().isEmpty() && !meta.getUid().equals(old.getUid()), "metadata.uid");
  }

  /** Checks of a spec update of {@code object} over {@code old} (same kind). */
  static void validate(
      Object object, Object old, ObjectMeta meta, ObjectMeta oldMeta, Violations v) {
    if (oldMeta.hasDeletionTime()
        && !oldMeta.getFinalizersList().containsAll(meta.getFinalizersList())) {
      v.add(
          "metadata.finalizers",
          "Forbidden: no new finalizers can be added if the object is being deleted");
    }
    switch (object.getKindCase()) {
      case POD:
        podSpec(object.getPod().getSpec(), old.getPod().getSpec(), v);
        break;
      case DEPLOYMENT:
        v.immutable(
            !object
                .getDeployment()
                .getSpec()
                .getSelector()
                .equals(old.getDeployment().getSpec().getSelector()),
            "spec.selector");
        break;
      case REPLICA_SET:
        v.immutable(
            !object
                .getReplicaSet()
                .getSpec()
                .getSelector()
                .equals(old.getReplicaSet().getSpec().getSelector()),
            "spec.selector");
        break;
      case DAEMON_SET:
        v.immutable(
            !object
                .getDaemonSet()
                .getSpec()
                .getSelector()
                .equals(old.getDaemonSet().getSpec().getSelector()),
            "spec.selector");
        break;
      case JOB:
        job(object.getJob(), old.getJob(), v);
        break;
      case STATEFUL_SET:
        StatefulRules.statefulSetUpdate(object.getStatefulSet(), old.getStatefulSet(), v);
        break;
      case PERSISTENT_VOLUME:
        StatefulRules.volumeUpdate(object.getPersistentVolume(), old.getPersistentVolume(), v);
        break;
      case PERSISTENT_VOLUME_CLAIM:
        StatefulRules.claimUpdate(
            object.getPersistentVolumeClaim(), old.getPersistentVolumeClaim(), v);
        break;
      case SECRET:
        secret(object.getSecret(), old.getSecret(), v);
        break;
      case CONFIG_MAP:
        configMap(object.getConfigMap(), old.getConfigMap(), v);
        break;
      case NODE:
        node(object.getNode(), old.getNode(), v);
        break;
      default:
        break;
    }
  }

  private static void job(Job job, Job old, Violations v) {
    v.immutable(!job.getSpec().getSelector().equals(old.getSpec().getSelector()), "spec.selector");
    v.immutable(!job.getSpec().getTemplate().equals(old.getSpec().getTemplate()), "spec.template");
    v.immutable(
        job.getSpec().hasCompletions() != old.getSpec().hasCompletions()
            || job.getSpec().getCompletions() != old.getSpec().getCompletions(),
        "spec.completions");
    v.immutable(
        job.getSpec().getCompletionMode() != old.getSpec().getCompletionMode(),
        "spec.completion_mode");
  }

  private static void secret(Secret s, Secret old, Violations v) {
    if (old.hasImmutable() && old.getImmutable()) {
      if (!s.getDataMap().equals(old.getDataMap()) || s.getStringDataCount() > 0) {
        v.add("data", "Forbidden: field is immutable when immutable is set");
      }
      if (!s.getImmutable()) {
        v.add("immutable", "Forbidden: field is immutable when immutable is set");
      }
    }
  }

  private static void configMap(ConfigMap cm, ConfigMap old, Violations v) {
    if (old.hasImmutable() && old.getImmutable()) {
      if (!cm.getDataMap().equals(old.getDataMap())) {
        v.add("data", "Forbidden: field is immutable when immutable is set");
      }
      if (!cm.getBinaryDataMap().equals(old.getBinaryDataMap())) {
        v.add("binary_data", "Forbidden: field is immutable when immutable is set");
      }
      if (!cm.getImmutable()) {
        v.add("immutable", "Forbidden: field is immutable when immutable is set");
      }
    }
  }

  private static void node(Node node, Node old, Violations v) {
    if (old.getSpec().hasPodCidr()
        && !old.getSpec().getPodCidr().equals(node.getSpec().getPodCidr())) {
      v.add("spec.pod_cidr", "Invalid value: field is immutable once set");
    }
  }

  /**
   * Kubernetes lets a pod's spec change only in container images, added tolerations, a new or
   * shorter active deadline, and (here) a node name written once. Everything else is compared field
   * by field so that each changed field is named.
   */
  private static void podSpec(PodSpec spec, PodSpec old, Violations v) {
    PodSpec.Builder allowed = spec.toBuilder();
    containers(spec.getContainersList(), old.getContainersList(), "spec.containers", v);
    containers(
        spec.getInitContainersList(), old.getInitContainersList(), "spec.init_containers", v);
    allowed.clearContainers().addAllContainers(old.getContainersList());
    allowed.clearInitContainers().addAllInitContainers(old.getInitContainersList());

    if (!spec.getTolerationsList().containsAll(old.getTolerationsList())) {
      v.add(
          "spec.tolerations",
          "Forbidden: existing tolerations may not be changed or removed, only added");
    }
    allowed.clearTolerations().addAllTolerations(old.getTolerationsList());

    if (spec.hasActiveDeadlineSeconds() != old.hasActiveDeadlineSeconds()
        || spec.getActiveDeadlineSeconds() != old.getActiveDeadlineSeconds()) {
      boolean ok =
          spec.hasActiveDeadlineSeconds()
              && (!old.hasActiveDeadlineSeconds()
                  || spec.getActiveDeadlineSeconds() <= old.getActiveDeadlineSeconds());
      if (!ok) {
        v.add(
            "spec.active_deadline_seconds",
            "Forbidden: may only be set or decreased, never removed or increased");
      }
    }
    if (old.hasActiveDeadlineSeconds()) {
      allowed.setActiveDeadlineSeconds(old.getActiveDeadlineSeconds());
    } else {
      allowed.clearActiveDeadlineSeconds();
    }

    if (!old.getNodeName().isEmpty() && !old.getNodeName().equals(spec.getNodeName())) {
      v.add("spec.node_name", "Invalid value: field is immutable once set");
    }
    allowed.setNodeName(old.getNodeName());

    for (FieldDescriptor f : PodSpec.getDescriptor().getFields()) {
      boolean changed =
          f.hasPresence()
              ? allowed.hasField(f) != old.hasField(f)
                  || !allowed.getField(f).equals(old.getField(f))
              : !allowed.getField(f).equals(old.getField(f));
      if (changed) {
        v.add(
            "spec." + f.getName(),
            "Forbidden: pod updates may not change fields other than container images,"
                + " activeDeadlineSeconds (set or decrease), tolerations (additions) and"
                + " nodeName (once)");
      }
    }
  }

  private static void containers(
      List<Container> containers, List<Container> old, String path, Violations v) {
    if (containers.size() != old.size()) {
      v.add(path, "Forbidden: containers may not be added or removed");
      return;
    }
    for (int i = 0; i < containers.size(); i++) {
      Container withOldImage =
          containers.get(i).toBuilder().setImage(old.get(i).getImage()).build();
      if (!withOldImage.equals(old.get(i))) {
        v.add(path + "[" + i + "]", "Forbidden: only the image of a container may change");
      }
    }
  }
}
