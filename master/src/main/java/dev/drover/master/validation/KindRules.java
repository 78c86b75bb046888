package dev.drover.master.validation;

import dev.drover.api.CronSchedule;
import dev.drover.api.FieldProblem;
import dev.drover.api.LabelMatcher;
import dev.drover.api.LabelSelectors;
import dev.drover.api.Names;
import dev.drover.api.ServiceTypes;
import dev.drover.api.v1.CompletionMode;
import dev.drover.api.v1.ConcurrencyPolicy;
import dev.drover.api.v1.ConfigMap;
import dev.drover.api.v1.CronJob;
import dev.drover.api.v1.CronJobSpec;
import dev.drover.api.v1.DaemonSet;
import dev.drover.api.v1.DaemonSetSpec;
import dev.drover.api.v1.DaemonSetUpdateStrategyType;
import dev.drover.api.v1.Deployment;
import dev.drover.api.v1.DeploymentSpec;
import dev.drover.api.v1.EndpointAddress;
import dev.drover.api.v1.EndpointSubset;
import dev.drover.api.v1.Endpoints;
import dev.drover.api.v1.Event;
import dev.drover.api.v1.EventType;
import dev.drover.api.v1.IntOrString;
import dev.drover.api.v1.Job;
import dev.drover.api.v1.JobSpec;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.LabelSelector;
import dev.drover.api.v1.Lease;
import dev.drover.api.v1.LoadBalancing;
import dev.drover.api.v1.Namespace;
import dev.drover.api.v1.Node;
import dev.drover.api.v1.PodTemplateSpec;
import dev.drover.api.v1.ProxyProtocol;
import dev.drover.api.v1.ReplicaSet;
import dev.drover.api.v1.RestartPolicy;
import dev.drover.api.v1.Secret;
import dev.drover.api.v1.Service;
import dev.drover.api.v1.ServicePort;
import dev.drover.api.v1.ServiceType;
import dev.drover.api.v1.SessionAffinity;
import dev.drover.api.v1.Taint;
import dev.drover.api.v1.TaintEffect;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.ZoneId;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Rules on the spec (or data) of each kind other than the metadata and the pod spec: replica
 * counts, selectors that must match their templates, rollout parameters, service ports, endpoint
 * addresses, taints, and the size and keys of Secret and ConfigMap data.
 */
final class KindRules {

  /** Kubernetes' limit on the data of one Secret or ConfigMap. */
  static final int DATA_MAX_BYTES = 1024 * 1024;

  private static final Pattern PERCENT = Pattern.compile("(0|[1-9][0-9]*)%");
  private static final Pattern IPV4 =
      Pattern.compile(
          "((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}"
              + "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])");
  private static final Pattern IPV6 = Pattern.compile("[0-9a-fA-F:.]*:[0-9a-fA-F:.]*");
  private static final Pattern CIDR = Pattern.compile("(.+)/([0-9]{1,3})");

  private KindRules() {}

  static void namespace(Namespace ns, Violations v) {
    for (int i = 0; i < ns.getSpec().getFinalizersCount(); i++) {
      v.addAll(
          "spec.finalizers[" + i + "]", Names.checkQualifiedName(ns.getSpec().getFinalizers(i)));
    }
  }

  static void node(Node node, Violations v) {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < node.getSpec().getTaintsCount(); i++) {
      Taint t = node.getSpec().getTaints(i);
      String field = "spec.taints[" + i + "]";
      if (t.getKey().isEmpty()) {
        v.required(field + ".key");
      } else {
        v.addAll(field + ".key", Names.checkQualifiedName(t.getKey()));
      }
      v.addAll(field + ".value", Names.checkLabelValue(t.getValue()));
      if (t.getEffect() == TaintEffect.TAINT_EFFECT_UNSPECIFIED
          || t.getEffect() == TaintEffect.UNRECOGNIZED) {
        v.add(field + ".effect", "Required value: one of NoSchedule, PreferNoSchedule, NoExecute");
      } else if (!seen.add(t.getKey() + "/" + t.getEffect())) {
        v.add(field, "Duplicate value: taints must be unique by key and effect");
      }
    }
    if (node.getSpec().hasPodCidr()) {
      cidr(node.getSpec().getPodCidr(), "spec.pod_cidr", v);
    }
  }

  static void deployment(Deployment d, Violations v) {
    DeploymentSpec spec = d.getSpec();
    if (spec.hasReplicas()) {
      v.nonNegative("spec.replicas", spec.getReplicas());
    }
    LabelMatcher selector = requiredSelector(spec.getSelector(), "spec.selector", v);
    template(spec.getTemplate(), selector, "spec.template", TemplateRestart.ALWAYS, v);
    switch (spec.getStrategy().getType()) {
      case DEPLOYMENT_STRATEGY_TYPE_RECREATE:
        if (spec.getStrategy().hasRollingUpdate()) {
          v.add(
              "spec.strategy.rolling_update",
              "Forbidden: may not be specified when strategy type is Recreate");
        }
        break;
      case UNRECOGNIZED:
        v.add("spec.strategy.type", "Unsupported value: " + spec.getStrategy().getTypeValue());
        break;
      default:
        if (spec.getStrategy().hasRollingUpdate()) {
          var ru = spec.getStrategy().getRollingUpdate();
          boolean unavailableZero =
              intOrPercent(
                  ru.getMaxUnavailable(), "spec.strategy.rolling_update.max_unavailable", v);
          boolean surgeZero =
              intOrPercent(ru.getMaxSurge(), "spec.strategy.rolling_update.max_surge", v);
          if (ru.hasMaxUnavailable() && ru.hasMaxSurge() && unavailableZero && surgeZero) {
            v.add(
                "spec.strategy.rolling_update.max_unavailable",
                "Invalid value: may not be 0 when maxSurge is 0");
          }
        }
        break;
    }
    v.nonNegative("spec.min_ready_seconds", spec.getMinReadySeconds());
    if (spec.hasRevisionHistoryLimit()) {
      v.nonNegative("spec.revision_history_limit", spec.getRevisionHistoryLimit());
    }
    if (spec.hasProgressDeadlineSeconds()) {
      v.atLeast("spec.progress_deadline_seconds", spec.getProgressDeadlineSeconds(), 1);
      if (spec.getProgressDeadlineSeconds() <= spec.getMinReadySeconds()) {
        v.add(
            "spec.progress_deadline_seconds",
            "Invalid value: must be greater than minReadySeconds");
      }
    }
    if (spec.hasCanary()) {
      List<Integer> steps = spec.getCanary().getStepsList();
      for (int i = 0; i < steps.size(); i++) {
        if (steps.get(i) < 1) {
          v.add("spec.canary.steps[" + i + "]", "must be greater than or equal to 1");
        } else if (i > 0 && steps.get(i) <= steps.get(i - 1)) {
          v.add("spec.canary.steps[" + i + "]", "Invalid value: steps must increase");
        }
      }
      if (spec.getCanary().hasPauseSeconds()) {
        v.nonNegative("spec.canary.pause_seconds", spec.getCanary().getPauseSeconds());
      }
    }
  }

  static void replicaSet(ReplicaSet rs, Violations v) {
    if (rs.getSpec().hasReplicas()) {
      v.nonNegative("spec.replicas", rs.getSpec().getReplicas());
    }
    v.nonNegative("spec.min_ready_seconds", rs.getSpec().getMinReadySeconds());
    LabelMatcher selector = requiredSelector(rs.getSpec().getSelector(), "spec.selector", v);
    template(rs.getSpec().getTemplate(), selector, "spec.template", TemplateRestart.ALWAYS, v);
  }

  static void daemonSet(DaemonSet ds, Violations v) {
    DaemonSetSpec spec = ds.getSpec();
    LabelMatcher selector = requiredSelector(spec.getSelector(), "spec.selector", v);
    template(spec.getTemplate(), selector, "spec.template", TemplateRestart.ALWAYS, v);
    if (spec.getUpdateStrategy().getType() == DaemonSetUpdateStrategyType.UNRECOGNIZED) {
      v.add(
          "spec.update_strategy.type",
          "Unsupported value: " + spec.getUpdateStrategy().getTypeValue());
    }
    if (spec.getUpdateStrategy().hasRollingUpdate()) {
      var ru = spec.getUpdateStrategy().getRollingUpdate();
      boolean unavailableZero =
          intOrPercent(
              ru.getMaxUnavailable(), "spec.update_strategy.rolling_update.max_unavailable", v);
      boolean surgeZero =
          intOrPercent(ru.getMaxSurge(), "spec.update_strategy.rolling_update.max_surge", v);
      if (ru.hasMaxUnavailable() && unavailableZero && (!ru.hasMaxSurge() || surgeZero)) {
        v.add(
            "spec.update_strategy.rolling_update.max_unavailable",
            "Invalid value: may not be 0 when maxSurge is 0");
      }
    }
    v.nonNegative("spec.min_ready_seconds", spec.getMinReadySeconds());
    if (spec.hasRevisionHistoryLimit()) {
      v.nonNegative("spec.revision_history_limit", spec.getRevisionHistoryLimit());
    }
  }

  static void job(Job job, Violations v) {
    jobSpec(job.getSpec(), "spec", v);
  }

  private static void jobSpec(JobSpec spec, String path, Violations v) {
    if (spec.hasParallelism()) {
      v.nonNegative(path + ".parallelism", spec.getParallelism());
    }
    if (spec.hasCompletions()) {
      v.nonNegative(path + ".completions", spec.getCompletions());
    }
    if (spec.hasActiveDeadlineSeconds()) {
      v.atLeast(path + ".active_deadline_seconds", spec.getActiveDeadlineSeconds(), 1);
    }
    if (spec.hasBackoffLimit()) {
      v.nonNegative(path + ".backoff_limit", spec.getBackoffLimit());
    }
    if (spec.hasTtlSecondsAfterFinished()) {
      v.nonNegative(path + ".ttl_seconds_after_finished", spec.getTtlSecondsAfterFinished());
    }
    if (spec.hasCompletionMode()) {
      if (spec.getCompletionMode() == CompletionMode.UNRECOGNIZED) {
        v.add(path + ".completion_mode", "Unsupported value: " + spec.getCompletionModeValue());
      } else if (spec.getCompletionMode() == CompletionMode.COMPLETION_MODE_INDEXED
          && !spec.hasCompletions()) {
        v.add(path + ".completions", "Required value: when completionMode is Indexed");
      }
    }
    // The selector is generated from the uid when absent, so only a given one is checked.
    LabelMatcher selector = null;
    if (spec.hasSelector() && !isEmpty(spec.getSelector())) {
      selector = selector(spec.getSelector(), path + ".selector", v);
    }
    template(
        spec.getTemplate(), selector, path + ".template", TemplateRestart.ON_FAILURE_OR_NEVER, v);
  }

  /** Longest CronJob name: its Jobs add "-" and up to 10 digits and stay within 63 characters. */
  static final int MAX_CRON_JOB_NAME = 52;

  static void cronJob(CronJob cronJob, Violations v) {
    CronJobSpec spec = cronJob.getSpec();
    if (cronJob.getMetadata().getName().length() > MAX_CRON_JOB_NAME) {
      v.add("metadata.name", "Invalid value: must be no more than 52 characters");
    }
    ZoneId zone = null;
    if (spec.hasTimeZone()) {
      try {
        zone = CronSchedule.zone(spec.getTimeZone());
      } catch (IllegalArgumentException e) {
        v.add("spec.time_zone", "Invalid value: \"" + spec.getTimeZone() + "\": " + e.getMessage());
      }
    }
    if (spec.getSchedule().isEmpty()) {
      v.add("spec.schedule", "Required value");
    } else {
      try {
        CronSchedule.parse(spec.getSchedule(), zone == null ? CronSchedule.zone("") : zone);
      } catch (IllegalArgumentException e) {
        v.add("spec.schedule", "Invalid value: \"" + spec.getSchedule() + "\": " + e.getMessage());
      }
    }
    if (spec.hasStartingDeadlineSeconds()) {
      v.nonNegative("spec.starting_deadline_seconds", spec.getStartingDeadlineSeconds());
    }
    if (spec.hasConcurrencyPolicy()
        && spec.getConcurrencyPolicy() == ConcurrencyPolicy.UNRECOGNIZED) {
      v.add("spec.concurrency_policy", "Unsupported value: " + spec.getConcurrencyPolicyValue());
    }
    if (spec.hasSuccessfulJobsHistoryLimit()) {
      v.nonNegative("spec.successful_jobs_history_limit", spec.getSuccessfulJobsHistoryLimit());
    }
    if (spec.hasFailedJobsHistoryLimit()) {
      v.nonNegative("spec.failed_jobs_history_limit", spec.getFailedJobsHistoryLimit());
    }
    jobSpec(spec.getJobTemplate().getSpec(), "spec.job_template.spec", v);
  }

  static void service(Service svc, Violations v) {
    var spec = svc.getSpec();
    if (spec.getType() == ServiceType.UNRECOGNIZED) {
      v.add("spec.type", "Unsupported value: " + spec.getTypeValue());
    }
    MetaRules.labels(spec.getSelectorMap(), "spec.selector", v);
    if (spec.getSessionAffinity() == SessionAffinity.UNRECOGNIZED) {
      v.add("spec.session_affinity", "Unsupported value: " + spec.getSessionAffinityValue());
    }
    if (spec.getSessionAffinityTimeoutSeconds() != 0
        && spec.getSessionAffinity() != SessionAffinity.SESSION_AFFINITY_CLIENT_IP) {
      v.add(
          "spec.session_affinity_timeout_seconds",
          "Forbidden: may only be set when sessionAffinity is ClientIP");
    } else if (spec.getSessionAffinityTimeoutSeconds() < 0
        || spec.getSessionAffinityTimeoutSeconds() > 86400) {
      v.add(
          "spec.session_affinity_timeout_seconds",
          "Invalid value: " + spec.getSessionAffinityTimeoutSeconds() + ": must be in 0-86400");
    }
    if (spec.getProxyProtocol() == ProxyProtocol.UNRECOGNIZED) {
      v.add("spec.proxy_protocol", "Unsupported value: " + spec.getProxyProtocolValue());
    }
    if (spec.getLoadBalancing() == LoadBalancing.UNRECOGNIZED) {
      v.add("spec.load_balancing", "Unsupported value: " + spec.getLoadBalancingValue());
    }
    boolean headless = spec.getClusterIp().equals("None");
    if (!spec.getClusterIp().isEmpty() && !headless) {
      v.add("spec.cluster_ip", "Unsupported value: only \"None\" (a headless service) is accepted");
    }
    if (headless && spec.getType() == ServiceType.SERVICE_TYPE_NODE_PORT) {
      v.add("spec.type", "Invalid value: a headless service (clusterIP None) may not be NodePort");
    }
    if (spec.getPortsCount() == 0 && !headless) {
      v.add("spec.ports", "Required value: a service needs at least one port");
    }
    Set<String> names = new HashSet<>();
    Set<String> ports = new HashSet<>();
    for (int i = 0; i < spec.getPortsCount(); i++) {
      ServicePort p = spec.getPorts(i);
      String field = "spec.ports[" + i + "]";
      if (p.getName().isEmpty()) {
        if (spec.getPortsCount() > 1) {
          v.add(field + ".name", "Required value: when a service has more than one port");
        }
      } else {
        v.addAll(field + ".name", Names.checkDns1123Label(p.getName()));
        if (!names.add(p.getName())) {
          v.add(field + ".name", "Duplicate value: \"" + p.getName() + "\"");
        }
      }
      PodSpecRules.protocol(p.getProtocolValue(), p.getProtocol(), field + ".protocol", v);
      v.port(field + ".port", p.getPort());
      if (!ports.add(p.getPort() + "/" + p.getProtocol())) {
        v.add(field, "Duplicate value: port and protocol must be unique");
      }
      if (p.hasTargetPort()) {
        PodSpecRules.portRef(p.getTargetPort(), field + ".target_port", v);
      }
      if (p.getNodePort() != 0) {
        if (!ServiceTypes.hasNodePorts(spec.getType())) {
          v.add(
              field + ".node_port",
              "Forbidden: may only be set when type is NodePort or LoadBalancer");
        } else {
          v.port(field + ".node_port", p.getNodePort());
        }
      }
    }
  }

  static void endpoints(Endpoints ep, Violations v) {
    for (int i = 0; i < ep.getSubsetsCount(); i++) {
      EndpointSubset subset = ep.getSubsets(i);
      String field = "subsets[" + i + "]";
      addresses(subset.getAddressesList(), field + ".addresses", v);
      addresses(subset.getNotReadyAddressesList(), field + ".not_ready_addresses", v);
      Set<String> names = new HashSet<>();
      for (int j = 0; j < subset.getPortsCount(); j++) {
        var port = subset.getPorts(j);
        String pf = field + ".ports[" + j + "]";
        v.port(pf + ".port", port.getPort());
        if (!port.getName().isEmpty()) {
          v.addAll(pf + ".name", Names.checkDns1123Label(port.getName()));
        }
        if (!names.add(port.getName())) {
          v.add(pf + ".name", "Duplicate value: \"" + port.getName() + "\"");
        }
        PodSpecRules.protocol(port.getProtocolValue(), port.getProtocol(), pf + ".protocol", v);
      }
    }
  }

  private static void addresses(List<EndpointAddress> addresses, String path, Violations v) {
    for (int i = 0; i < addresses.size(); i++) {
      EndpointAddress a = addresses.get(i);
      String field = path + "[" + i + "]";
      if (a.getIp().isEmpty()) {
        v.required(field + ".ip");
      } else if (!isIp(a.getIp())) {
        v.add(field + ".ip", "Invalid value: \"" + a.getIp() + "\": must be a valid IP address");
      }
      if (!a.getNodeName().isEmpty()) {
        v.addAll(field + ".node_name", Names.checkDns1123Subdomain(a.getNodeName()));
      }
    }
  }

  static void event(Event e, Violations v) {
    if (e.getInvolvedObject().getName().isEmpty()) {
      v.required("involved_object.name");
    }
    if (e.getInvolvedObject().getKind() == Kind.KIND_UNSPECIFIED
        || e.getInvolvedObject().getKind() == Kind.UNRECOGNIZED) {
      v.required("involved_object.kind");
    }
    if (e.getType() == EventType.UNRECOGNIZED) {
      v.add("type", "Unsupported value: " + e.getTypeValue());
    }
    v.nonNegative("count", e.getCount());
    if (e.getReason().length() > 128) {
      v.add("reason", "must be no more than 128 characters");
    }
  }

  /**
   * Set by a master that could not decrypt a Secret (master.secrets). Such a copy has no data, so
   * writing it back, as a read-modify-write client would, must be refused or the data is lost.
   */
  static final String SECRET_UNREADABLE = "drover.dev/secret-unreadable";

  static void secret(Secret s, Violations v) {
    if (s.getMetadata().containsAnnotations(SECRET_UNREADABLE)) {
      v.add(
          "metadata.annotations[" + SECRET_UNREADABLE + "]",
          "Forbidden: this copy was read by a master that cannot decrypt the Secret and has no"
              + " data; writing it back would erase the stored values");
    }
    long size = 0;
    for (Map.Entry<String, com.google.protobuf.ByteString> e : s.getDataMap().entrySet()) {
      dataKey(e.getKey(), "data", v);
      size += e.getKey().length() + e.getValue().size();
    }
    for (Map.Entry<String, String> e : s.getStringDataMap().entrySet()) {
      dataKey(e.getKey(), "string_data", v);
      size += e.getKey().length() + e.getValue().length();
    }
    dataSize(size, "data", v);
    if (s.getType().equals("kubernetes.io/dockerconfigjson")
        && !s.containsData(".dockerconfigjson")
        && !s.containsStringData(".dockerconfigjson")) {
      v.add(
          "data[.dockerconfigjson]",
          "Required value: a kubernetes.io/dockerconfigjson secret needs this key");
    }
  }

  static void configMap(ConfigMap cm, Violations v) {
    long size = 0;
    for (Map.Entry<String, String> e : cm.getDataMap().entrySet()) {
      dataKey(e.getKey(), "data", v);
      size += e.getKey().length() + e.getValue().length();
    }
    for (Map.Entry<String, com.google.protobuf.ByteString> e : cm.getBinaryDataMap().entrySet()) {
      dataKey(e.getKey(), "binary_data", v);
      if (cm.containsData(e.getKey())) {
        v.add(
            "binary_data[" + e.getKey() + "]",
            "Invalid value: duplicate of key \"" + e.getKey() + "\" in data");
      }
      size += e.getKey().length() + e.getValue().size();
    }
    dataSize(size, "data", v);
  }

  static void lease(Lease lease, Violations v) {
    v.nonNegative("spec.lease_duration_seconds", lease.getSpec().getLeaseDurationSeconds());
    v.nonNegative("spec.lease_transitions", lease.getSpec().getLeaseTransitions());
  }

  private static void dataKey(String key, String map, Violations v) {
    v.addAll(map + "[" + key + "]", Names.checkConfigMapKey(key));
  }

  private static void dataSize(long size, String field, Violations v) {
    if (size > DATA_MAX_BYTES) {
      v.add(
          field,
          "Too long: data totals " + size + " bytes, may not be more than " + DATA_MAX_BYTES);
    }
  }

  /** Which restart policies a controller's template may have. */
  enum TemplateRestart {
    ALWAYS,
    ON_FAILURE_OR_NEVER
  }

  static void template(
      PodTemplateSpec template,
      LabelMatcher selector,
      String path,
      TemplateRestart restart,
      Violations v) {
    MetaRules.labels(template.getMetadata().getLabelsMap(), path + ".metadata.labels", v);
    MetaRules.annotations(
        template.getMetadata().getAnnotationsMap(), path + ".metadata.annotations", v);
    if (selector != null && !selector.matches(template.getMetadata().getLabelsMap())) {
      v.add(path + ".metadata.labels", "Invalid value: selector does not match template labels");
    }
    PodSpecRules.validate(template.getSpec(), path + ".spec", v);
    RestartPolicy policy = template.getSpec().getRestartPolicy();
    if (restart == TemplateRestart.ALWAYS) {
      if (policy != RestartPolicy.RESTART_POLICY_ALWAYS
          && policy != RestartPolicy.RESTART_POLICY_UNSPECIFIED) {
        v.add(path + ".spec.restart_policy", "Unsupported value: only Always is supported");
      }
    } else if (policy != RestartPolicy.RESTART_POLICY_ON_FAILURE
        && policy != RestartPolicy.RESTART_POLICY_NEVER) {
      v.add(path + ".spec.restart_policy", "Required value: must be OnFailure or Never for a Job");
    }
  }

  /** A selector that must select something: not empty and valid. */
  static LabelMatcher requiredSelector(LabelSelector selector, String path, Violations v) {
    if (isEmpty(selector)) {
      v.add(path, "Required value: a non-empty selector is required");
      return null;
    }
    return selector(selector, path, v);
  }

  static LabelMatcher selector(LabelSelector selector, String path, Violations v) {
    List<FieldProblem> problems = LabelSelectors.check(selector);
    if (!problems.isEmpty()) {
      v.addProblems(path, problems);
      return null;
    }
    return LabelSelectors.fromProto(selector);
  }

  private static boolean isEmpty(LabelSelector selector) {
    return selector.getMatchLabelsCount() == 0 && selector.getMatchExpressionsCount() == 0;
  }

  /**
   * Checks a count-or-percentage ({@code 2}, {@code "25%"}) and returns whether it is zero. An
   * unset value counts as non-zero because the default is 25%.
   */
  private static boolean intOrPercent(IntOrString value, String field, Violations v) {
    switch (value.getValueCase()) {
      case INT_VALUE:
        v.nonNegative(field, value.getIntValue());
        return value.getIntValue() == 0;
      case STRING_VALUE:
        String s = value.getStringValue();
        if (!PERCENT.matcher(s).matches()) {
          v.add(
              field,
              "Invalid value: \"" + s + "\": must be an integer or a percentage (e.g." + " '25%')");
          return false;
        }
        int percent = Integer.parseInt(s.substring(0, s.length() - 1));
        if (percent > 100) {
          v.add(field, "Invalid value: \"" + s + "\": must not be greater than 100%");
        }
        return percent == 0;
      default:
        return false;
    }
  }

  static boolean isIp(String ip) {
    if (IPV4.matcher(ip).matches()) {
      return true;
    }
    if (!IPV6.matcher(ip).matches() || ip.length() > 45) {
      return false;
    }
    try {
      // Only hex digits, ':' and '.' with at least one ':' get here: the JDK parses such a
      // string as an IPv6 literal and never resolves it as a host name.
      return InetAddress.getByName(ip) instanceof Inet6Address;
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static void cidr(String cidr, String field, Violations v) {
    var m = CIDR.matcher(cidr);
    if (!m.matches()
        || !isIp(m.group(1))
        || Integer.parseInt(m.group(2)) > (m.group(1).contains(":") ? 128 : 32)) {
      v.add(field, "Invalid value: \"" + cidr + "\": must be a CIDR such as 10.0.0.0/24");
    }
  }

  static void quantities(Map<String, String> amounts, String path, Violations v) {
    amounts.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(e -> v.nonNegativeQuantity(path + "[" + e.getKey() + "]", e.getValue()));
  }
}
