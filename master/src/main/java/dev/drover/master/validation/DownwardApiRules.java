package dev.drover.master.validation;

import dev.drover.api.Names;
import dev.drover.api.Quantity;
import dev.drover.api.v1.Container;
import dev.drover.api.v1.DownwardAPIVolumeFile;
import dev.drover.api.v1.DownwardAPIVolumeSource;
import dev.drover.api.v1.ObjectFieldSelector;
import dev.drover.api.v1.ResourceFieldSelector;
import dev.drover.api.v1.RestartPolicy;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rules of the downward API ({@code fieldRef}, {@code resourceFieldRef} in env and in {@code
 * downwardAPI} volumes) and of an init container's {@code restartPolicy}, with Kubernetes' lists of
 * what each place may read; fields named as the manifest spells them.
 */
final class DownwardApiRules {

  /** What an env var's fieldRef may read besides one label or annotation. */
  private static final List<String> ENV_PATHS =
      List.of(
          "metadata.name",
          "metadata.namespace",
          "metadata.uid",
          "spec.nodeName",
          "spec.serviceAccountName",
          "status.hostIP",
          "status.podIP");

  /** What a volume file's fieldRef may read besides one label or annotation. */
  private static final List<String> VOLUME_PATHS =
      List.of(
          "metadata.name",
          "metadata.namespace",
          "metadata.uid",
          "metadata.labels",
          "metadata.annotations");

  private static final Set<String> RESOURCES =
      Set.of("limits.cpu", "limits.memory", "requests.cpu", "requests.memory");

  private static final Pattern SUBSCRIPT =
      Pattern.compile("metadata\\.(labels|annotations)\\['(.*)'\\]");

  private DownwardApiRules() {}

  /** An env var's fieldRef at {@code path}. */
  static void envFieldRef(ObjectFieldSelector ref, String path, Violations v) {
    fieldRef(ref, path, ENV_PATHS, v);
  }

  /** An env var's resourceFieldRef at {@code path}; the container may be left out. */
  static void envResourceFieldRef(
      ResourceFieldSelector ref, String path, Set<String> containers, Violations v) {
    resourceFieldRef(ref, path, false, containers, v);
  }

  /** A downwardAPI volume at {@code path}. */
  static void volume(
      DownwardAPIVolumeSource source, String path, Set<String> containers, Violations v) {
    if (source.hasDefaultMode()) {
      PodSpecRules.fileMode(source.getDefaultMode(), path + ".defaultMode", v);
    }
    for (int i = 0; i < source.getItemsCount(); i++) {
      DownwardAPIVolumeFile item = source.getItems(i);
      String field = path + ".items[" + i + "]";
      String file = item.getPath();
      if (file.isEmpty()) {
        v.required(field + ".path");
      } else if (file.startsWith("/")) {
        v.add(field + ".path", "Invalid value: \"" + file + "\": must be a relative path");
      } else if (List.of(file.split("/")).contains("..") || file.startsWith("..")) {
        v.add(field + ".path", "Invalid value: \"" + file + "\": must not contain '..'");
      }
      if (item.hasMode()) {
        PodSpecRules.fileMode(item.getMode(), field + ".mode", v);
      }
      if (item.hasFieldRef() && item.hasResourceFieldRef()) {
        v.add(field, "Invalid value: fieldRef and resourceFieldRef can not be specified together");
      } else if (item.hasFieldRef()) {
        fieldRef(item.getFieldRef(), field + ".fieldRef", VOLUME_PATHS, v);
      } else if (item.hasResourceFieldRef()) {
        resourceFieldRef(
            item.getResourceFieldRef(), field + ".resourceFieldRef", true, containers, v);
      } else {
        v.add(field, "Required value: must specify one of fieldRef, resourceFieldRef");
      }
    }
  }

  /**
   * A container's restartPolicy: only an init container may set it, and only to Always (a sidecar);
   * probes only on a sidecar among init containers.
   */
  static void restartPolicy(Container c, String path, boolean init, Violations v) {
    RestartPolicy policy = c.getRestartPolicy();
    boolean sidecar = policy == RestartPolicy.RESTART_POLICY_ALWAYS;
    if (policy != RestartPolicy.RESTART_POLICY_UNSPECIFIED) {
      if (!init) {
        v.add(path + ".restartPolicy", "Forbidden: may not be set for non-init containers");
      } else if (!sidecar) {
        v.add(
            path + ".restartPolicy",
            "Unsupported value: \""
                + (policy == RestartPolicy.UNRECOGNIZED
                    ? Integer.toString(c.getRestartPolicyValue())
                    : dev.drover.api.KubeEnums.text(policy))
                + "\": supported values: \"Always\"");
      }
    }
    if (init && !sidecar) {
      String why = "Forbidden: may not be set for init containers without restartPolicy=Always";
      if (c.hasLivenessProbe()) {
        v.add(path + ".livenessProbe", why);
      }
      if (c.hasReadinessProbe()) {
        v.add(path + ".readinessProbe", why);
      }
      if (c.hasStartupProbe()) {
        v.add(path + ".startupProbe", why);
      }
    }
  }

  private static void fieldRef(
      ObjectFieldSelector ref, String path, List<String> allowed, Violations v) {
    if (!ref.getApiVersion().isEmpty() && !ref.getApiVersion().equals("v1")) {
      v.add(
          path + ".apiVersion",
          "Unsupported value: \"" + ref.getApiVersion() + "\": supported values: \"v1\"");
    }
    String fieldPath = ref.getFieldPath();
    if (fieldPath.isEmpty()) {
      v.required(path + ".fieldPath");
      return;
    }
    Matcher m = SUBSCRIPT.matcher(fieldPath);
    if (m.matches()) {
      List<String> reasons =
          m.group(1).equals("labels")
              ? Names.checkQualifiedName(m.group(2))
              : Names.checkQualifiedName(m.group(2).toLowerCase(java.util.Locale.ROOT));
      for (String reason : reasons) {
        v.add(path + ".fieldPath", "Invalid value: \"" + fieldPath + "\": " + reason);
      }
      return;
    }
    if (!allowed.contains(fieldPath)) {
      v.add(
          path + ".fieldPath",
          "Unsupported value: \""
              + fieldPath
              + "\": supported values: \""
              + String.join("\", \"", allowed)
              + "\", \"metadata.labels['KEY']\", \"metadata.annotations['KEY']\"");
    }
  }

  private static void resourceFieldRef(
      ResourceFieldSelector ref,
      String path,
      boolean containerRequired,
      Set<String> containers,
      Violations v) {
    String name = ref.getContainerName();
    if (name.isEmpty()) {
      if (containerRequired) {
        v.required(path + ".containerName");
      }
    } else if (!containers.contains(name)) {
      v.add(
          path + ".containerName",
          "Invalid value: \"" + name + "\": must be the name of a container in the pod");
    }
    String resource = ref.getResource();
    if (resource.isEmpty()) {
      v.required(path + ".resource");
    } else if (!RESOURCES.contains(resource)) {
      v.add(
          path + ".resource",
          "Unsupported value: \""
              + resource
              + "\": supported values: \"limits.cpu\", \"limits.memory\", \"requests.cpu\","
              + " \"requests.memory\"");
    }
    if (!ref.getDivisor().isEmpty()) {
      Quantity q = v.quantity(path + ".divisor", ref.getDivisor());
      if (q != null && q.signum() <= 0) {
        v.add(
            path + ".divisor",
            "Invalid value: \"" + ref.getDivisor() + "\": must be greater than zero");
      }
    }
  }
}
