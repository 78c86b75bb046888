package dev.drover.master.validation;

import dev.drover.api.v1.Container;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.PodSpec;
import dev.drover.api.v1.SecurityContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The pod security policy Drover enforces at admission: what a pod (or a controller's pod template)
 * may ask for, by namespace. Outside the system namespaces, and unless a cluster-admin set {@link
 * #ALLOW_PRIVILEGED} on the namespace, a pod may not be privileged, use the host's network or
 * process namespaces, mount host paths, or add capabilities beyond Docker's default set (the
 * Kubernetes "baseline" profile for these fields). Malformed security contexts are refused
 * everywhere. Fields are named as the manifest spells them ({@code
 * spec.containers[0].securityContext.privileged}). Pure: the caller supplies the annotations.
 */
public final class PodSecurity {
  /**
   * Namespace annotation that lifts the restrictions when {@code "true"}. Only a cluster-admin may
   * set it (enforced by authorization).
   */
  public static final String ALLOW_PRIVILEGED = "drover.dev/allow-privileged";

  /** Namespaces whose pods are never restricted (the cluster's own components run there). */
  public static final Set<String> SYSTEM_NAMESPACES = Set.of("kube-system", "drover-system");

  /** Capabilities a restricted pod may add: Docker's defaults, so adding them changes nothing. */
  static final Set<String> BASELINE_CAPABILITIES =
      Set.of(
          "AUDIT_WRITE",
          "CHOWN",
          "DAC_OVERRIDE",
          "FOWNER",
          "FSETID",
          "KILL",
          "MKNOD",
          "NET_BIND_SERVICE",
          "NET_RAW",
          "SETFCAP",
          "SETGID",
          "SETPCAP",
          "SETUID",
          "SYS_CHROOT");

  /** Linux capabilities Docker knows, plus ALL. */
  static final Set<String> KNOWN_CAPABILITIES =
      Set.of(
          "ALL",
          "AUDIT_CONTROL",
          "AUDIT_READ",
          "AUDIT_WRITE",
          "BLOCK_SUSPEND",
          "BPF",
          "CHECKPOINT_RESTORE",
          "CHOWN",
          "DAC_OVERRIDE",
          "DAC_READ_SEARCH",
          "FOWNER",
          "FSETID",
          "IPC_LOCK",
          "IPC_OWNER",
          "KILL",
          "LEASE",
          "LINUX_IMMUTABLE",
          "MAC_ADMIN",
          "MAC_OVERRIDE",
          "MKNOD",
          "NET_ADMIN",
          "NET_BIND_SERVICE",
          "NET_BROADCAST",
          "NET_RAW",
          "PERFMON",
          "SETFCAP",
          "SETGID",
          "SETPCAP",
          "SETUID",
          "SYS_ADMIN",
          "SYS_BOOT",
          "SYS_CHROOT",
          "SYSLOG",
          "SYS_MODULE",
          "SYS_NICE",
          "SYS_PACCT",
          "SYS_PTRACE",
          "SYS_RAWIO",
          "SYS_RESOURCE",
          "SYS_TIME",
          "SYS_TTY_CONFIG",
          "WAKE_ALARM");

  private PodSecurity() {}

  /** A pod spec inside an object, with the path of that spec. */
  private record Located(PodSpec spec, String path) {}

  private static Located podSpec(Object o) {
    return switch (o.getKindCase()) {
      case POD -> new Located(o.getPod().getSpec(), "spec");
      case DEPLOYMENT ->
          new Located(o.getDeployment().getSpec().getTemplate().getSpec(), "spec.template.spec");
      case REPLICA_SET ->
          new Located(o.getReplicaSet().getSpec().getTemplate().getSpec(), "spec.template.spec");
      case DAEMON_SET ->
          new Located(o.getDaemonSet().getSpec().getTemplate().getSpec(), "spec.template.spec");
      case JOB -> new Located(o.getJob().getSpec().getTemplate().getSpec(), "spec.template.spec");
      case CRON_JOB ->
          new Located(
              o.getCronJob().getSpec().getJobTemplate().getSpec().getTemplate().getSpec(),
              "spec.job_template.spec.template.spec");
      default -> null;
    };
  }

  /** True when the namespace's annotations lift the restrictions, or it is a system namespace. */
  public static boolean allowsPrivileged(String namespace, Map<String, String> annotations) {
    return SYSTEM_NAMESPACES.contains(namespace)
        || "true".equalsIgnoreCase(annotations.getOrDefault(ALLOW_PRIVILEGED, ""));
  }

  /** Malformed security settings (bad capability names, negative ids): refused everywhere. */
  public static List<FieldViolation> malformed(Object o) {
    List<FieldViolation> out = new ArrayList<>();
    Located at = podSpec(o);
    if (at == null) {
      return out;
    }
    var pod = at.spec().getSecurityContext();
    String ps = at.path() + ".securityContext.";
    if (pod.hasRunAsUser() && pod.getRunAsUser() < 0) {
      out.add(new FieldViolation(ps + "runAsUser", "Invalid value: must be 0 or more"));
    }
    if (pod.hasRunAsGroup() && pod.getRunAsGroup() < 0) {
      out.add(new FieldViolation(ps + "runAsGroup", "Invalid value: must be 0 or more"));
    }
    forEachContainer(
        at,
        (c, path) -> {
          SecurityContext sc = c.getSecurityContext();
          String p = path + ".securityContext.";
          if (sc.hasRunAsUser() && sc.getRunAsUser() < 0) {
            out.add(new FieldViolation(p + "runAsUser", "Invalid value: must be 0 or more"));
          }
          if (sc.hasRunAsGroup() && sc.getRunAsGroup() < 0) {
            out.add(new FieldViolation(p + "runAsGroup", "Invalid value: must be 0 or more"));
          }
          checkNames(sc.getCapabilities().getAddList(), p + "capabilities.add", out);
          checkNames(sc.getCapabilities().getDropList(), p + "capabilities.drop", out);
        });
    return out;
  }

  /** What the object asks for that a restricted namespace refuses; empty when nothing. */
  public static List<FieldViolation> restricted(Object o, String namespace) {
    List<FieldViolation> out = new ArrayList<>();
    Located at = podSpec(o);
    if (at == null) {
      return out;
    }
    String why =
        " is not allowed in namespace \""
            + namespace
            + "\" (a cluster-admin may allow it with the namespace annotation "
            + ALLOW_PRIVILEGED
            + ": \"true\")";
    PodSpec spec = at.spec();
    if (spec.getHostNetwork()) {
      out.add(forbidden(at.path() + ".hostNetwork", "the host's network namespace" + why));
    }
    if (spec.getHostPid()) {
      out.add(forbidden(at.path() + ".hostPID", "the host's process namespace" + why));
    }
    for (int i = 0; i < spec.getVolumesCount(); i++) {
      if (spec.getVolumes(i).hasHostPath()) {
        out.add(
            forbidden(
                at.path() + ".volumes[" + i + "].hostPath",
                "a hostPath volume (" + spec.getVolumes(i).getHostPath().getPath() + ")" + why));
      }
    }
    forEachContainer(
        at,
        (c, path) -> {
          SecurityContext sc = c.getSecurityContext();
          if (sc.getPrivileged()) {
            out.add(
                forbidden(path + ".securityContext.privileged", "a privileged container" + why));
          }
          List<String> add = sc.getCapabilities().getAddList();
          for (int k = 0; k < add.size(); k++) {
            String name = normalize(add.get(k));
            if (KNOWN_CAPABILITIES.contains(name) && !BASELINE_CAPABILITIES.contains(name)) {
              out.add(
                  forbidden(
                      path + ".securityContext.capabilities.add[" + k + "]",
                      "adding capability " + name + why));
            }
          }
        });
    return out;
  }

  private interface ContainerVisitor {
    void visit(Container c, String path);
  }

  private static void forEachContainer(Located at, ContainerVisitor visitor) {
    PodSpec spec = at.spec();
    for (int i = 0; i < spec.getInitContainersCount(); i++) {
      visitor.visit(spec.getInitContainers(i), at.path() + ".initContainers[" + i + "]");
    }
    for (int i = 0; i < spec.getContainersCount(); i++) {
      visitor.visit(spec.getContainers(i), at.path() + ".containers[" + i + "]");
    }
  }

  private static void checkNames(List<String> names, String path, List<FieldViolation> out) {
    for (int k = 0; k < names.size(); k++) {
      if (!KNOWN_CAPABILITIES.contains(normalize(names.get(k)))) {
        out.add(
            new FieldViolation(
                path + "[" + k + "]",
                "Unsupported value: \"" + names.get(k) + "\" is not a Linux capability"));
      }
    }
  }

  private static String normalize(String capability) {
    String upper = capability.toUpperCase(Locale.ROOT);
    return upper.startsWith("CAP_") ? upper.substring(4) : upper;
  }

  private static FieldViolation forbidden(String field, String what) {
    return new FieldViolation(field, "Forbidden: " + what);
  }
}
