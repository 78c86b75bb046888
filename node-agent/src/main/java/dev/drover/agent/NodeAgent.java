package dev.drover.agent;

import dev.drover.agent.metrics.AgentMetrics;
import dev.drover.agent.metrics.AgentMetricsServer;
import dev.drover.agent.proxy.NodeProxy;
import dev.drover.agent.proxy.ProxyConfig;
import dev.drover.agent.runtime.ContainerRuntime;
import dev.drover.agent.runtime.RuntimeKind;
import dev.drover.agent.runtime.docker.DockerRuntime;
import dev.drover.agent.runtime.simulated.SimulatedRuntime;
import dev.drover.agent.security.NodeCredentials;
import dev.drover.agent.server.AgentServer;
import dev.drover.agent.session.NodeSession;
import dev.drover.agent.sync.MasterClient;
import dev.drover.agent.sync.PodSyncer;
import dev.drover.agent.sync.SyncConfig;
import dev.drover.agent.sync.VolumeReclaimer;
import dev.drover.api.v1.Event;
import dev.drover.api.v1.GetPodDependenciesResponse;
import dev.drover.api.v1.PodStatusUpdate;
import dev.drover.api.v1.PodStatusUpdateResult;
import dev.drover.client.Channels;
import dev.drover.client.audit.AuditLog;
import dev.drover.client.audit.RefusalAudit;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Drover node agent: connects to the container runtime, serves AgentService, keeps a session with
 * the masters and runs the pods bound to its node. {@link #close()} stops the agent but leaves the
 * containers running, so that the next agent on this node adopts them.
 */
public final class NodeAgent implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(NodeAgent.class);
  private static final String VERSION = "0.1.0";

  private final AgentConfig config;
  private final ContainerRuntime runtime;
  private final boolean ownsRuntime;
  private Function<String, ManagedChannel> channelFactory;
  private NodeCredentials credentials;
  private PodSyncer syncer;
  private AgentServer server;
  private AuditLog audit;
  private volatile NodeSession session;
  private VolumeReclaimer reclaimer;
  private volatile NodeProxy proxy;
  private AgentMetricsServer metricsServer;

  private NodeAgent(
      AgentConfig config,
      ContainerRuntime runtime,
      boolean ownsRuntime,
      Function<String, ManagedChannel> channelFactory) {
    this.config = config;
    this.runtime = runtime;
    this.ownsRuntime = ownsRuntime;
    this.channelFactory = channelFactory;
  }

  /**
   * An agent with the runtime its config names; its channels to the masters are mutual TLS with the
   * node certificate when the config asks for TLS, else plaintext.
   */
  public static NodeAgent create(AgentConfig config) {
    ContainerRuntime runtime =
        config.runtime == RuntimeKind.DOCKER
            ? DockerRuntime.connect(
                config.dockerHost, Duration.ofMinutes(5), config.containerDefaults)
            : new SimulatedRuntime();
    return new NodeAgent(config, runtime, true, config.tls ? null : Channels::plaintext);
  }

  /**
   * An agent on a runtime the caller owns (and closes), with channels from {@code channelFactory}
   * (e.g. in-process ones in tests).
   */
  public static NodeAgent create(
      AgentConfig config,
      ContainerRuntime runtime,
      Function<String, ManagedChannel> channelFactory) {
    return new NodeAgent(config, runtime, false, channelFactory);
  }

  /** Connects and starts every part; throws if the runtime or the data dir is unusable. */
  public NodeAgent start() {
    try {
      Files.createDirectories(config.dataDir);
    } catch (IOException e) {
      throw new UncheckedIOException("dataDir: cannot create " + config.dataDir, e);
    }
    // Refusals on the agent's port and metrics endpoint: one JSON line each, as in the masters'
    // audit log.
    audit =
        AuditLog.toFile(
            config.dataDir.resolve("audit.log"), AuditLog.DEFAULT_MAX_BYTES, AuditLog.DEFAULT_KEEP);
    if (config.metricsPort >= 0) {
      // First, so that a bad metrics setting fails the start before anything else runs.
      BooleanSupplier connected = () -> session != null && session.registered();
      AgentMetrics metrics =
          new AgentMetrics(connected, () -> proxy == null ? Map.of() : proxy.proxy().allMetrics());
      metricsServer =
          AgentMetricsServer.start(
              config.metricsHost,
              config.metricsPort,
              config.metricsTokenFile,
              metrics.registry(),
              connected,
              new RefusalAudit(audit, Clock.systemUTC()));
    }
    if (config.tls) {
      credentials =
          NodeCredentials.obtain(
              config.dataDir.resolve("pki"),
              config.nodeName,
              config.joinToken,
              config.masterEndpoints,
              List.of(config.hostIp, config.bindAddress),
              config.renewRetry);
      if (channelFactory == null) {
        channelFactory = credentials.channels();
      }
    }
    var facts = runtime.hostFacts();
    SyncConfig sync =
        new SyncConfig(
            config.nodeName,
            config.hostIp,
            config.dataDir,
            config.infraImage,
            config.portRangeFirst,
            config.portRangeLast,
            config.restartBackoffInitial,
            config.restartBackoffMax,
            config.backoffResetAfter,
            config.syncPeriod,
            config.statusFlushInterval,
            Duration.ofMinutes(5));
    NodeSession.Settings settings =
        new NodeSession.Settings(
            config.nodeName,
            config.masterEndpoints,
            config.labels,
            config.taints,
            config.maxPods,
            config.hostIp,
            config.heartbeatInterval,
            config.callTimeout,
            config.orphanSweepDelay,
            VERSION);
    // The syncer needs the session as its master client and the session needs the syncer for
    // pods; a small forwarding client breaks the cycle.
    ForwardingMasterClient forward = new ForwardingMasterClient();
    syncer = new PodSyncer(runtime, forward, sync, config.syncThreads);
    AgentServer.Tls tls = null;
    if (credentials != null) {
      tls =
          new AgentServer.Tls(
              credentials.serverContext(), credentials.clusterCa(), audit, Clock.systemUTC());
    }
    server = new AgentServer(config.bindAddress, config.agentPort, syncer, runtime, tls).start();
    session = new NodeSession(settings, syncer, channelFactory, facts, server.port());
    forward.target = session;
    syncer.start();
    session.start();
    reclaimer = new VolumeReclaimer(config.dataDir, session).start(config.heartbeatInterval);
    if (credentials != null) {
      credentials.startRenewal();
    }
    if (config.serviceProxy) {
      proxy =
          NodeProxy.start(
              config.nodeName,
              ProxyConfig.forNode(config.hostIp),
              config.masterEndpoints,
              session::channel,
              session,
              syncer);
    }
    log.info("node agent {} started ({} runtime)", config.nodeName, config.runtime);
    return this;
  }

  /** The syncer (for status lookups). */
  public PodSyncer syncer() {
    return syncer;
  }

  /** The session with the masters. */
  public NodeSession session() {
    return session;
  }

  /** Port of the AgentService. */
  public int agentPort() {
    return server.port();
  }

  /** Port of the agent's {@code /metrics} and {@code /healthz}, or -1 when it serves none. */
  public int metricsPort() {
    return metricsServer == null ? -1 : metricsServer.port();
  }

  /** The node's TLS identity, or null when the agent runs plaintext. */
  public NodeCredentials credentials() {
    return credentials;
  }

  /** The node's service proxy; null when the config turned it off. */
  public NodeProxy proxy() {
    return proxy;
  }

  public ContainerRuntime runtime() {
    return runtime;
  }

  /** Stops the agent; containers keep running. */
  @Override
  public void close() {
    if (metricsServer != null) {
      metricsServer.close();
    }
    if (credentials != null) {
      credentials.close();
    }
    if (reclaimer != null) {
      reclaimer.close();
    }
    if (session != null) {
      session.close();
    }
    if (syncer != null) {
      syncer.close();
    }
    if (server != null) {
      server.close();
    }
    if (proxy != null) {
      proxy.close();
    }
    if (audit != null) {
      audit.close();
    }
    if (ownsRuntime) {
      runtime.close();
    }
    log.info("node agent {} stopped", config.nodeName);
  }

  /** Forwards to the session once it exists. */
  private static final class ForwardingMasterClient implements MasterClient {
    volatile NodeSession target;

    @Override
    public List<PodStatusUpdateResult> updatePodStatuses(List<PodStatusUpdate> updates) {
      return target.updatePodStatuses(updates);
    }

    @Override
    public void recordEvents(List<Event> events) {
      target.recordEvents(events);
    }

    @Override
    public boolean confirmPodTermination(String namespace, String name, String uid) {
      return target.confirmPodTermination(namespace, name, uid);
    }

    @Override
    public GetPodDependenciesResponse podDependencies(
        String namespace, Collection<String> secretNames, Collection<String> configMapNames) {
      return target.podDependencies(namespace, secretNames, configMapNames);
    }

    @Override
    public GetPodDependenciesResponse podDependencies(
        String namespace,
        Collection<String> secretNames,
        Collection<String> configMapNames,
        Collection<String> claimNames) {
      return target.podDependencies(namespace, secretNames, configMapNames, claimNames);
    }
  }
}
