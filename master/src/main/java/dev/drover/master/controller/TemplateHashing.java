package dev.drover.master.controller;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import dev.drover.api.v1.ConfigMap;
import dev.drover.api.v1.Container;
import dev.drover.api.v1.EnvFromSource;
import dev.drover.api.v1.EnvVar;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.PodSpec;
import dev.drover.api.v1.PodTemplateSpec;
import dev.drover.api.v1.Secret;
import dev.drover.api.v1.Volume;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Hashes for deployments: the pod-template hash that names a revision's ReplicaSet, and the config
 * hash of the ConfigMaps and Secrets a template references, which the controller puts into the
 * template's annotations so that a change of their data yields a new revision.
 */
public final class TemplateHashing {
  private TemplateHashing() {}

  /** The hash of a template (and the collision count), 10 hex characters. */
  public static String templateHash(PodTemplateSpec template, int collisionCount) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      CodedOutputStream out = CodedOutputStream.newInstance(bytes);
      // Deterministic serialization orders map entries, so equal templates hash equally.
      out.useDeterministicSerialization();
      template.writeTo(out);
      out.writeInt32NoTag(collisionCount);
      out.flush();
      return sha256(bytes.toByteArray()).substring(0, 10);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Names of the ConfigMaps ("configmap/NAME") and Secrets ("secret/NAME") a pod uses. */
  public static SortedSet<String> configReferences(PodSpec spec) {
    SortedSet<String> refs = new TreeSet<>();
    for (Container c : spec.getInitContainersList()) {
      addContainerRefs(c, refs);
    }
    for (Container c : spec.getContainersList()) {
      addContainerRefs(c, refs);
    }
    for (Volume v : spec.getVolumesList()) {
      if (v.hasConfigMap()) {
        refs.add("configmap/" + v.getConfigMap().getName());
      } else if (v.hasSecret()) {
        refs.add("secret/" + v.getSecret().getSecretName());
      }
    }
    return refs;
  }

  private static void addContainerRefs(Container c, SortedSet<String> refs) {
    for (EnvVar env : c.getEnvList()) {
      if (env.getValueFrom().hasConfigMapKeyRef()) {
        refs.add("configmap/" + env.getValueFrom().getConfigMapKeyRef().getName());
      } else if (env.getValueFrom().hasSecretKeyRef()) {
        refs.add("secret/" + env.getValueFrom().getSecretKeyRef().getName());
      }
    }
    for (EnvFromSource from : c.getEnvFromList()) {
      if (from.hasConfigMapRef()) {
        refs.add("configmap/" + from.getConfigMapRef().getName());
      } else if (from.hasSecretRef()) {
        refs.add("secret/" + from.getSecretRef().getName());
      }
    }
  }

  /**
   * The hash of the data of the referenced ConfigMaps and Secrets in the namespace, or empty when
   * the template references none. A missing object hashes as missing, so creating it later also
   * rolls the pods.
   */
  public static Optional<String> configHash(ObjectCache cache, String namespace, PodSpec spec) {
    SortedSet<String> refs = configReferences(spec);
    if (refs.isEmpty()) {
      return Optional.empty();
    }
    StringBuilder text = new StringBuilder();
    for (String ref : refs) {
      String name = ref.substring(ref.indexOf('/') + 1);
      text.append(ref).append('\n');
      if (ref.startsWith("configmap/")) {
        Optional<ConfigMap> cm = cache.get(Kind.KIND_CONFIG_MAP, namespace, name);
        if (cm.isEmpty()) {
          text.append("<missing>\n");
        } else {
          appendEntries(text, new TreeMap<>(cm.get().getDataMap()));
          appendBytes(text, cm.get().getBinaryDataMap());
        }
      } else {
        Optional<Secret> secret = cache.get(Kind.KIND_SECRET, namespace, name);
        if (secret.isEmpty()) {
          text.append("<missing>\n");
        } else {
          appendBytes(text, secret.get().getDataMap());
        }
      }
    }
    return Optional.of(sha256(text.toString().getBytes(StandardCharsets.UTF_8)).substring(0, 16));
  }

  private static void appendEntries(StringBuilder text, Map<String, String> data) {
    // Lengths delimit keys and values so that no two different maps render the same text.
    data.forEach(
        (k, v) ->
            text.append(k.length())
                .append(':')
                .append(k)
                .append(v.length())
                .append(':')
                .append(v)
                .append('\n'));
  }

  private static void appendBytes(StringBuilder text, Map<String, ByteString> data) {
    TreeMap<String, String> hex = new TreeMap<>();
    data.forEach((k, v) -> hex.put(k, HexFormat.of().formatHex(v.toByteArray())));
    appendEntries(text, hex);
  }

  private static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }
}
