package dev.drover.agent.sync;

import dev.drover.api.Quantity;
import dev.drover.api.v1.Container;
import dev.drover.api.v1.DownwardAPIVolumeFile;
import dev.drover.api.v1.DownwardAPIVolumeSource;
import dev.drover.api.v1.ObjectFieldSelector;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.ResourceFieldSelector;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The downward API: the values of a pod's own fields and of its containers' resources, as an env
 * var's {@code fieldRef}/{@code resourceFieldRef} or a {@code downwardAPI} volume's files read
 * them, with Kubernetes' spelling and rounding. Pure functions of the pod and the node's facts.
 */
final class DownwardApi {

  private static final Pattern SUBSCRIPT =
      Pattern.compile("metadata\\.(labels|annotations)\\['(.*)'\\]");

  /**
   * What the pod cannot tell about itself.
   *
   * @param nodeName the node it runs on
   * @param podIp its address ("" until known)
   * @param hostIp the node's address
   * @param nodeMilliCpus the node's CPUs in thousandths: the limit of a container without one
   * @param nodeMemoryBytes the node's memory: the limit of a container without one
   */
  record Facts(
      String nodeName, String podIp, String hostIp, long nodeMilliCpus, long nodeMemoryBytes) {}

  private DownwardApi() {}

  /** The value of an env var's {@code fieldRef}; {@code field} names it in errors. */
  static String envField(Pod pod, Facts facts, ObjectFieldSelector ref, String field)
      throws PodInputs.ConfigError {
    String path = ref.getFieldPath();
    switch (path) {
      case "spec.nodeName":
        return facts.nodeName();
      case "spec.serviceAccountName":
        // Kubernetes' admission gives every pod the "default" account when it names none.
        String account = pod.getSpec().getServiceAccountName();
        return account.isEmpty() ? "default" : account;
      case "status.podIP":
        return pod.getSpec().getHostNetwork() ? facts.hostIp() : facts.podIp();
      case "status.hostIP":
        return facts.hostIp();
      case "metadata.labels":
      case "metadata.annotations":
        throw new PodInputs.ConfigError(
            field + ": \"" + path + "\" is only supported in a downwardAPI volume");
      default:
        return metadataField(pod, path, field);
    }
  }

  /** The value of a volume file's {@code fieldRef}: metadata only, labels and annotations whole. */
  static String volumeField(Pod pod, ObjectFieldSelector ref, String field)
      throws PodInputs.ConfigError {
    String path = ref.getFieldPath();
    switch (path) {
      case "metadata.labels":
        return lines(pod.getMetadata().getLabelsMap());
      case "metadata.annotations":
        return lines(pod.getMetadata().getAnnotationsMap());
      default:
        return metadataField(pod, path, field);
    }
  }

  private static String metadataField(Pod pod, String path, String field)
      throws PodInputs.ConfigError {
    switch (path) {
      case "metadata.name":
        return pod.getMetadata().getName();
      case "metadata.namespace":
        return pod.getMetadata().getNamespace();
      case "metadata.uid":
        return pod.getMetadata().getUid();
      default:
        Matcher m = SUBSCRIPT.matcher(path);
        if (m.matches()) {
          Map<String, String> map =
              m.group(1).equals("labels")
                  ? pod.getMetadata().getLabelsMap()
                  : pod.getMetadata().getAnnotationsMap();
          return map.getOrDefault(m.group(2), "");
        }
        throw new PodInputs.ConfigError(field + ".fieldPath: Unsupported value: \"" + path + "\"");
    }
  }

  /** {@code key="value"} lines in key order, values quoted as Go's %q does for plain text. */
  private static String lines(Map<String, String> map) {
    StringBuilder out = new StringBuilder();
    for (Map.Entry<String, String> e : new TreeMap<>(map).entrySet()) {
      if (out.length() > 0) {
        out.append('\n');
      }
      out.append(e.getKey()).append("=\"").append(quote(e.getValue())).append('"');
    }
    return out.toString();
  }

  private static String quote(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("\t", "\\t");
  }

  /**
   * The value of a {@code resourceFieldRef} of container {@code self} (its own name when the
   * selector names none): the amount divided by the divisor and rounded up, as Kubernetes does.
   */
  static String resource(Pod pod, Facts facts, String self, ResourceFieldSelector ref, String field)
      throws PodInputs.ConfigError {
    String name = ref.getContainerName().isEmpty() ? self : ref.getContainerName();
    Container c = container(pod, name);
    if (c == null) {
      throw new PodInputs.ConfigError(
          field + ".containerName: Not found: no container \"" + name + "\" in the pod");
    }
    Quantity divisor;
    try {
      divisor = ref.getDivisor().isEmpty() ? Quantity.of(1) : Quantity.parse(ref.getDivisor());
    } catch (IllegalArgumentException e) {
      throw new PodInputs.ConfigError(field + ".divisor: " + e.getMessage());
    }
    if (divisor.signum() <= 0) {
      throw new PodInputs.ConfigError(field + ".divisor: must be greater than zero");
    }
    String resource = ref.getResource();
    boolean cpu = resource.endsWith(".cpu");
    Quantity amount;
    switch (resource) {
      case "limits.cpu", "limits.memory" -> {
        String text = c.getResources().getLimitsMap().get(cpu ? "cpu" : "memory");
        amount =
            text != null
                ? Quantity.parse(text)
                : cpu
                    ? Quantity.ofMilli(facts.nodeMilliCpus())
                    : Quantity.ofBytes(facts.nodeMemoryBytes());
      }
      case "requests.cpu", "requests.memory" -> {
        String key = cpu ? "cpu" : "memory";
        // A request left out is the limit (Kubernetes' defaulting), else zero.
        String text = c.getResources().getRequestsMap().get(key);
        if (text == null) {
          text = c.getResources().getLimitsMap().get(key);
        }
        amount = text == null ? Quantity.ZERO : Quantity.parse(text);
      }
      default ->
          throw new PodInputs.ConfigError(
              field + ".resource: Unsupported value: \"" + resource + "\"");
    }
    BigDecimal value =
        amount.asBigDecimal().divide(divisor.asBigDecimal(), 0, RoundingMode.CEILING);
    return value.toPlainString();
  }

  private static Container container(Pod pod, String name) {
    for (Container c : pod.getSpec().getContainersList()) {
      if (c.getName().equals(name)) {
        return c;
      }
    }
    for (Container c : pod.getSpec().getInitContainersList()) {
      if (c.getName().equals(name)) {
        return c;
      }
    }
    return null;
  }

  /** The files of a downwardAPI volume: relative path to content and mode. */
  static Map<String, PodInputs.FileContent> volumeFiles(
      Pod pod, Facts facts, DownwardAPIVolumeSource source, String field)
      throws PodInputs.ConfigError {
    Map<String, PodInputs.FileContent> files = new LinkedHashMap<>();
    int defaultMode = source.hasDefaultMode() ? source.getDefaultMode() : 0644;
    List<DownwardAPIVolumeFile> items = source.getItemsList();
    for (int i = 0; i < items.size(); i++) {
      DownwardAPIVolumeFile item = items.get(i);
      String at = field + ".items[" + i + "]";
      String value;
      if (item.hasFieldRef()) {
        value = volumeField(pod, item.getFieldRef(), at + ".fieldRef");
      } else if (item.hasResourceFieldRef()) {
        value = resource(pod, facts, "", item.getResourceFieldRef(), at + ".resourceFieldRef");
      } else {
        throw new PodInputs.ConfigError(at + ": Required value: fieldRef or resourceFieldRef");
      }
      files.put(
          item.getPath(),
          new PodInputs.FileContent(
              value.getBytes(StandardCharsets.UTF_8),
              item.hasMode() ? item.getMode() : defaultMode));
    }
    return files;
  }
}
