package dev.drover.agent.sync;

import dev.drover.agent.runtime.ContainerInfo;
import dev.drover.agent.runtime.ContainerSpec;
import dev.drover.api.v1.Container;
import dev.drover.api.v1.ContainerPort;
import dev.drover.api.v1.HostPortAllocation;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodSecurityContext;
import dev.drover.api.v1.PodSpec;
import dev.drover.api.v1.Protocol;
import dev.drover.api.v1.SecurityContext;
import dev.drover.api.v1.Volume;
import dev.drover.api.v1.VolumeMount;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Turns a pod's containers into runtime specs, names and labels, and its host ports into the
 * sandbox label a later agent adopts them from. Pure functions of their arguments.
 */
final class ContainerSpecs {

  private ContainerSpecs() {}

  /**
   * The runtime spec of run {@code attempt} of container {@code c} (at {@code path} in the pod,
   * e.g. {@code spec.initContainers[0]}), joining the network of {@code sandboxId} unless the pod
   * uses the host's. Its env values, command and args have their {@code $(VAR)} references
   * expanded.
   */
  static ContainerSpec containerSpec(
      Pod pod,
      DownwardApi.Facts facts,
      PodFiles files,
      String sandboxId,
      Container c,
      String path,
      int attempt,
      PodInputs inputs,
      Map<String, String> serviceEnv)
      throws PodInputs.ConfigError {
    Map<String, String> labels = baseLabels(pod, facts.nodeName(), c.getName());
    labels.put(Labels.ATTEMPT, Integer.toString(attempt));
    labels.put(Labels.SPEC_HASH, PodActions.specHash(c));
    String prefix = path + ".resources.limits";
    long nanoCpus = Limits.nanoCpus(c.getResources().getLimitsMap().get("cpu"), prefix + "[cpu]");
    long memory =
        Limits.memoryBytes(c.getResources().getLimitsMap().get("memory"), prefix + "[memory]");
    List<ContainerSpec.Mount> mounts = new ArrayList<>();
    for (int m = 0; m < c.getVolumeMountsCount(); m++) {
      VolumeMount vm = c.getVolumeMounts(m);
      String field = path + ".volumeMounts[" + m + "].name";
      Volume v =
          pod.getSpec().getVolumesList().stream()
              .filter(x -> x.getName().equals(vm.getName()))
              .findFirst()
              .orElseThrow(
                  () ->
                      new PodInputs.ConfigError(
                          field + ": no volume named \"" + vm.getName() + "\""));
      Path source;
      boolean readOnly = vm.getReadOnly();
      if (v.hasHostPath()) {
        source = Path.of(v.getHostPath().getPath());
      } else if (v.hasSecret()) {
        source = files.secretVolumeDir(v.getName());
        readOnly = true;
      } else if (v.hasPersistentVolumeClaim()) {
        source =
            files.persistentVolumeDir(
                inputs.claimVolume(v, pod.getSpec().getVolumesList().indexOf(v)));
        readOnly |= v.getPersistentVolumeClaim().getReadOnly();
      } else {
        source = files.volumeDir(v.getName());
        readOnly |= v.hasConfigMap() || v.hasDownwardApi();
      }
      if (!vm.getSubPath().isEmpty()) {
        source = source.resolve(vm.getSubPath());
      }
      mounts.add(new ContainerSpec.Mount(source.toString(), vm.getMountPath(), readOnly));
    }
    ContainerSpec.Network network =
        pod.getSpec().getHostNetwork()
            ? new ContainerSpec.HostNetwork()
            : new ContainerSpec.JoinNetwork(Objects.requireNonNull(sandboxId, "sandbox"));
    Map<String, String> own = inputs.environment(pod, facts, c, path, serviceEnv);
    // Command and args see the container's whole environment, service variables included.
    Map<String, String> all = new HashMap<>(serviceEnv);
    all.putAll(own);
    return new ContainerSpec(
        containerName(pod, c.getName(), attempt),
        c.getImage(),
        labels,
        EnvExpansion.expandAll(c.getCommandList(), all),
        EnvExpansion.expandAll(c.getArgsList(), all),
        withServiceEnv(
            serviceEnv, own.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList()),
        c.getWorkingDir(),
        network,
        "",
        List.of(),
        nanoCpus,
        memory,
        mounts,
        security(pod.getSpec(), c, path));
  }

  /**
   * The container's security settings: its own security context, field by field over the pod's.
   * Capability names are normalized to Docker's spelling (upper case, no "CAP_").
   */
  static ContainerSpec.Security security(PodSpec spec, Container c, String path)
      throws PodInputs.ConfigError {
    PodSecurityContext pod = spec.getSecurityContext();
    SecurityContext own = c.getSecurityContext();
    Long user =
        own.hasRunAsUser()
            ? Long.valueOf(own.getRunAsUser())
            : pod.hasRunAsUser() ? Long.valueOf(pod.getRunAsUser()) : null;
    Long group =
        own.hasRunAsGroup()
            ? Long.valueOf(own.getRunAsGroup())
            : pod.hasRunAsGroup() ? Long.valueOf(pod.getRunAsGroup()) : null;
    boolean nonRoot = own.hasRunAsNonRoot() ? own.getRunAsNonRoot() : pod.getRunAsNonRoot();
    if (nonRoot && user != null && user == 0) {
      throw new PodInputs.ConfigError(
          path + ".securityContext.runAsNonRoot: the container would run as root (runAsUser 0)");
    }
    return new ContainerSpec.Security(
        user,
        group,
        nonRoot,
        own.getReadOnlyRootFilesystem(),
        own.hasAllowPrivilegeEscalation() ? own.getAllowPrivilegeEscalation() : null,
        own.getPrivileged(),
        capabilityNames(own.getCapabilities().getAddList()),
        capabilityNames(own.getCapabilities().getDropList()),
        spec.getHostPid());
  }

  private static List<String> capabilityNames(List<String> names) {
    List<String> out = new ArrayList<>();
    for (String n : names) {
      String upper = n.toUpperCase(java.util.Locale.ROOT);
      out.add(upper.startsWith("CAP_") ? upper.substring(4) : upper);
    }
    return out;
  }

  /**
   * The service variables first, then the container's own ({@code NAME=value}); a name the
   * container sets itself keeps the container's value, as in Kubernetes.
   */
  static List<String> withServiceEnv(Map<String, String> serviceEnv, List<String> own) {
    if (serviceEnv.isEmpty()) {
      return own;
    }
    java.util.Set<String> names = new java.util.HashSet<>();
    for (String kv : own) {
      int eq = kv.indexOf('=');
      names.add(eq < 0 ? kv : kv.substring(0, eq));
    }
    List<String> out = new ArrayList<>();
    new java.util.TreeMap<>(serviceEnv)
        .forEach(
            (k, v) -> {
              if (!names.contains(k)) {
                out.add(k + "=" + v);
              }
            });
    out.addAll(own);
    return out;
  }

  /** The labels every container of the pod carries, naming the pod, the container and the node. */
  static Map<String, String> baseLabels(Pod pod, String nodeName, String container) {
    Map<String, String> labels = new HashMap<>();
    labels.put(Labels.POD_UID, pod.getMetadata().getUid());
    labels.put(Labels.POD_NAMESPACE, pod.getMetadata().getNamespace());
    labels.put(Labels.POD_NAME, pod.getMetadata().getName());
    labels.put(Labels.CONTAINER_NAME, container);
    labels.put(Labels.NODE, nodeName);
    return labels;
  }

  /** The runtime name of run {@code attempt} of a container of the pod. */
  static String containerName(Pod pod, String container, int attempt) {
    String uid = pod.getMetadata().getUid();
    return "drover_"
        + pod.getMetadata().getNamespace()
        + "_"
        + pod.getMetadata().getName()
        + "_"
        + container
        + "_"
        + uid.substring(0, Math.min(8, uid.length()))
        + "_"
        + attempt;
  }

  /** The host port allocation of one container port. */
  static HostPortAllocation allocation(String container, ContainerPort p, int hostPort) {
    return HostPortAllocation.newBuilder()
        .setContainerName(container)
        .setContainerPort(p.getContainerPort())
        .setHostPort(hostPort)
        .setProtocol(
            p.getProtocol() == Protocol.PROTOCOL_UDP
                ? Protocol.PROTOCOL_UDP
                : Protocol.PROTOCOL_TCP)
        .build();
  }

  /** The runtime's name of a protocol. */
  static String protocolName(Protocol p) {
    return p == Protocol.PROTOCOL_UDP ? "UDP" : "TCP";
  }

  /** The host ports as a sandbox label keeps them, for a later agent to adopt. */
  static String encodePorts(List<HostPortAllocation> ports) {
    return String.join(
        ",",
        ports.stream()
            .map(
                a ->
                    a.getContainerName()
                        + ":"
                        + a.getContainerPort()
                        + ":"
                        + a.getHostPort()
                        + ":"
                        + protocolName(a.getProtocol()))
            .toList());
  }

  /** The host ports a sandbox label keeps; malformed entries are skipped. */
  static List<HostPortAllocation> decodePorts(String text) {
    List<HostPortAllocation> out = new ArrayList<>();
    if (text == null || text.isEmpty()) {
      return out;
    }
    for (String part : text.split(",")) {
      String[] f = part.split(":");
      if (f.length != 4) {
        continue;
      }
      out.add(
          HostPortAllocation.newBuilder()
              .setContainerName(f[0])
              .setContainerPort(Integer.parseInt(f[1]))
              .setHostPort(Integer.parseInt(f[2]))
              .setProtocol("UDP".equals(f[3]) ? Protocol.PROTOCOL_UDP : Protocol.PROTOCOL_TCP)
              .build());
    }
    return out;
  }

  /** The attempt number a run carries in its labels (0 when unreadable). */
  static int attemptOf(ContainerInfo info) {
    try {
      return Integer.parseInt(info.labels().getOrDefault(Labels.ATTEMPT, "0"));
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
