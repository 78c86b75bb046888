package dev.drover.agent.sync;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.drover.agent.runtime.RegistryAuth;
import dev.drover.api.ImageReference;
import dev.drover.api.v1.ConfigMap;
import dev.drover.api.v1.Container;
import dev.drover.api.v1.EnvFromSource;
import dev.drover.api.v1.EnvVar;
import dev.drover.api.v1.GetPodDependenciesResponse;
import dev.drover.api.v1.KeyToPath;
import dev.drover.api.v1.LocalObjectReference;
import dev.drover.api.v1.PersistentVolume;
import dev.drover.api.v1.PersistentVolumeClaim;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.Secret;
import dev.drover.api.v1.Volume;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The Secrets and ConfigMaps one pod references, fetched in one call, and what the pod makes of
 * them: container environments, volume file contents and registry credentials. A non-optional
 * reference to something missing is a {@link ConfigError} naming the field.
 */
final class PodInputs {

  /** A pod references a Secret, ConfigMap or key that does not exist. */
  static final class ConfigError extends Exception {
    ConfigError(String message) {
      super(message);
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Map<String, Secret> secrets = new LinkedHashMap<>();
  private final Map<String, ConfigMap> configMaps = new LinkedHashMap<>();
  private final Map<String, PersistentVolumeClaim> claims = new LinkedHashMap<>();
  private final Map<String, PersistentVolume> volumes = new LinkedHashMap<>();

  private PodInputs() {}

  /** Fetches everything {@code pod} references (no call when it references nothing). */
  static PodInputs fetch(Pod pod, MasterClient master) {
    TreeSet<String> secretNames = new TreeSet<>();
    TreeSet<String> configMapNames = new TreeSet<>();
    for (LocalObjectReference ref : pod.getSpec().getImagePullSecretsList()) {
      secretNames.add(ref.getName());
    }
    List<Container> containers = new java.util.ArrayList<>(pod.getSpec().getInitContainersList());
    containers.addAll(pod.getSpec().getContainersList());
    for (Container c : containers) {
      for (EnvVar env : c.getEnvList()) {
        if (env.getValueFrom().hasConfigMapKeyRef()) {
          configMapNames.add(env.getValueFrom().getConfigMapKeyRef().getName());
        } else if (env.getValueFrom().hasSecretKeyRef()) {
          secretNames.add(env.getValueFrom().getSecretKeyRef().getName());
        }
      }
      for (EnvFromSource from : c.getEnvFromList()) {
        if (from.hasConfigMapRef()) {
          configMapNames.add(from.getConfigMapRef().getName());
        } else if (from.hasSecretRef()) {
          secretNames.add(from.getSecretRef().getName());
        }
      }
    }
    TreeSet<String> claimNames = new TreeSet<>();
    for (Volume v : pod.getSpec().getVolumesList()) {
      if (v.hasConfigMap()) {
        configMapNames.add(v.getConfigMap().getName());
      } else if (v.hasSecret()) {
        secretNames.add(v.getSecret().getSecretName());
      } else if (v.hasPersistentVolumeClaim()) {
        claimNames.add(v.getPersistentVolumeClaim().getClaimName());
      }
    }
    PodInputs inputs = new PodInputs();
    if (secretNames.isEmpty() && configMapNames.isEmpty() && claimNames.isEmpty()) {
      return inputs;
    }
    GetPodDependenciesResponse response =
        claimNames.isEmpty()
            ? master.podDependencies(pod.getMetadata().getNamespace(), secretNames, configMapNames)
            : master.podDependencies(
                pod.getMetadata().getNamespace(), secretNames, configMapNames, claimNames);
    for (PersistentVolumeClaim c : response.getPersistentVolumeClaimsList()) {
      inputs.claims.put(c.getMetadata().getName(), c);
    }
    for (PersistentVolume pv : response.getPersistentVolumesList()) {
      inputs.volumes.put(pv.getMetadata().getName(), pv);
    }
    for (Secret s : response.getSecretsList()) {
      inputs.secrets.put(s.getMetadata().getName(), s);
    }
    for (ConfigMap m : response.getConfigMapsList()) {
      inputs.configMaps.put(m.getMetadata().getName(), m);
    }
    return inputs;
  }

  /**
   * The volume bound to the claim of pod volume {@code index}; a missing or not yet bound claim is
   * a {@link ConfigError}, so the containers wait (the pod stays Pending) until it is bound.
   */
  PersistentVolume claimVolume(Volume v, int index) throws ConfigError {
    String name = v.getPersistentVolumeClaim().getClaimName();
    String field = "spec.volumes[" + index + "].persistent_volume_claim.claim_name";
    PersistentVolumeClaim claim = claims.get(name);
    if (claim == null) {
      throw new ConfigError(field + ": persistentvolumeclaim \"" + name + "\" not found");
    }
    String bound = claim.getSpec().getVolumeName();
    PersistentVolume pv = bound.isEmpty() ? null : volumes.get(bound);
    if (pv == null) {
      throw new ConfigError(
          field + ": persistentvolumeclaim \"" + name + "\" is not bound to a volume yet");
    }
    return pv;
  }

  /**
   * The environment of container {@code c} (at {@code path} in the pod) in order, envFrom first:
   * each literal value with its {@code $(VAR)} references to earlier variables and to the service
   * variables {@code serviceEnv} expanded, as Kubernetes does.
   */
  Map<String, String> environment(
      Pod pod, DownwardApi.Facts facts, Container c, String path, Map<String, String> serviceEnv)
      throws ConfigError {
    Map<String, String> env = new LinkedHashMap<>();
    for (int i = 0; i < c.getEnvFromCount(); i++) {
      EnvFromSource from = c.getEnvFrom(i);
      String field = path + ".envFrom[" + i + "]";
      if (from.hasConfigMapRef()) {
        ConfigMap m = configMaps.get(from.getConfigMapRef().getName());
        if (m == null) {
          if (!from.getConfigMapRef().getOptional()) {
            throw new ConfigError(
                field + ": configmap \"" + from.getConfigMapRef().getName() + "\" not found");
          }
          continue;
        }
        m.getDataMap().forEach((k, v) -> env.put(from.getPrefix() + k, v));
      } else if (from.hasSecretRef()) {
        Secret s = secrets.get(from.getSecretRef().getName());
        if (s == null) {
          if (!from.getSecretRef().getOptional()) {
            throw new ConfigError(
                field + ": secret \"" + from.getSecretRef().getName() + "\" not found");
          }
          continue;
        }
        s.getDataMap().forEach((k, v) -> env.put(from.getPrefix() + k, v.toStringUtf8()));
      }
    }
    for (int i = 0; i < c.getEnvCount(); i++) {
      EnvVar var = c.getEnv(i);
      String field = path + ".env[" + i + "].valueFrom";
      if (var.getValueFrom().hasConfigMapKeyRef()) {
        var ref = var.getValueFrom().getConfigMapKeyRef();
        ConfigMap m = configMaps.get(ref.getName());
        String value = m == null ? null : m.getDataMap().get(ref.getKey());
        if (value == null) {
          if (!ref.getOptional()) {
            throw new ConfigError(
                field
                    + ": "
                    + (m == null
                        ? "configmap \"" + ref.getName() + "\" not found"
                        : "key \""
                            + ref.getKey()
                            + "\" not in configmap \""
                            + ref.getName()
                            + "\""));
          }
          continue;
        }
        env.put(var.getName(), value);
      } else if (var.getValueFrom().hasSecretKeyRef()) {
        var ref = var.getValueFrom().getSecretKeyRef();
        Secret s = secrets.get(ref.getName());
        var value = s == null ? null : s.getDataMap().get(ref.getKey());
        if (value == null) {
          if (!ref.getOptional()) {
            throw new ConfigError(
                field
                    + ": "
                    + (s == null
                        ? "secret \"" + ref.getName() + "\" not found"
                        : "key \"" + ref.getKey() + "\" not in secret \"" + ref.getName() + "\""));
          }
          continue;
        }
        env.put(var.getName(), value.toStringUtf8());
      } else if (var.getValueFrom().hasFieldRef()) {
        env.put(
            var.getName(),
            DownwardApi.envField(
                pod, facts, var.getValueFrom().getFieldRef(), field + ".fieldRef"));
      } else if (var.getValueFrom().hasResourceFieldRef()) {
        env.put(
            var.getName(),
            DownwardApi.resource(
                pod,
                facts,
                c.getName(),
                var.getValueFrom().getResourceFieldRef(),
                field + ".resourceFieldRef"));
      } else {
        Map<String, String> known = new java.util.HashMap<>(serviceEnv);
        known.putAll(env);
        env.put(var.getName(), EnvExpansion.expand(var.getValue(), known));
      }
    }
    return env;
  }

  /**
   * The files of a ConfigMap or Secret volume: relative path to content and mode. Empty when the
   * source is optional and missing.
   */
  Map<String, FileContent> volumeFiles(Volume v, int index) throws ConfigError {
    Map<String, byte[]> data = new LinkedHashMap<>();
    List<KeyToPath> items;
    int defaultMode;
    String field = "spec.volumes[" + index + "]";
    if (v.hasConfigMap()) {
      var src = v.getConfigMap();
      ConfigMap m = configMaps.get(src.getName());
      if (m == null) {
        if (src.getOptional()) {
          return Map.of();
        }
        throw new ConfigError(field + ".configMap: configmap \"" + src.getName() + "\" not found");
      }
      m.getDataMap().forEach((k, val) -> data.put(k, val.getBytes(StandardCharsets.UTF_8)));
      m.getBinaryDataMap().forEach((k, val) -> data.put(k, val.toByteArray()));
      items = src.getItemsList();
      defaultMode = src.hasDefaultMode() ? src.getDefaultMode() : 0644;
    } else {
      var src = v.getSecret();
      Secret s = secrets.get(src.getSecretName());
      if (s == null) {
        if (src.getOptional()) {
          return Map.of();
        }
        throw new ConfigError(field + ".secret: secret \"" + src.getSecretName() + "\" not found");
      }
      s.getDataMap().forEach((k, val) -> data.put(k, val.toByteArray()));
      items = src.getItemsList();
      // Owner read-only unless the pod says otherwise: other users in the container see nothing.
      defaultMode = src.hasDefaultMode() ? src.getDefaultMode() : SECRET_DEFAULT_MODE;
    }
    Map<String, FileContent> files = new LinkedHashMap<>();
    if (items.isEmpty()) {
      data.forEach((k, bytes) -> files.put(k, new FileContent(bytes, defaultMode)));
      return files;
    }
    for (int i = 0; i < items.size(); i++) {
      KeyToPath item = items.get(i);
      byte[] bytes = data.get(item.getKey());
      if (bytes == null) {
        throw new ConfigError(
            field + ".items[" + i + "].key: \"" + item.getKey() + "\" not in the source");
      }
      String path = item.getPath().isEmpty() ? item.getKey() : item.getPath();
      if (path.startsWith("/") || List.of(path.split("/")).contains("..")) {
        throw new ConfigError(
            field + ".items[" + i + "].path: must be relative without \"..\", got " + path);
      }
      files.put(path, new FileContent(bytes, item.hasMode() ? item.getMode() : defaultMode));
    }
    return files;
  }

  /** Mode of a Secret volume's files when neither the volume nor the item sets one. */
  static final int SECRET_DEFAULT_MODE = 0400;

  /** One file of a projected volume. */
  record FileContent(byte[] data, int mode) {}

  /**
   * Credentials for the registry of {@code image} from the pod's image pull Secrets (type
   * kubernetes.io/dockerconfigjson), if any matches.
   */
  Optional<RegistryAuth> registryAuth(Pod pod, String image) {
    String registry = registryOf(image);
    for (LocalObjectReference ref : pod.getSpec().getImagePullSecretsList()) {
      Secret s = secrets.get(ref.getName());
      if (s == null) {
        continue;
      }
      var json = s.getDataMap().get(".dockerconfigjson");
      if (json == null) {
        json = s.getDataMap().get(".dockercfg");
      }
      if (json == null) {
        continue;
      }
      Optional<RegistryAuth> auth = parseDockerConfig(json.toStringUtf8(), registry);
      if (auth.isPresent()) {
        return auth;
      }
    }
    return Optional.empty();
  }

  /** The registry host of an image reference (docker.io when none is named). */
  static String registryOf(String image) {
    return ImageReference.tryParse(image).flatMap(ImageReference::registry).orElse("docker.io");
  }

  static Optional<RegistryAuth> parseDockerConfig(String json, String registry) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      return Optional.empty();
    }
    if (root == null || !root.isObject()) {
      return Optional.empty();
    }
    JsonNode auths = root.has("auths") ? root.get("auths") : root;
    var fields = auths.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> entry = fields.next();
      String server = entry.getKey().replaceFirst("^https?://", "").replaceFirst("/.*$", "");
      boolean dockerHub = registry.equals("docker.io") && server.endsWith("docker.io");
      if (!server.equals(registry) && !dockerHub) {
        continue;
      }
      JsonNode creds = entry.getValue();
      String user = creds.hasNonNull("username") ? creds.get("username").asText() : null;
      String password = creds.hasNonNull("password") ? creds.get("password").asText() : null;
      if ((user == null || password == null) && creds.hasNonNull("auth")) {
        String decoded;
        try {
          decoded =
              new String(
                  Base64.getDecoder().decode(creds.get("auth").asText()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
          continue;
        }
        int colon = decoded.indexOf(':');
        if (colon > 0) {
          user = decoded.substring(0, colon);
          password = decoded.substring(colon + 1);
        }
      }
      if (user != null && password != null) {
        return Optional.of(new RegistryAuth(server, user, password));
      }
    }
    return Optional.empty();
  }
}
