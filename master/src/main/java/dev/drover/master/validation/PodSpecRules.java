package dev.drover.master.validation;

import dev.drover.api.ImageReference;
import dev.drover.api.LabelSelectors;
import dev.drover.api.Names;
import dev.drover.api.Quantity;
import dev.drover.api.v1.Affinity;
import dev.drover.api.v1.Container;
import dev.drover.api.v1.ContainerPort;
import dev.drover.api.v1.EnvFromSource;
import dev.drover.api.v1.EnvVar;
import dev.drover.api.v1.EnvVarSource;
import dev.drover.api.v1.ImagePullPolicy;
import dev.drover.api.v1.IntOrString;
import dev.drover.api.v1.KeyToPath;
import dev.drover.api.v1.NodeSelector;
import dev.drover.api.v1.NodeSelectorRequirement;
import dev.drover.api.v1.NodeSelectorTerm;
import dev.drover.api.v1.PodAffinityTerm;
import dev.drover.api.v1.PodSpec;
import dev.drover.api.v1.Probe;
import dev.drover.api.v1.Protocol;
import dev.drover.api.v1.ResourceRequirements;
import dev.drover.api.v1.RestartPolicy;
import dev.drover.api.v1.TaintEffect;
import dev.drover.api.v1.Toleration;
import dev.drover.api.v1.TolerationOperator;
import dev.drover.api.v1.TopologySpreadConstraint;
import dev.drover.api.v1.UriScheme;
import dev.drover.api.v1.Volume;
import dev.drover.api.v1.VolumeMount;
import dev.drover.api.v1.WeightedPodAffinityTerm;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Rules on a {@code PodSpec}, wherever it sits (a Pod's spec or a controller's template):
 * containers and their images, ports, environment, resources, mounts and probes; volumes; placement
 * (node selector, affinity, tolerations, spread constraints).
 */
final class PodSpecRules {

  private PodSpecRules() {}

  static void validate(PodSpec spec, String path, Violations v) {
    if (spec.getContainersCount() == 0) {
      v.add(path + ".containers", "Required value: a pod needs at least one container");
    }
    Set<String> allNames = new HashSet<>();
    spec.getInitContainersList().forEach(c -> allNames.add(c.getName()));
    spec.getContainersList().forEach(c -> allNames.add(c.getName()));
    Set<String> volumeNames = volumes(spec.getVolumesList(), path + ".volumes", allNames, v);
    Set<String> containerNames = new HashSet<>();
    Set<String> portNames = new HashSet<>();
    Set<String> hostPorts = new HashSet<>();
    for (int i = 0; i < spec.getInitContainersCount(); i++) {
      container(
          spec.getInitContainers(i),
          path + ".initContainers[" + i + "]",
          true,
          allNames,
          volumeNames,
          containerNames,
          portNames,
          hostPorts,
          v);
    }
    for (int i = 0; i < spec.getContainersCount(); i++) {
      container(
          spec.getContainers(i),
          path + ".containers[" + i + "]",
          false,
          allNames,
          volumeNames,
          containerNames,
          portNames,
          hostPorts,
          v);
    }
    if (spec.getRestartPolicy() == RestartPolicy.UNRECOGNIZED) {
      v.add(path + ".restart_policy", "Unsupported value: " + spec.getRestartPolicyValue());
    }
    if (spec.hasTerminationGracePeriodSeconds()) {
      v.nonNegative(
          path + ".termination_grace_period_seconds", spec.getTerminationGracePeriodSeconds());
    }
    if (spec.hasActiveDeadlineSeconds()) {
      v.atLeast(path + ".active_deadline_seconds", spec.getActiveDeadlineSeconds(), 1);
    }
    if (!spec.getNodeName().isEmpty()) {
      v.addAll(path + ".node_name", Names.checkDns1123Subdomain(spec.getNodeName()));
    }
    if (!spec.getHostname().isEmpty()) {
      v.addAll(path + ".hostname", Names.checkDns1123Label(spec.getHostname()));
    }
    if (!spec.getSubdomain().isEmpty()) {
      v.addAll(path + ".subdomain", Names.checkDns1123Label(spec.getSubdomain()));
    }
    MetaRules.labels(spec.getNodeSelectorMap(), path + ".node_selector", v);
    for (int i = 0; i < spec.getImagePullSecretsCount(); i++) {
      String name = spec.getImagePullSecrets(i).getName();
      String field = path + ".image_pull_secrets[" + i + "].name";
      if (name.isEmpty()) {
        v.required(field);
      } else {
        v.addAll(field, Names.checkDns1123Subdomain(name));
      }
    }
    for (int i = 0; i < spec.getTolerationsCount(); i++) {
      toleration(spec.getTolerations(i), path + ".tolerations[" + i + "]", v);
    }
    for (int i = 0; i < spec.getTopologySpreadConstraintsCount(); i++) {
      TopologySpreadConstraint c = spec.getTopologySpreadConstraints(i);
      String field = path + ".topology_spread_constraints[" + i + "]";
      v.atLeast(field + ".max_skew", c.getMaxSkew(), 1);
      topologyKey(c.getTopologyKey(), field + ".topology_key", v);
      v.addProblems(field + ".label_selector", LabelSelectors.check(c.getLabelSelector()));
    }
    if (spec.hasAffinity()) {
      affinity(spec.getAffinity(), path + ".affinity", v);
    }
  }

  private static Set<String> volumes(
      List<Volume> volumes, String path, Set<String> containers, Violations v) {
    Set<String> names = new HashSet<>();
    for (int i = 0; i < volumes.size(); i++) {
      Volume volume = volumes.get(i);
      String field = path + "[" + i + "]";
      if (volume.getName().isEmpty()) {
        v.required(field + ".name");
      } else {
        v.addAll(field + ".name", Names.checkDns1123Label(volume.getName()));
        if (!names.add(volume.getName())) {
          v.add(field + ".name", "Duplicate value: \"" + volume.getName() + "\"");
        }
      }
      switch (volume.getSourceCase()) {
        case EMPTY_DIR:
          String medium = volume.getEmptyDir().getMedium();
          if (!medium.isEmpty() && !medium.equals("Memory")) {
            v.add(
                field + ".empty_dir.medium",
                "Unsupported value: \"" + medium + "\" (\"\" or \"Memory\")");
          }
          String limit = volume.getEmptyDir().getSizeLimit();
          if (!limit.isEmpty()) {
            v.nonNegativeQuantity(field + ".empty_dir.size_limit", limit);
          }
          break;
        case HOST_PATH:
          String hostPath = volume.getHostPath().getPath();
          if (hostPath.isEmpty()) {
            v.required(field + ".host_path.path");
          } else if (!hostPath.startsWith("/")) {
            v.add(field + ".host_path.path", "must be an absolute path");
          }
          Set<String> types =
              Set.of(
                  "",
                  "DirectoryOrCreate",
                  "Directory",
                  "FileOrCreate",
                  "File",
                  "Socket",
                  "CharDevice",
                  "BlockDevice");
          if (!types.contains(volume.getHostPath().getType())) {
            v.add(
                field + ".host_path.type",
                "Unsupported value: \"" + volume.getHostPath().getType() + "\"");
          }
          break;
        case CONFIG_MAP:
          objectName(volume.getConfigMap().getName(), field + ".config_map.name", v);
          items(volume.getConfigMap().getItemsList(), field + ".config_map.items", v);
          if (volume.getConfigMap().hasDefaultMode()) {
            fileMode(volume.getConfigMap().getDefaultMode(), field + ".config_map.default_mode", v);
          }
          break;
        case SECRET:
          objectName(volume.getSecret().getSecretName(), field + ".secret.secret_name", v);
          items(volume.getSecret().getItemsList(), field + ".secret.items", v);
          if (volume.getSecret().hasDefaultMode()) {
            fileMode(volume.getSecret().getDefaultMode(), field + ".secret.default_mode", v);
          }
          break;
        case DOWNWARD_API:
          DownwardApiRules.volume(volume.getDownwardApi(), field + ".downwardAPI", containers, v);
          break;
        case PERSISTENT_VOLUME_CLAIM:
          objectName(
              volume.getPersistentVolumeClaim().getClaimName(),
              field + ".persistent_volume_claim.claim_name",
              v);
          break;
        default:
          v.add(field, "Required value: must specify a volume type");
          break;
      }
    }
    return names;
  }

  private static void items(List<KeyToPath> items, String path, Violations v) {
    for (int i = 0; i < items.size(); i++) {
      KeyToPath item = items.get(i);
      String field = path + "[" + i + "]";
      if (item.getKey().isEmpty()) {
        v.required(field + ".key");
      } else {
        v.addAll(field + ".key", Names.checkConfigMapKey(item.getKey()));
      }
      relativePath(item.getPath(), field + ".path", true, v);
      if (item.hasMode()) {
        fileMode(item.getMode(), field + ".mode", v);
      }
    }
  }

  static void fileMode(int mode, String field, Violations v) {
    if (mode < 0 || mode > 0777) {
      v.add(field, "must be a number between 0 and 0777 (octal), both inclusive");
    }
  }

  /** A path inside a volume: relative, without '..' elements. */
  private static void relativePath(String path, String field, boolean required, Violations v) {
    if (path.isEmpty()) {
      if (required) {
        v.required(field);
      }
      return;
    }
    if (path.startsWith("/")) {
      v.add(field, "must be a relative path");
    }
    for (String element : path.split("/")) {
      if (element.equals("..")) {
        v.add(field, "must not contain '..'");
        break;
      }
    }
  }

  private static void objectName(String name, String field, Violations v) {
    if (name.isEmpty()) {
      v.required(field);
    } else {
      v.addAll(field, Names.checkDns1123Subdomain(name));
    }
  }

  private static void container(
      Container c,
      String path,
      boolean init,
      Set<String> allNames,
      Set<String> volumeNames,
      Set<String> containerNames,
      Set<String> portNames,
      Set<String> hostPorts,
      Violations v) {
    if (c.getName().isEmpty()) {
      v.required(path + ".name");
    } else {
      v.addAll(path + ".name", Names.checkDns1123Label(c.getName()));
      if (!containerNames.add(c.getName())) {
        v.add(path + ".name", "Duplicate value: \"" + c.getName() + "\"");
      }
    }
    image(c.getImage(), path + ".image", v);
    DownwardApiRules.restartPolicy(c, path, init, v);
    if (c.getImagePullPolicy() == ImagePullPolicy.UNRECOGNIZED) {
      v.add(path + ".image_pull_policy", "Unsupported value: " + c.getImagePullPolicyValue());
    }
    if (!c.getWorkingDir().isEmpty() && !c.getWorkingDir().startsWith("/")) {
      v.add(path + ".working_dir", "must be an absolute path");
    }
    for (int i = 0; i < c.getPortsCount(); i++) {
      port(c.getPorts(i), path + ".ports[" + i + "]", portNames, hostPorts, v);
    }
    for (int i = 0; i < c.getEnvCount(); i++) {
      env(c.getEnv(i), path + ".env[" + i + "]", allNames, v);
    }
    for (int i = 0; i < c.getEnvFromCount(); i++) {
      envFrom(c.getEnvFrom(i), path + ".env_from[" + i + "]", v);
    }
    resources(c.getResources(), path + ".resources", v);
    Set<String> mountPaths = new HashSet<>();
    for (int i = 0; i < c.getVolumeMountsCount(); i++) {
      VolumeMount m = c.getVolumeMounts(i);
      String field = path + ".volume_mounts[" + i + "]";
      if (m.getName().isEmpty()) {
        v.required(field + ".name");
      } else if (!volumeNames.contains(m.getName())) {
        v.add(field + ".name", "Not found: no volume named \"" + m.getName() + "\" in the pod");
      }
      if (m.getMountPath().isEmpty()) {
        v.required(field + ".mount_path");
      } else {
        if (!m.getMountPath().startsWith("/")) {
          v.add(field + ".mount_path", "must be an absolute path");
        }
        if (!mountPaths.add(m.getMountPath())) {
          v.add(field + ".mount_path", "Duplicate value: \"" + m.getMountPath() + "\"");
        }
      }
      relativePath(m.getSubPath(), field + ".sub_path", false, v);
    }
    if (c.hasLivenessProbe()) {
      probe(c.getLivenessProbe(), path + ".liveness_probe", true, v);
    }
    if (c.hasReadinessProbe()) {
      probe(c.getReadinessProbe(), path + ".readiness_probe", false, v);
    }
    if (c.hasStartupProbe()) {
      probe(c.getStartupProbe(), path + ".startup_probe", true, v);
    }
  }

  private static void image(String image, String field, Violations v) {
    if (image.isEmpty()) {
      v.required(field);
      return;
    }
    try {
      ImageReference.parse(image);
    } catch (IllegalArgumentException e) {
      v.add(field, "Invalid value: \"" + image + "\": " + e.getMessage());
    }
  }

  private static void port(
      ContainerPort p, String path, Set<String> portNames, Set<String> hostPorts, Violations v) {
    if (!p.getName().isEmpty()) {
      v.addAll(path + ".name", Names.checkIanaSvcName(p.getName()));
      if (!portNames.add(p.getName())) {
        v.add(path + ".name", "Duplicate value: \"" + p.getName() + "\"");
      }
    }
    if (p.getContainerPort() == 0) {
      v.required(path + ".container_port");
    } else {
      v.port(path + ".container_port", p.getContainerPort());
    }
    if (p.getHostPort() != 0) {
      v.port(path + ".host_port", p.getHostPort());
      if (!hostPorts.add(protocolName(p.getProtocol()) + "/" + p.getHostPort())) {
        v.add(
            path + ".host_port",
            "Duplicate value: \"" + p.getHostPort() + "/" + protocolName(p.getProtocol()) + "\"");
      }
    }
    protocol(p.getProtocolValue(), p.getProtocol(), path + ".protocol", v);
  }

  static void protocol(int value, Protocol protocol, String field, Violations v) {
    if (protocol == Protocol.UNRECOGNIZED) {
      v.add(field, "Unsupported value: " + value + " (TCP or UDP)");
    }
  }

  private static String protocolName(Protocol p) {
    return p == Protocol.PROTOCOL_UDP ? "UDP" : "TCP";
  }

  private static void env(EnvVar e, String path, Set<String> containers, Violations v) {
    if (e.getName().isEmpty()) {
      v.required(path + ".name");
    } else {
      v.addAll(path + ".name", Names.checkEnvVarName(e.getName()));
    }
    if (e.hasValueFrom()) {
      if (!e.getValue().isEmpty()) {
        v.add(path + ".value_from", "Invalid value: may not be specified when value is not empty");
      }
      EnvVarSource source = e.getValueFrom();
      switch (source.getSourceCase()) {
        case CONFIG_MAP_KEY_REF:
          objectName(
              source.getConfigMapKeyRef().getName(),
              path + ".value_from.config_map_key_ref.name",
              v);
          configKey(
              source.getConfigMapKeyRef().getKey(), path + ".value_from.config_map_key_ref.key", v);
          break;
        case SECRET_KEY_REF:
          objectName(
              source.getSecretKeyRef().getName(), path + ".value_from.secret_key_ref.name", v);
          configKey(source.getSecretKeyRef().getKey(), path + ".value_from.secret_key_ref.key", v);
          break;
        case FIELD_REF:
          DownwardApiRules.envFieldRef(source.getFieldRef(), path + ".valueFrom.fieldRef", v);
          break;
        case RESOURCE_FIELD_REF:
          DownwardApiRules.envResourceFieldRef(
              source.getResourceFieldRef(), path + ".valueFrom.resourceFieldRef", containers, v);
          break;
        default:
          v.add(
              path + ".valueFrom",
              "Required value: must specify one of configMapKeyRef, secretKeyRef, fieldRef,"
                  + " resourceFieldRef");
          break;
      }
    }
  }

  private static void configKey(String key, String field, Violations v) {
    if (key.isEmpty()) {
      v.required(field);
    } else {
      v.addAll(field, Names.checkConfigMapKey(key));
    }
  }

  private static void envFrom(EnvFromSource e, String path, Violations v) {
    if (!e.getPrefix().isEmpty()) {
      v.addAll(path + ".prefix", Names.checkEnvVarName(e.getPrefix()));
    }
    switch (e.getSourceCase()) {
      case CONFIG_MAP_REF:
        objectName(e.getConfigMapRef().getName(), path + ".config_map_ref.name", v);
        break;
      case SECRET_REF:
        objectName(e.getSecretRef().getName(), path + ".secret_ref.name", v);
        break;
      default:
        v.add(path, "Required value: must specify one of configMapRef, secretRef");
        break;
    }
  }

  private static void resources(ResourceRequirements r, String path, Violations v) {
    Map<String, Quantity> limits = resourceMap(r.getLimitsMap(), path + ".limits", v);
    Map<String, Quantity> requests = resourceMap(r.getRequestsMap(), path + ".requests", v);
    requests.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(
            e -> {
              Quantity limit = limits.get(e.getKey());
              if (limit != null && e.getValue().compareTo(limit) > 0) {
                v.add(
                    path + ".requests[" + e.getKey() + "]",
                    "Invalid value: \""
                        + r.getRequestsMap().get(e.getKey())
                        + "\": must be less than or equal to "
                        + e.getKey()
                        + " limit "
                        + r.getLimitsMap().get(e.getKey()));
              }
            });
  }

  private static Map<String, Quantity> resourceMap(
      Map<String, String> amounts, String path, Violations v) {
    Map<String, Quantity> parsed = new HashMap<>();
    amounts.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(
            e -> {
              String field = path + "[" + e.getKey() + "]";
              for (String reason : Names.checkQualifiedName(e.getKey())) {
                v.add(field, "resource name: " + reason);
              }
              Quantity q = v.nonNegativeQuantity(field, e.getValue());
              if (q != null) {
                parsed.put(e.getKey(), q);
              }
            });
    return parsed;
  }

  private static void probe(Probe p, String path, boolean successMustBeOne, Violations v) {
    switch (p.getHandlerCase()) {
      case EXEC:
        if (p.getExec().getCommandCount() == 0) {
          v.required(path + ".exec.command");
        }
        break;
      case HTTP_GET:
        portRef(p.getHttpGet().getPort(), path + ".http_get.port", v);
        if (!p.getHttpGet().getPath().isEmpty() && !p.getHttpGet().getPath().startsWith("/")) {
          v.add(path + ".http_get.path", "must start with '/'");
        }
        if (p.getHttpGet().getScheme() == UriScheme.UNRECOGNIZED) {
          v.add(path + ".http_get.scheme", "Unsupported value: " + p.getHttpGet().getSchemeValue());
        }
        for (int i = 0; i < p.getHttpGet().getHttpHeadersCount(); i++) {
          if (p.getHttpGet().getHttpHeaders(i).getName().isEmpty()) {
            v.required(path + ".http_get.http_headers[" + i + "].name");
          }
        }
        break;
      case TCP_SOCKET:
        portRef(p.getTcpSocket().getPort(), path + ".tcp_socket.port", v);
        break;
      default:
        v.add(path, "Required value: must specify a handler type (exec, httpGet or tcpSocket)");
        break;
    }
    v.nonNegative(path + ".initial_delay_seconds", p.getInitialDelaySeconds());
    if (p.hasPeriodSeconds()) {
      v.atLeast(path + ".period_seconds", p.getPeriodSeconds(), 1);
    }
    if (p.hasTimeoutSeconds()) {
      v.atLeast(path + ".timeout_seconds", p.getTimeoutSeconds(), 1);
    }
    if (p.hasSuccessThreshold()) {
      v.atLeast(path + ".success_threshold", p.getSuccessThreshold(), 1);
      if (successMustBeOne && p.getSuccessThreshold() > 1) {
        v.add(path + ".success_threshold", "must be 1 for liveness and startup probes");
      }
    }
    if (p.hasFailureThreshold()) {
      v.atLeast(path + ".failure_threshold", p.getFailureThreshold(), 1);
    }
    if (p.hasTerminationGracePeriodSeconds()) {
      v.atLeast(
          path + ".termination_grace_period_seconds", p.getTerminationGracePeriodSeconds(), 1);
    }
  }

  /** A port given as a number (1..65535) or as the name of a container port. */
  static void portRef(IntOrString port, String field, Violations v) {
    switch (port.getValueCase()) {
      case INT_VALUE:
        v.port(field, port.getIntValue());
        break;
      case STRING_VALUE:
        v.addAll(field, Names.checkIanaSvcName(port.getStringValue()));
        break;
      default:
        v.required(field);
        break;
    }
  }

  private static void toleration(Toleration t, String path, Violations v) {
    if (!t.getKey().isEmpty()) {
      v.addAll(path + ".key", Names.checkQualifiedName(t.getKey()));
    }
    if (t.getOperator() == TolerationOperator.TOLERATION_OPERATOR_EXISTS) {
      if (!t.getValue().isEmpty()) {
        v.add(path + ".value", "Invalid value: must be empty when operator is Exists");
      }
    } else if (t.getOperator() == TolerationOperator.UNRECOGNIZED) {
      v.add(path + ".operator", "Unsupported value: " + t.getOperatorValue());
    } else {
      if (t.getKey().isEmpty()) {
        v.add(path + ".operator", "Invalid value: must be Exists when key is empty");
      }
      v.addAll(path + ".value", Names.checkLabelValue(t.getValue()));
    }
    if (t.hasTolerationSeconds() && t.getEffect() != TaintEffect.TAINT_EFFECT_NO_EXECUTE) {
      v.add(path + ".effect", "Invalid value: must be NoExecute when tolerationSeconds is set");
    }
  }

  private static void topologyKey(String key, String field, Violations v) {
    if (key.isEmpty()) {
      v.required(field);
    } else {
      v.addAll(field, Names.checkQualifiedName(key));
    }
  }

  private static void affinity(Affinity a, String path, Violations v) {
    if (a.hasNodeAffinity()) {
      String na = path + ".node_affinity";
      if (a.getNodeAffinity().hasRequiredDuringSchedulingIgnoredDuringExecution()) {
        NodeSelector required =
            a.getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution();
        String field = na + ".required_during_scheduling_ignored_during_execution";
        if (required.getNodeSelectorTermsCount() == 0) {
          v.add(field + ".node_selector_terms", "Required value: must have at least one term");
        }
        for (int i = 0; i < required.getNodeSelectorTermsCount(); i++) {
          nodeSelectorTerm(
              required.getNodeSelectorTerms(i), field + ".node_selector_terms[" + i + "]", v);
        }
      }
      var preferred = a.getNodeAffinity().getPreferredDuringSchedulingIgnoredDuringExecutionList();
      for (int i = 0; i < preferred.size(); i++) {
        String field = na + ".preferred_during_scheduling_ignored_during_execution[" + i + "]";
        weight(preferred.get(i).getWeight(), field + ".weight", v);
        nodeSelectorTerm(preferred.get(i).getPreference(), field + ".preference", v);
      }
    }
    if (a.hasPodAffinity()) {
      podAffinityTerms(
          a.getPodAffinity().getRequiredDuringSchedulingIgnoredDuringExecutionList(),
          a.getPodAffinity().getPreferredDuringSchedulingIgnoredDuringExecutionList(),
          path + ".pod_affinity",
          v);
    }
    if (a.hasPodAntiAffinity()) {
      podAffinityTerms(
          a.getPodAntiAffinity().getRequiredDuringSchedulingIgnoredDuringExecutionList(),
          a.getPodAntiAffinity().getPreferredDuringSchedulingIgnoredDuringExecutionList(),
          path + ".pod_anti_affinity",
          v);
    }
  }

  private static void weight(int weight, String field, Violations v) {
    if (weight < 1 || weight > 100) {
      v.add(field, "must be in the range 1-100 (got " + weight + ")");
    }
  }

  private static void nodeSelectorTerm(NodeSelectorTerm term, String path, Violations v) {
    for (int i = 0; i < term.getMatchExpressionsCount(); i++) {
      NodeSelectorRequirement r = term.getMatchExpressions(i);
      String field = path + ".match_expressions[" + i + "]";
      v.addAll(field + ".key", Names.checkQualifiedName(r.getKey()));
      nodeSelectorRequirement(r, field, v);
    }
    for (int i = 0; i < term.getMatchFieldsCount(); i++) {
      NodeSelectorRequirement r = term.getMatchFields(i);
      String field = path + ".match_fields[" + i + "]";
      if (!r.getKey().equals("metadata.name")) {
        v.add(field + ".key", "Unsupported value: \"" + r.getKey() + "\" (only metadata.name)");
      }
      nodeSelectorRequirement(r, field, v);
    }
  }

  private static void nodeSelectorRequirement(
      NodeSelectorRequirement r, String field, Violations v) {
    switch (r.getOperator()) {
      case NODE_SELECTOR_OPERATOR_IN:
      case NODE_SELECTOR_OPERATOR_NOT_IN:
        if (r.getValuesCount() == 0) {
          v.add(
              field + ".values",
              "Required value: must be specified when operator is In or" + " NotIn");
        }
        break;
      case NODE_SELECTOR_OPERATOR_EXISTS:
      case NODE_SELECTOR_OPERATOR_DOES_NOT_EXIST:
        if (r.getValuesCount() > 0) {
          v.add(
              field + ".values",
              "Forbidden: may not be specified when operator is Exists or" + " DoesNotExist");
        }
        break;
      case NODE_SELECTOR_OPERATOR_GT:
      case NODE_SELECTOR_OPERATOR_LT:
        if (r.getValuesCount() != 1) {
          v.add(field + ".values", "Required value: must be a single integer for Gt or Lt");
        } else {
          try {
            Long.parseLong(r.getValues(0));
          } catch (NumberFormatException e) {
            v.add(
                field + ".values[0]",
                "Invalid value: \"" + r.getValues(0) + "\": must be an integer for Gt or Lt");
          }
        }
        break;
      default:
        v.add(
            field + ".operator",
            "Unsupported value: must be one of In, NotIn, Exists," + " DoesNotExist, Gt, Lt");
        break;
    }
  }

  private static void podAffinityTerms(
      List<PodAffinityTerm> required,
      List<WeightedPodAffinityTerm> preferred,
      String path,
      Violations v) {
    String requiredPath = path + ".required_during_scheduling_ignored_during_execution";
    for (int i = 0; i < required.size(); i++) {
      podAffinityTerm(required.get(i), requiredPath + "[" + i + "]", v);
    }
    String preferredPath = path + ".preferred_during_scheduling_ignored_during_execution";
    for (int i = 0; i < preferred.size(); i++) {
      String field = preferredPath + "[" + i + "]";
      weight(preferred.get(i).getWeight(), field + ".weight", v);
      podAffinityTerm(preferred.get(i).getPodAffinityTerm(), field + ".pod_affinity_term", v);
    }
  }

  private static void podAffinityTerm(PodAffinityTerm term, String path, Violations v) {
    topologyKey(term.getTopologyKey(), path + ".topology_key", v);
    v.addProblems(path + ".label_selector", LabelSelectors.check(term.getLabelSelector()));
    for (int i = 0; i < term.getNamespacesCount(); i++) {
      v.addAll(path + ".namespaces[" + i + "]", Names.checkDns1123Label(term.getNamespaces(i)));
    }
  }
}
