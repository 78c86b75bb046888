package dev.drover.master;

import dev.drover.api.Kinds;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.MasterInfo;
import dev.drover.api.v1.MasterRole;
import dev.drover.client.audit.AuditLog;
import dev.drover.client.audit.RefusalAudit;
import dev.drover.master.api.AgentChannels;
import dev.drover.master.api.ClusterView;
import dev.drover.master.api.ControlServiceImpl;
import dev.drover.master.api.NodeServiceImpl;
import dev.drover.master.api.NodeSessions;
import dev.drover.master.api.StreamRegistry;
import dev.drover.master.auth.AuditInterceptor;
import dev.drover.master.auth.AuthorizationChain;
import dev.drover.master.auth.AuthorizationInterceptor;
import dev.drover.master.auth.Limits;
import dev.drover.master.auth.NodeAuthorizer;
import dev.drover.master.cache.WatchCache;
import dev.drover.master.election.ActiveComponent;
import dev.drover.master.election.ActiveMasterElection;
import dev.drover.master.events.EventSeries;
import dev.drover.master.http.HttpGateway;
import dev.drover.master.metrics.ConsoleMetricsService;
import dev.drover.master.metrics.ConsoleSeries;
import dev.drover.master.metrics.HttpEndpoints;
import dev.drover.master.metrics.Metrics;
import dev.drover.master.metrics.MetricsInterceptor;
import dev.drover.master.metrics.MetricsToken;
import dev.drover.master.metrics.StoreMetrics;
import dev.drover.master.registry.ObjectValidator;
import dev.drover.master.registry.Registry;
import dev.drover.master.registry.ServiceStrategy;
import dev.drover.master.scheduler.SchedulerConfig;
import dev.drover.master.secrets.SecretsAtRest;
import dev.drover.master.security.BootstrapJoinServer;
import dev.drover.master.security.ConsoleLogin;
import dev.drover.master.security.MasterSecurity;
import dev.drover.master.wiring.ControllersComponent;
import dev.drover.master.wiring.PodSecurityAdmission;
import dev.drover.master.wiring.RulesValidator;
import dev.drover.master.wiring.SchedulerComponent;
import dev.drover.store.KvStores;
import dev.drover.store.api.KvStore;
import dev.drover.store.api.PeerTls;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Drover master: the store member, the watch cache, the gRPC API (ControlService, NodeService,
 * health, reflection), metrics and health over HTTP, the HTTP/JSON gateway and web console ({@link
 * HttpGateway}, in front of the same services), and the active-master election that runs the
 * scheduler and controllers on one master at a time.
 *
 * <p>Build with {@link #builder()}, then {@link #start()}; {@link #close()} drains streams, hands
 * the active role over and stops everything in order.
 */
public final class Master implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Master.class);

  /**
   * Largest request message by default (objects are at most 1 MiB; Apply carries several); see
   * {@link Limits#maxMessageBytes()}.
   */
  public static final int MAX_MESSAGE_BYTES = Limits.DEFAULT_MAX_MESSAGE_BYTES;

  // The console login token lasts this long at most: it is revoked when the master stops, but a
  // killed master cannot revoke it.

  private final Builder cfg;
  private final Metrics metrics = new Metrics();
  private final StreamRegistry streams = new StreamRegistry();
  private AgentChannels agents;
  private MasterSecurity.Active security;
  private final HealthStatusManager health = new HealthStatusManager();
  private final ScheduledExecutorService housekeeping =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "master-housekeeping");
            t.setDaemon(true);
            return t;
          });
  private KvStore kv;
  private SecretsAtRest secrets;
  private boolean ownsStore;
  private Registry store;
  private WatchCache cache;
  private EventSeries events;
  private ActiveMasterElection election;
  private Server server;
  private HttpEndpoints http;
  private HttpGateway gateway;
  private ConsoleLogin consoleToken;
  private AuthorizationChain guards;
  private AuditLog auditLog;
  private RefusalAudit plaintextAudit;
  private NodeServiceImpl node;
  private List<ServerServiceDefinition> services;
  private volatile boolean started;
  private volatile int boundPort = -1;
  private final java.util.concurrent.atomic.AtomicBoolean closing =
      new java.util.concurrent.atomic.AtomicBoolean();

  private Master(Builder cfg) {
    this.cfg = cfg;
  }

  /** A builder with defaults for one embedded master on loopback. */
  public static Builder builder() {
    return new Builder();
  }

  /** Starts the store, cache, API server, HTTP endpoints and election; returns this. */
  public Master start() {
    try {
      MasterSecurity chosenSecurity = cfg.security();
      dev.drover.store.KvStoreBuilder member =
          cfg.storeMember == null ? null : cfg.storeMember.get();
      // A master joining a running cluster's store learns its peers once it has a certificate.
      dev.drover.store.api.Peer joiningSelf = cfg.joiningStore;
      List<String> addresses =
          MasterSecurity.addresses(
              cfg.apiHost,
              joiningSelf != null
                  ? joiningSelf.host()
                  : member == null ? null : member.self().host());
      // With TLS the store's peers talk mutual TLS with this master's certificate, so the
      // certificate (and on a first bootstrap the cluster CA) must exist before the store starts.
      // In a group of several members, the first one listed creates the CA on a first start.
      // A master joining with a token receives its certificate, the CA and the key file of
      // Secrets at rest here, before its store member and the key ring need them.
      security =
          chosenSecurity.prepare(
              cfg.id,
              addresses,
              housekeeping,
              joiningSelf == null && (member == null || member.peers().get(0).id().equals(cfg.id)),
              joiningSelf != null || (member != null && member.peers().size() > 1),
              cfg.secretKeyFile,
              cfg.clock);
      secrets = SecretsAtRest.open(cfg.secretKeyFile);
      auditLog =
          cfg.auditFile == null
              ? AuditLog.none()
              : AuditLog.toFile(cfg.auditFile, cfg.auditMaxBytes, AuditLog.DEFAULT_KEEP);
      plaintextAudit = new RefusalAudit(auditLog, cfg.clock);
      java.nio.file.Path joinedPeers =
          joiningSelf == null ? null : cfg.joiningStoreDir.resolve("joined-store-peers");
      if (joiningSelf != null) {
        member =
            KvStores.cluster(
                    cfg.id,
                    security.joiningStorePeers(joiningSelf, joinedPeers),
                    cfg.joiningStoreDir)
                .options(cfg.joiningStoreOptions);
      }
      if (member != null) {
        PeerTls peerTls = security.peerTls();
        if (peerTls != null) {
          member.tls(peerTls).groupId(security.storeGroupId());
        }
        // The first master of a new cluster serves the others' joins until its store is up.
        try (BootstrapJoinServer joins =
            security.serveBootstrapJoins(
                cfg.apiHost,
                cfg.apiPort,
                new AuditInterceptor(auditLog, cfg.clock),
                plaintextAudit)) {
          kv = Builder.startStore(member);
          ownsStore = true;
          if (joiningSelf != null) {
            security.joinStore(joiningSelf, member.peers(), joinedPeers);
          }
          if (member.peers().size() == 1) {
            awaitSelfElection((dev.drover.store.raft.RaftKvStore) kv);
          }
          if (joins != null) {
            awaitStoreMajority();
          }
        }
      } else {
        kv = cfg.store != null ? cfg.store.get() : KvStores.inMemory();
        ownsStore = cfg.ownsStore || cfg.store == null;
      }
      KvStore plain = secrets.wrap(kv);
      ObjectValidator validator = PodSecurityAdmission.over(cfg.validator, () -> store);
      store = new Registry(plain, validator, cfg.clock, cfg.storeTimeout);
      store.services().nodePortRange(cfg.nodePortRange);
      io.prometheus.metrics.core.metrics.Histogram applies =
          StoreMetrics.register(metrics, store, kv);
      for (String ns :
          List.of(
              Registry.DEFAULT_NAMESPACE,
              ActiveMasterElection.NAMESPACE,
              NodeServiceImpl.NODE_LEASE_NAMESPACE)) {
        ensureNamespaceWithRetry(ns);
      }
      security.start(secrets.wrapSecurity(kv), member != null, cfg.clock);
      if (member != null
          && kv instanceof dev.drover.store.raft.RaftKvStore raft
          && member.peers().size() > 1) {
        security.growableStore(raft, member.peers());
      }
      agents = new AgentChannels(security.agentChannels());
      secrets.rewrite(cfg.storeTimeout);
      cache =
          new WatchCache(
                  plain,
                  new WatchCache.Options(cfg.cacheWindow, cfg.bookmarkInterval, cfg.watcherBacklog))
              .start();
      events = new EventSeries(store, cfg.clock, cfg.eventDedupWindow);
      // A renewal may take until the next one is due, and a little longer: the holder steps
      // down only after renewDeadline without success.
      Registry electionStore =
          new Registry(plain, validator, cfg.clock, cfg.renewDeadline.minus(cfg.renewInterval));
      election =
          new ActiveMasterElection(
              electionStore,
              cfg.id,
              cfg.leaseDuration,
              cfg.renewInterval,
              cfg.renewDeadline,
              cfg.clock);
      election.add(new EventExpiry());
      if (cfg.runScheduler) {
        election.add(
            new SchedulerComponent(
                cache,
                store,
                events,
                cfg.clock,
                cfg.schedulerConfig,
                election::activationRevision));
      }
      if (cfg.runControllers) {
        election.add(
            new ControllersComponent(
                cache,
                store,
                events,
                cfg.clock,
                election::holdsLease,
                election::activationRevision));
      }
      cfg.activeComponents.forEach(election::add);
      ControlServiceImpl control =
          new ControlServiceImpl(store, cache, events, agents, new View(), streams, cfg.clock);
      node =
          new NodeServiceImpl(
              store,
              cache,
              events,
              streams,
              cfg.clock,
              cfg.nodeLeaseDuration,
              cfg.nodeHeartbeatInterval);
      MetricsInterceptor mi = new MetricsInterceptor(metrics);
      ConsoleSeries series =
          new ConsoleSeries(mi.requests(), () -> streams.size(), applies, cfg.clock);
      guards =
          new AuthorizationChain(
              security.credentials() == null ? cfg.authenticator : security.authentication(),
              new NodeAuthorizer(cache, NodeServiceImpl.NODE_LEASE_NAMESPACE),
              auditLog,
              cfg.limits,
              cfg.clock);
      services = new ArrayList<>();
      ServerInterceptor authentication =
          security.credentials() == null ? cfg.authenticator : security.authentication();
      // Which agents' sessions ride on which connection: a connection that dies releases their
      // node leases at once (NodeSessions), instead of waiting out the grace period.
      NodeSessions sessions = new NodeSessions(cfg.clock, node::releaseLease);
      for (ServerServiceDefinition s :
          List.of(
              control.framedService(),
              ServerInterceptors.intercept(node.framedService(), sessions),
              health.getHealthService().bindService(),
              ProtoReflectionServiceV1.newInstance().bindService(),
              ConsoleMetricsService.definition(series))) {
        services.add(ServerInterceptors.intercept(guards.wrap(s), mi));
      }
      // SecurityService checks its own callers (a join token, the caller's certificate, the
      // cluster-admin role), so it sits behind the audit log and authentication only.
      for (ServerServiceDefinition s : security.services()) {
        services.add(guards.auditedOnly(ServerInterceptors.intercept(s, mi), authentication));
      }
      registerGauges();
      if (cfg.apiPort >= 0) {
        NettyServerBuilder sb =
            NettyServerBuilder.forAddress(new InetSocketAddress(cfg.apiHost, cfg.apiPort))
                .maxInboundMessageSize(cfg.limits.transportMaxMessageBytes())
                .executor(guards.executor())
                .keepAliveTime(30, TimeUnit.SECONDS)
                .keepAliveTimeout(10, TimeUnit.SECONDS)
                .permitKeepAliveTime(10, TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(true)
                .addTransportFilter(sessions)
                .callExecutor(node.callExecutor());
        security.configure(sb, plaintextAudit);
        services.forEach(sb::addService);
        server = sb.build().start();
        boundPort = server.getPort();
      }
      if (cfg.httpPort >= 0) {
        startGateway();
      }
      if (cfg.metricsPort >= 0) {
        http =
            new HttpEndpoints(
                    cfg.metricsHost,
                    cfg.metricsPort,
                    metrics.registry(),
                    cfg.metricsTokenFile == null
                        ? null
                        : MetricsToken.fromFile(cfg.metricsTokenFile),
                    this::ready,
                    plaintextAudit)
                .start();
      }
      election.start();
      var ticks =
          metrics.counter(
              "drover_master_ticks_total",
              "Housekeeping ticks (liveness of the master's scheduler thread).");
      housekeeping.scheduleWithFixedDelay(ticks::inc, 1, 5, TimeUnit.SECONDS);
      housekeeping.scheduleWithFixedDelay(series::sample, 0, 2, TimeUnit.SECONDS);
      health.setStatus("", ServingStatus.SERVING);
      started = true;
      LOG.info(
          "master {} serving on {}", cfg.id, server == null ? "(no network port)" : apiAddress());
      return this;
    } catch (IOException e) {
      close();
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  // The gateway serves HTTP through the same service definitions, so interceptors belong on them
  // (not on the Netty server builder) to cover both ports. It uses the gRPC port's certificate and
  // trust, and serves plaintext only when the master runs without TLS on purpose.
  private void startGateway() {
    MasterSecurity.Active s = security;
    if (s.credentials() == null) {
      gateway = HttpGateway.plaintext(cfg.apiHost, cfg.httpPort, services);
      return;
    }
    gateway =
        HttpGateway.https(
            cfg.apiHost,
            cfg.httpPort,
            services,
            s.credentials().keyManager(),
            s.credentials().trustManager(),
            plaintextAudit);
    if (cfg.consoleLogin) {
      consoleToken = ConsoleLogin.start(s.tokens(), cfg.id, cfg.clock, housekeeping);
    }
  }

  // The first requests would otherwise race the election and be refused (and logged) as
  // LeaderNotReady; a one-member store elects itself within milliseconds.
  private void awaitSelfElection(dev.drover.store.raft.RaftKvStore member) {
    long deadline = System.nanoTime() + cfg.startTimeout.toNanos();
    while (!member.isLeader()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "the one-member store did not elect itself within "
                + cfg.startTimeout.toSeconds()
                + " s");
      }
      java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
  }

  // While the first master serves the others' joins: until they have joined and the store has a
  // majority (a linearizable read answers).
  private void awaitStoreMajority() {
    long deadline = System.nanoTime() + cfg.startTimeout.toNanos();
    while (true) {
      try {
        kv.get(com.google.protobuf.ByteString.copyFromUtf8("/")).get(5, TimeUnit.SECONDS);
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for the store", e);
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "the store had no majority within "
                  + cfg.startTimeout.toSeconds()
                  + " s: start the other masters with --join-token (the first line of "
                  + security.bootstrapToken().file()
                  + ")",
              e);
        }
        java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
      }
    }
  }

  private void ensureNamespaceWithRetry(String ns) {
    long deadline = System.nanoTime() + cfg.startTimeout.toNanos();
    while (true) {
      try {
        store.namespaces().ensure(ns);
        return;
      } catch (RuntimeException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        LOG.info("waiting for the store to create namespace {}: {}", ns, e.toString());
        try {
          Thread.sleep(200);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }

  private void registerGauges() {
    metrics.gauge(
        "drover_watch_cache_objects", "Objects held in the watch cache.", () -> cache.size());
    Map<String, java.util.function.DoubleSupplier> byKind = new LinkedHashMap<>();
    for (Kind k : Kinds.all()) {
      byKind.put(Kinds.info(k).kindName(), () -> cache.size(k));
    }
    metrics.gauge(
        "drover_watch_cache_objects_by_kind",
        "Objects held in the watch cache per kind (Pod, Node, Deployment, ...).",
        "kind",
        byKind);
    metrics.gauge(
        "drover_watch_cache_revision",
        "Latest store revision the cache reflects.",
        () -> cache.revision());
    metrics.gauge(
        "drover_watchers", "Open watch streams served by this master.", () -> streams.size());
    metrics.gauge(
        "drover_master_active",
        "1 when this master runs the scheduler and controllers.",
        () -> election.isActive() ? 1 : 0);
  }

  /** Removes events past the retention time; runs on the active master only. */
  private final class EventExpiry implements ActiveComponent {
    private volatile java.util.concurrent.ScheduledFuture<?> task;

    @Override
    public void start() {
      long every = Math.max(1, Math.min(60, cfg.eventTtl.toSeconds() / 4));
      task =
          housekeeping.scheduleWithFixedDelay(
              () -> {
                try {
                  events.expire(cfg.eventTtl);
                } catch (RuntimeException e) {
                  LOG.debug("event expiry failed", e);
                }
              },
              every,
              every,
              TimeUnit.SECONDS);
    }

    @Override
    public void stop() {
      var t = task;
      if (t != null) {
        t.cancel(false);
      }
    }
  }

  /** The cluster as this master sees it. */
  private final class View implements ClusterView {
    @Override
    public String selfId() {
      return cfg.id;
    }

    @Override
    public List<MasterInfo> masters() {
      List<MasterInfo> out = new ArrayList<>();
      String holder = election.holder();
      Map<String, String> all = new LinkedHashMap<>(cfg.masterAddresses);
      all.putIfAbsent(cfg.id, server == null ? "" : apiAddress());
      all.forEach(
          (id, addr) ->
              out.add(
                  MasterInfo.newBuilder()
                      .setId(id)
                      .setAddress(addr)
                      .setRole(
                          id.equals(cfg.id)
                              ? StoreMetrics.masterRole(kv)
                              : MasterRole.MASTER_ROLE_UNSPECIFIED)
                      .setActive(id.equals(holder))
                      .build()));
      return out;
    }
  }

  private boolean ready() {
    return started && cache.synced();
  }

  // ------------------------------------------------------------------ accessors

  /** This master's id. */
  public String id() {
    return cfg.id;
  }

  /** True while this master runs the active components. */
  public boolean isActive() {
    return election != null && election.isActive();
  }

  /** {@code host:port} of the gRPC API. */
  public String apiAddress() {
    return cfg.apiHost + ":" + boundPort;
  }

  /** The gRPC API port. */
  public int apiPort() {
    return boundPort;
  }

  /** The API's security once started (credentials, tokens, the PKI), for embedding and tests. */
  public MasterSecurity.Active security() {
    return security;
  }

  /** The port of the HTTP/JSON gateway and web console, or -1 when disabled. */
  public int httpPort() {
    return gateway == null ? -1 : gateway.port();
  }

  /**
   * The web console's address ({@code https://host:port/ui/}, {@code http://} on a master without
   * TLS), with the console login token as {@code ?token=} when {@link Builder#consoleLogin} asked
   * for one; null when the gateway is off.
   */
  public String consoleUrl() {
    if (gateway == null) {
      return null;
    }
    String host = cfg.apiHost.contains(":") ? "[" + cfg.apiHost + "]" : cfg.apiHost;
    return (gateway.secure() ? "https://" : "http://")
        + host
        + ":"
        + gateway.port()
        + "/ui/"
        + (consoleToken == null ? "" : "?token=" + consoleToken.token());
  }

  /** The HTTP port of /metrics, /healthz and /readyz, or -1 when disabled. */
  public int metricsPort() {
    return http == null ? -1 : http.port();
  }

  /**
   * The services with their interceptors, to serve them elsewhere (e.g. an in-process server in
   * tests).
   */
  public List<ServerServiceDefinition> services() {
    return services;
  }

  /** The watch cache, for the scheduler and controllers. */
  public WatchCache cache() {
    return cache;
  }

  /** The typed object store, for the scheduler and controllers (every write is a CAS). */
  public Registry objects() {
    return store;
  }

  /** The event recorder. */
  public EventSeries events() {
    return events;
  }

  /** The metrics registry. */
  public Metrics metrics() {
    return metrics;
  }

  /**
   * Re-encrypts with the current write key every Secret stored under an older key (this also runs
   * at start); returns how many were rewritten.
   */
  public int rewriteSecrets() {
    return secrets.rewrite(cfg.storeTimeout);
  }

  /** The key-value store (Secrets in it are encrypted; read objects through {@link #objects()}). */
  public KvStore kv() {
    return kv;
  }

  /**
   * Stops in order: health NOT_SERVING, streams ended with UNAVAILABLE (clients resume elsewhere),
   * the active role handed over, the API server drained, then cache and store.
   */
  @Override
  public void close() {
    if (!closing.compareAndSet(false, true)) {
      return;
    }
    health.enterTerminalState();
    streams.drain();
    if (election != null) {
      election.close();
    }
    if (server != null) {
      server.shutdown();
      try {
        if (!server.awaitTermination(10, TimeUnit.SECONDS)) {
          server.shutdownNow();
          server.awaitTermination(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        server.shutdownNow();
      }
    }
    stopLocalParts();
  }

  /**
   * Stops at once without handing over, for in-process failover tests: the active role is abandoned
   * without releasing the lease (the others wait for it to expire) and streams and the API server
   * are cut. It is a stop, not a crash: the store member is closed in order (its log flushed and
   * closed), which an in-process master cannot avoid. A crash is a SIGKILL of a master process, as
   * the fault harness in e2e does.
   */
  public void stopWithoutHandover() {
    if (!closing.compareAndSet(false, true)) {
      return;
    }
    if (election != null) {
      election.abandon();
    }
    if (server != null) {
      server.shutdownNow();
    }
    stopLocalParts();
  }

  // What close and stopWithoutHandover both stop once the API no longer serves: HTTP, timers,
  // agent channels, the cache and the store member.
  private void stopLocalParts() {
    if (gateway != null) {
      gateway.close();
    }
    if (consoleToken != null) {
      consoleToken.close();
    }
    if (http != null) {
      http.close();
    }
    housekeeping.shutdownNow();
    if (security != null) {
      security.close();
    }
    if (agents != null) {
      agents.close();
    }
    if (guards != null) {
      guards.close();
    } else if (auditLog != null) {
      // A start that failed before the guards took the audit log over.
      auditLog.close();
    }
    if (node != null) {
      node.close();
    }
    if (cache != null) {
      cache.close();
    }
    if (kv != null && ownsStore) {
      kv.close();
    }
  }

  /** Settings of a master. */
  public static final class Builder {
    private String id = "m1";
    private String apiHost = "127.0.0.1";
    private int apiPort = 0;
    private int metricsPort = -1;
    private String metricsHost = "127.0.0.1";
    private java.nio.file.Path metricsTokenFile;
    private ServiceStrategy.NodePortRange nodePortRange = ServiceStrategy.NodePortRange.DEFAULT;
    private MasterSecurity security;
    private boolean plaintextOffLoopback;
    private String joinToken;
    private List<String> joinVia = List.of();
    private Duration certificateLifetime = Duration.ofDays(90);
    private int httpPort = -1;
    private boolean consoleLogin;
    private Supplier<KvStore> store;
    private Supplier<dev.drover.store.KvStoreBuilder> storeMember;
    private dev.drover.store.api.Peer joiningStore;
    private java.nio.file.Path joiningStoreDir;
    private dev.drover.store.api.StoreOptions joiningStoreOptions;
    private boolean ownsStore = true;
    private ObjectValidator validator = new RulesValidator();
    private Clock clock = Clock.systemUTC();
    private Duration storeTimeout = Duration.ofSeconds(10);
    private Duration startTimeout = Duration.ofSeconds(60);
    // Failover within 3 s of the active master dying (see ActiveMasterElection).
    private Duration leaseDuration = Duration.ofSeconds(2);
    private Duration renewInterval = Duration.ofMillis(500);
    private Duration renewDeadline = Duration.ofMillis(1500);
    private Duration nodeLeaseDuration = Duration.ofSeconds(6);
    private Duration nodeHeartbeatInterval = Duration.ofSeconds(2);
    private Duration bookmarkInterval = Duration.ofSeconds(5);
    private Duration eventDedupWindow = Duration.ofMinutes(10);
    private Duration eventTtl = Duration.ofHours(1);
    private int cacheWindow = 10_000;
    private int watcherBacklog = 100_000;
    private TlsConfig tls;
    private ServerInterceptor authenticator = AuthorizationInterceptor.insecureAuthenticator();
    private java.nio.file.Path auditFile;
    private long auditMaxBytes = AuditLog.DEFAULT_MAX_BYTES;
    private Limits limits = Limits.defaults();
    private java.nio.file.Path secretKeyFile;
    private final Map<String, String> masterAddresses = new LinkedHashMap<>();
    private final List<ActiveComponent> activeComponents = new ArrayList<>();
    private boolean runScheduler = true;
    private SchedulerConfig schedulerConfig = SchedulerConfig.defaults(System.nanoTime());
    private boolean runControllers = true;

    /** Stable id of this master (its store member id). */
    public Builder id(String id) {
      this.id = id;
      return this;
    }

    /** Host to bind the API and HTTP endpoints to. */
    public Builder apiHost(String host) {
      this.apiHost = host;
      return this;
    }

    /**
     * gRPC port; 0 picks a free one; -1 serves no network port (in-process use of {@link
     * #services()}).
     */
    public Builder apiPort(int port) {
      this.apiPort = port;
      return this;
    }

    /** HTTP port for /metrics, /healthz, /readyz; 0 picks a free one; -1 (default) disables it. */
    public Builder metricsPort(int port) {
      this.metricsPort = port;
      return this;
    }

    /**
     * Port of the HTTP/JSON gateway and web console ({@code /api}, {@code /apis}, {@code /ui/}); 0
     * picks a free one; -1 (default) disables it.
     */
    public Builder httpPort(int port) {
      this.httpPort = port;
      return this;
    }

    /**
     * Mints a cluster-admin bearer token for the web console when the gateway starts over HTTPS
     * (revoked when the master stops, at most 7 days valid) and puts it in {@link #consoleUrl()},
     * so {@code drover dev}'s printed link logs a browser in, as a Jupyter or dashboard login link
     * does.
     */
    public Builder consoleLogin(boolean on) {
      this.consoleLogin = on;
      return this;
    }

    /** Uses the store made by {@code factory}; closed with the master when {@code owned}. */
    public Builder store(Supplier<KvStore> factory, boolean owned) {
      this.store = factory;
      this.storeMember = null;
      this.joiningStore = null;
      this.ownsStore = owned;
      return this;
    }

    /**
     * Runs the replicated store member {@code member} configures (not started yet): the master
     * starts it, over mutual TLS between the members when the master runs TLS (its certificate,
     * masters' certificates of the cluster CA only), and closes it.
     */
    public Builder store(dev.drover.store.KvStoreBuilder member) {
      java.util.Objects.requireNonNull(member, "member");
      this.storeMember = () -> member;
      this.joiningStore = null;
      this.store = null;
      this.ownsStore = true;
      return this;
    }

    /**
     * Embeds a persistent one-member replicated store under {@code dataDir} (dev mode, embedding).
     */
    public Builder embeddedStore(java.nio.file.Path dataDir) {
      defaultKeyFile(dataDir);
      storeMember = () -> KvStores.embedded(dataDir);
      joiningStore = null;
      store = null;
      return this;
    }

    /**
     * Runs member {@code id} of a 3- or 5-member replicated store with {@code peers} (which include
     * this master), keeping its data under {@code dataDir}.
     */
    public Builder clusterStore(List<dev.drover.store.api.Peer> peers, java.nio.file.Path dataDir) {
      defaultKeyFile(dataDir);
      // The id may be set after this call: read it when the master starts.
      storeMember = () -> KvStores.cluster(id, peers, dataDir);
      joiningStore = null;
      store = null;
      return this;
    }

    /**
     * Joins the replicated store of a running cluster as member {@code self} (this master's id and
     * the address its peers reach its store at), with data under {@code dataDir}: needs {@link
     * #joinToken} (the masters joined through list the store's members and add this one).
     */
    public Builder joinStore(
        dev.drover.store.api.Peer self,
        java.nio.file.Path dataDir,
        dev.drover.store.api.StoreOptions options) {
      defaultKeyFile(dataDir);
      this.joiningStore = self;
      this.joiningStoreDir = dataDir;
      this.joiningStoreOptions = options;
      this.storeMember = null;
      this.store = null;
      this.ownsStore = true;
      return this;
    }

    /**
     * The key ring that encrypts Secrets at rest (see docs/SECURITY.md); created with one key when
     * absent. Default: {@code secret-keys} in the data directory of {@link #embeddedStore} and
     * {@link #clusterStore}; otherwise a key held in memory by the process.
     */
    public Builder secretKeyFile(java.nio.file.Path file) {
      this.secretKeyFile = file;
      return this;
    }

    private void defaultKeyFile(java.nio.file.Path dataDir) {
      if (secretKeyFile == null) {
        secretKeyFile = dataDir.resolve(SecretsAtRest.KEY_FILE_NAME);
      }
    }

    private static KvStore startStore(dev.drover.store.KvStoreBuilder b) {
      try {
        return b.start();
      } catch (IOException e) {
        throw new UncheckedIOException(
            "cannot start the store in " + b.dataDir() + ": " + e.getMessage(), e);
      }
    }

    /** Replaces the full validation rules (defaults: {@link RulesValidator}). */
    public Builder validator(ObjectValidator v) {
      this.validator = v;
      return this;
    }

    /** Clock for server-assigned times. */
    public Builder clock(Clock c) {
      this.clock = c;
      return this;
    }

    /**
     * Active-master lease timings: renew every {@code renew}, step down after {@code deadline},
     * lease lasts {@code duration}.
     */
    public Builder election(Duration duration, Duration renew, Duration deadline) {
      this.leaseDuration = duration;
      this.renewInterval = renew;
      this.renewDeadline = deadline;
      return this;
    }

    /** Node heartbeat lease duration and interval told to agents. */
    public Builder nodeLease(Duration duration, Duration heartbeat) {
      this.nodeLeaseDuration = duration;
      this.nodeHeartbeatInterval = heartbeat;
      return this;
    }

    /** How often idle watchers that allow bookmarks get one. */
    public Builder bookmarkInterval(Duration d) {
      this.bookmarkInterval = d;
      return this;
    }

    /** Changes kept per kind in the watch cache's window. */
    /**
     * How many events one watcher may fall behind before it is told to re-list (default 100,000). A
     * watcher whose client stops reading holds at most this many (shared) events in memory.
     */
    public Builder watcherBacklog(int events) {
      if (events < 1) {
        throw new IllegalArgumentException("watcherBacklog must be at least 1, not " + events);
      }
      this.watcherBacklog = events;
      return this;
    }

    public Builder cacheWindow(int changes) {
      this.cacheWindow = changes;
      return this;
    }

    /** Event merge window and retention. */
    public Builder events(Duration dedupWindow, Duration ttl) {
      this.eventDedupWindow = dedupWindow;
      this.eventTtl = ttl;
      return this;
    }

    /** Timeout of one store call. */
    public Builder storeTimeout(Duration d) {
      this.storeTimeout = d;
      return this;
    }

    /** Serves the API over mutual TLS with operator-managed files (no join signing). */
    public Builder tls(TlsConfig tls) {
      this.tls = tls;
      this.security =
          MasterSecurity.files(tls.certificateChain(), tls.privateKey(), tls.trustedCa());
      return this;
    }

    /**
     * Serves the API over mutual TLS with a managed cluster PKI in {@code dir}: the cluster CA is
     * created at the first bootstrap (or taken from the store), this master's certificate and an
     * admin client certificate are written there and rotated automatically.
     */
    public Builder pki(java.nio.file.Path dir) {
      this.security = MasterSecurity.managed(dir, certificateLifetime);
      return this;
    }

    /**
     * With the managed PKI ({@link #pki}): on the first start (no cluster CA in the PKI directory)
     * this master joins the cluster with master join token {@code token} through one of {@code via}
     * (API addresses of masters, or of the first master while a new cluster starts) and receives
     * its certificate, the CA and the key file of Secrets at rest.
     */
    public Builder joinToken(String token, List<String> via) {
      this.joinToken = token;
      this.joinVia = List.copyOf(via);
      return this;
    }

    /** Lifetime of the certificates a managed PKI issues (default 90 days); set before pki(). */
    public Builder certificateLifetime(Duration lifetime) {
      this.certificateLifetime = lifetime;
      if (security != null && security.pkiDir() != null) {
        security = MasterSecurity.managed(security.pkiDir(), lifetime);
      }
      return this;
    }

    /**
     * Serves plaintext on purpose: every caller is the insecure principal (cluster admin). Refused
     * on a non-loopback address unless {@link #plaintextOffLoopback()} confirms it.
     */
    public Builder insecure() {
      this.security = MasterSecurity.insecure();
      return this;
    }

    /** Confirms plaintext on a non-loopback address ({@code --i-understand-plaintext}). */
    public Builder plaintextOffLoopback() {
      this.plaintextOffLoopback = true;
      return this;
    }

    /** Ports NodePort services get theirs from (default 30000-32767). */
    public Builder serviceNodePortRange(ServiceStrategy.NodePortRange range) {
      this.nodePortRange = range;
      return this;
    }

    /**
     * Host the HTTP endpoints bind to (default 127.0.0.1); any other than a loopback address needs
     * {@link #metricsTokenFile}.
     */
    public Builder metricsHost(String host) {
      this.metricsHost = host;
      return this;
    }

    /**
     * The file holding the bearer token {@code /metrics} asks scrapers for ({@code Authorization:
     * Bearer TOKEN}); default none, allowed only on a loopback {@link #metricsHost}.
     */
    public Builder metricsTokenFile(java.nio.file.Path file) {
      this.metricsTokenFile = file;
      return this;
    }

    // No choice made: plaintext, which start() allows on loopback only.
    MasterSecurity security() {
      MasterSecurity chosen = security != null ? security : MasterSecurity.insecure();
      if (joinToken != null) {
        chosen = chosen.joining(joinToken, joinVia);
      }
      if (chosen.isInsecure() && !plaintextOffLoopback && !isLoopback(apiHost) && apiPort >= 0) {
        throw new IllegalStateException(
            "refusing to serve plaintext on "
                + apiHost
                + ": use TLS, or confirm with --insecure --i-understand-plaintext");
      }
      return chosen;
    }

    private static boolean isLoopback(String host) {
      return host.equals("localhost") || host.startsWith("127.") || host.equals("::1");
    }

    /** The TLS setting given, or null. */
    public TlsConfig tls() {
      return tls;
    }

    /**
     * What names the principal of each API call (see {@code master.auth.AuthContext}); the default
     * makes every caller {@code Principal.INSECURE}.
     */
    public Builder authenticator(ServerInterceptor authenticator) {
      this.authenticator = java.util.Objects.requireNonNull(authenticator, "authenticator");
      return this;
    }

    /**
     * Writes the audit log to {@code file}, rotated when it reaches {@code maxBytes} (default: no
     * audit file).
     */
    public Builder auditLog(java.nio.file.Path file, long maxBytes) {
      this.auditFile = file;
      this.auditMaxBytes = maxBytes;
      return this;
    }

    /** How much of the API one client may use (default {@link Limits#defaults()}). */
    public Builder limits(Limits limits) {
      this.limits = java.util.Objects.requireNonNull(limits, "limits");
      return this;
    }

    /** API addresses of every master by id, reported by ClusterInfo. */
    public Builder masterAddress(String masterId, String address) {
      this.masterAddresses.put(masterId, address);
      return this;
    }

    /** Whether the active master runs the built-in scheduler (default true). */
    public Builder scheduler(boolean run) {
      this.runScheduler = run;
      return this;
    }

    /** The built-in scheduler's policy and backoff (default: {@link SchedulerConfig#defaults}). */
    public Builder schedulerConfig(SchedulerConfig c) {
      this.schedulerConfig = c;
      return this;
    }

    /** Whether the active master runs the standard controllers (default true). */
    public Builder controllers(boolean run) {
      this.runControllers = run;
      return this;
    }

    /** A component run only while this master is the active one (scheduler, controllers). */
    public Builder activeComponent(ActiveComponent c) {
      this.activeComponents.add(c);
      return this;
    }

    /** Builds and starts the master. */
    public Master start() {
      return new Master(this).start();
    }
  }
}
