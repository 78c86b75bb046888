package dev.drover.agent;

import dev.drover.agent.runtime.ContainerDefaults;
import dev.drover.agent.runtime.RuntimeKind;
import dev.drover.api.v1.Taint;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Configuration of one {@link NodeAgent}. Built with {@link #builder()}; {@link Builder#build()}
 * checks every field and names the one that is wrong.
 */
public final class AgentConfig {

  final String nodeName;
  final List<String> masterEndpoints;
  final RuntimeKind runtime;
  final String dockerHost;
  final ContainerDefaults containerDefaults;
  final Path dataDir;
  final int portRangeFirst;
  final int portRangeLast;
  final Duration restartBackoffInitial;
  final Duration restartBackoffMax;
  final Duration backoffResetAfter;
  final Map<String, String> labels;
  final List<Taint> taints;
  final int maxPods;
  final String hostIp;
  final String bindAddress;
  final int agentPort;
  final String infraImage;
  final Duration heartbeatInterval;
  final Duration syncPeriod;
  final Duration statusFlushInterval;
  final Duration callTimeout;
  final Duration orphanSweepDelay;
  final int syncThreads;
  final boolean tls;
  final String joinToken;
  final Duration renewRetry;
  final boolean serviceProxy;
  final String metricsHost;
  final int metricsPort;
  final Path metricsTokenFile;

  private AgentConfig(Builder b) {
    nodeName = b.nodeName;
    masterEndpoints = List.copyOf(b.masterEndpoints);
    runtime = b.runtime;
    dockerHost = b.dockerHost;
    containerDefaults = b.containerDefaults;
    dataDir = b.dataDir;
    portRangeFirst = b.portRangeFirst;
    portRangeLast = b.portRangeLast;
    restartBackoffInitial = b.restartBackoffInitial;
    restartBackoffMax = b.restartBackoffMax;
    backoffResetAfter = b.backoffResetAfter;
    labels = Map.copyOf(b.labels);
    taints = List.copyOf(b.taints);
    maxPods = b.maxPods;
    hostIp = b.hostIp;
    bindAddress = b.bindAddress;
    agentPort = b.agentPort;
    infraImage = b.infraImage;
    heartbeatInterval = b.heartbeatInterval;
    syncPeriod = b.syncPeriod;
    statusFlushInterval = b.statusFlushInterval;
    callTimeout = b.callTimeout;
    orphanSweepDelay = b.orphanSweepDelay;
    syncThreads = b.syncThreads;
    serviceProxy = b.serviceProxy;
    metricsHost = b.metricsHost;
    metricsPort = b.metricsPort;
    metricsTokenFile = b.metricsTokenFile;
    tls = b.tls || b.joinToken != null;
    joinToken = b.joinToken;
    renewRetry = b.renewRetry;
  }

  /**
   * True when the agent talks mutual TLS: its node certificate in {@code DIR/pki}, obtained with
   * the join token on first start.
   */
  public boolean tls() {
    return tls;
  }

  public static Builder builder() {
    return new Builder();
  }

  public String nodeName() {
    return nodeName;
  }

  /** Limits and hardening every container gets. */
  public ContainerDefaults containerDefaults() {
    return containerDefaults;
  }

  public Path dataDir() {
    return dataDir;
  }

  /** Builder with Kubernetes-like defaults. */
  public static final class Builder {
    private String nodeName;
    private final List<String> masterEndpoints = new ArrayList<>();
    private RuntimeKind runtime = RuntimeKind.DOCKER;
    private String dockerHost = "unix:///var/run/docker.sock";
    private ContainerDefaults containerDefaults = ContainerDefaults.STANDARD;
    private Path dataDir;
    private int portRangeFirst;
    private int portRangeLast;
    private Duration restartBackoffInitial = Duration.ofSeconds(10);
    private Duration restartBackoffMax = Duration.ofMinutes(5);
    private Duration backoffResetAfter = Duration.ofMinutes(10);
    private final Map<String, String> labels = new LinkedHashMap<>();
    private final List<Taint> taints = new ArrayList<>();
    private int maxPods = 110;
    private String hostIp = "127.0.0.1";
    private String bindAddress = "0.0.0.0";
    private int agentPort;
    private String infraImage = "drover.local/busybox:1";
    private Duration heartbeatInterval = Duration.ofSeconds(5);
    private Duration syncPeriod = Duration.ofSeconds(2);
    private Duration statusFlushInterval = Duration.ofMillis(500);
    private Duration callTimeout = Duration.ofSeconds(10);
    private Duration orphanSweepDelay = Duration.ofSeconds(10);
    private int syncThreads = 8;
    private boolean tls;
    private String joinToken;
    private Duration renewRetry = Duration.ofSeconds(5);
    private boolean serviceProxy = true;
    private String metricsHost = "127.0.0.1";
    private int metricsPort = -1;
    private Path metricsTokenFile;

    public Builder nodeName(String v) {
      nodeName = v;
      return this;
    }

    public Builder masterEndpoint(String v) {
      masterEndpoints.add(v);
      return this;
    }

    public Builder masterEndpoints(List<String> v) {
      masterEndpoints.clear();
      masterEndpoints.addAll(v);
      return this;
    }

    public Builder runtime(RuntimeKind v) {
      runtime = v;
      return this;
    }

    /** Limits every container gets (pids, log size); default {@link ContainerDefaults#STANDARD}. */
    public Builder containerDefaults(ContainerDefaults v) {
      containerDefaults = Objects.requireNonNull(v, "containerDefaults");
      return this;
    }

    public Builder dockerHost(String v) {
      dockerHost = v;
      return this;
    }

    public Builder dataDir(Path v) {
      dataDir = v;
      return this;
    }

    /** Host ports for container ports without one; {@code 0, 0} disables allocation. */
    public Builder hostPortRange(int first, int last) {
      portRangeFirst = first;
      portRangeLast = last;
      return this;
    }

    public Builder restartBackoff(Duration initial, Duration max) {
      restartBackoffInitial = initial;
      restartBackoffMax = max;
      return this;
    }

    public Builder backoffResetAfter(Duration v) {
      backoffResetAfter = v;
      return this;
    }

    public Builder label(String key, String value) {
      labels.put(key, value);
      return this;
    }

    public Builder taint(Taint t) {
      taints.add(t);
      return this;
    }

    public Builder maxPods(int v) {
      maxPods = v;
      return this;
    }

    public Builder hostIp(String v) {
      hostIp = v;
      return this;
    }

    public Builder bindAddress(String v) {
      bindAddress = v;
      return this;
    }

    /** Port of the AgentService; 0 picks a free one. */
    public Builder agentPort(int v) {
      agentPort = v;
      return this;
    }

    /** Sandbox image; empty means each pod's first container image. */
    public Builder infraImage(String v) {
      infraImage = v;
      return this;
    }

    public Builder heartbeatInterval(Duration v) {
      heartbeatInterval = v;
      return this;
    }

    public Builder syncPeriod(Duration v) {
      syncPeriod = v;
      return this;
    }

    public Builder statusFlushInterval(Duration v) {
      statusFlushInterval = v;
      return this;
    }

    public Builder callTimeout(Duration v) {
      callTimeout = v;
      return this;
    }

    /** How long after the first pod watch starts the orphan sweep runs if no bookmark came. */
    public Builder orphanSweepDelay(Duration v) {
      orphanSweepDelay = v;
      return this;
    }

    public Builder syncThreads(int v) {
      syncThreads = v;
      return this;
    }

    /** Whether the agent runs the service proxy (docs/SERVICES.md); on by default. */
    public Builder serviceProxy(boolean v) {
      serviceProxy = v;
      return this;
    }

    /**
     * The port of the agent's {@code /metrics} and {@code /healthz}; 0 picks a free one, -1 (the
     * default) serves none.
     */
    public Builder metricsPort(int v) {
      metricsPort = v;
      return this;
    }

    /**
     * The address the metrics port binds (default 127.0.0.1); any other than a loopback address
     * needs {@link #metricsTokenFile}.
     */
    public Builder metricsHost(String v) {
      metricsHost = v;
      return this;
    }

    /** The file holding the bearer token scrapers of {@code /metrics} must present. */
    public Builder metricsTokenFile(Path v) {
      metricsTokenFile = v;
      return this;
    }

    /**
     * Mutual TLS with the node certificate kept in {@code DIR/pki} (default false: plaintext, for
     * tests and embedding on loopback; the {@code drover agent} daemon sets it).
     */
    public Builder tls(boolean v) {
      tls = v;
      return this;
    }

    /** The join token that gets this node its certificate on first start (implies TLS). */
    public Builder joinToken(String v) {
      joinToken = v == null || v.isBlank() ? null : v.strip();
      return this;
    }

    /** How soon a failed certificate renewal is tried again (default 5 s). */
    public Builder renewRetry(Duration v) {
      renewRetry = v;
      return this;
    }

    public AgentConfig build() {
      if (nodeName == null || !nodeName.matches("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?")) {
        throw new IllegalArgumentException(
            "nodeName: must be a DNS-1123 subdomain, got " + nodeName);
      }
      if (masterEndpoints.isEmpty()) {
        throw new IllegalArgumentException("masterEndpoints: at least one is required");
      }
      Objects.requireNonNull(runtime, "runtime");
      if (dataDir == null) {
        throw new IllegalArgumentException("dataDir: required");
      }
      if (maxPods < 1) {
        throw new IllegalArgumentException("maxPods: must be at least 1, got " + maxPods);
      }
      if (agentPort < 0 || agentPort > 65535) {
        throw new IllegalArgumentException("agentPort: must be in 0-65535, got " + agentPort);
      }
      if (metricsPort < -1 || metricsPort > 65535) {
        throw new IllegalArgumentException(
            "metricsPort: must be -1 (off) or in 0-65535, got " + metricsPort);
      }
      if (metricsHost == null || metricsHost.isBlank()) {
        throw new IllegalArgumentException("metricsHost: required");
      }
      if (syncThreads < 1) {
        throw new IllegalArgumentException("syncThreads: must be at least 1, got " + syncThreads);
      }
      requirePositive(heartbeatInterval, "heartbeatInterval");
      requirePositive(callTimeout, "callTimeout");
      requirePositive(orphanSweepDelay, "orphanSweepDelay");
      return new AgentConfig(this);
    }

    private static void requirePositive(Duration d, String field) {
      if (d == null || d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(field + ": must be a positive duration, got " + d);
      }
    }
  }
}
