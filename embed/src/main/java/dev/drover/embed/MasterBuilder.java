package dev.drover.embed;

import dev.drover.agent.NodeAgent;
import dev.drover.master.Master;
import dev.drover.master.secrets.SecretsAtRest;
import dev.drover.master.security.ClusterPki;
import dev.drover.store.KvStores;
import dev.drover.store.api.KvStore;
import dev.drover.store.raft.RaftKvStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Settings of an in-process master and, optionally, of a node agent started with it. With a {@link
 * #dataDir(Path)} the master keeps its state in a persistent one-member store (a restart on the
 * same directory finds everything again); without one the state lives in memory and is gone on
 * close, which suits tests.
 *
 * <p>{@link #start()} overlaps the slow parts: the agent's connection to its runtime is set up on
 * another thread while the store elects itself and the master starts.
 */
public final class MasterBuilder {

  private Path dataDir;
  private String apiHost = "127.0.0.1";
  private int apiPort;
  private int metricsPort = -1;
  private int httpPort = -1;
  private boolean consoleLogin;
  private Duration startTimeout = Duration.ofSeconds(60);
  private AgentBuilder agent;
  private boolean secure;
  private Duration certificateLifetime = Duration.ofDays(90);

  MasterBuilder() {}

  /** Where the store lives (in {@code DIR/store}); omit it for an in-memory throwaway master. */
  public MasterBuilder dataDir(Path dir) {
    this.dataDir = Objects.requireNonNull(dir, "dir");
    return this;
  }

  /** The address the API binds (default 127.0.0.1). */
  public MasterBuilder apiHost(String host) {
    this.apiHost = Objects.requireNonNull(host, "host");
    return this;
  }

  /** The API port; 0 (the default) picks a free one. */
  public MasterBuilder apiPort(int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("apiPort: " + port + " is not a port (0-65535)");
    }
    this.apiPort = port;
    return this;
  }

  /** The HTTP port of /metrics, /healthz, /readyz; 0 picks one, -1 (the default) disables it. */
  public MasterBuilder metricsPort(int port) {
    this.metricsPort = port;
    return this;
  }

  /**
   * The port of the HTTP/JSON gateway and web console; 0 picks one, -1 (the default) disables it.
   */
  public MasterBuilder httpPort(int port) {
    this.httpPort = port;
    return this;
  }

  /**
   * Mints a cluster-admin token for the web console of a secured master and puts it in {@link
   * DroverMaster#consoleUrl()} as a login link, so {@code drover dev}'s console opens in a browser
   * without other setup; revoked when the master stops.
   */
  public MasterBuilder consoleLogin(boolean on) {
    this.consoleLogin = on;
    return this;
  }

  /** How long start() may wait for the store to elect itself (default 60 s). */
  public MasterBuilder startTimeout(Duration timeout) {
    this.startTimeout = Objects.requireNonNull(timeout, "timeout");
    return this;
  }

  /**
   * Secures the master the way {@code drover dev} does: a cluster CA and certificates in {@code
   * DIR/pki} (a temporary directory without a data directory), the API over mutual TLS, an admin
   * client certificate, and the agent started with it given its node certificate directly. Without
   * this the API is plaintext on loopback.
   */
  public MasterBuilder secure() {
    this.secure = true;
    return this;
  }

  /** Lifetime of the certificates a secured master issues (default 90 days). */
  public MasterBuilder certificateLifetime(Duration lifetime) {
    this.certificateLifetime = Objects.requireNonNull(lifetime, "lifetime");
    return this;
  }

  /** Also starts a node agent (simulated runtime, node "node-1") joined to this master. */
  public MasterBuilder withAgent() {
    return withAgent(a -> {});
  }

  /**
   * Also starts a node agent joined to this master, configured by {@code settings}; its data
   * directory defaults to {@code DIR/agent} when the master has a data directory.
   */
  public MasterBuilder withAgent(Consumer<AgentBuilder> settings) {
    AgentBuilder builder = new AgentBuilder();
    settings.accept(builder);
    if (builder.hasMaster()) {
      throw new IllegalArgumentException(
          "withAgent: the agent joins this master; do not set" + " its master endpoint");
    }
    this.agent = builder;
    return this;
  }

  /** Starts the master (and the agent); throws, having closed what started, when it cannot. */
  public DroverMaster start() {
    StartupTimeline timeline = new StartupTimeline();
    int port = apiPort;
    CompletableFuture<NodeAgent> agentReady = null;
    if (agent != null) {
      // The agent needs the API's address before the master exists, to set up in parallel.
      if (port == 0) {
        port = KvStores.freePort();
      }
      agent.master(apiHost + ":" + port);
      if (dataDir != null) {
        agent.dataDir(dataDir.resolve("agent"));
      }
      if (secure) {
        agent.tls();
        agent.resolveDataDir();
      }
      agentReady =
          CompletableFuture.supplyAsync(
              () -> timeline.time("runtime", agent::create),
              runnable -> {
                Thread thread = new Thread(runnable, "drover-agent-setup");
                thread.setDaemon(true);
                thread.start();
              });
    }
    Master master = null;
    try {
      // A secured master starts its store member itself, over mutual TLS with its certificate.
      KvStore store = secure && dataDir != null ? null : timeline.time("store", this::startStore);
      int apiPortToUse = port;
      Path pki = secure ? pkiDir() : null;
      master =
          timeline.time(
              "master",
              () ->
                  startMaster(
                      store,
                      b -> {
                        b.apiHost(apiHost)
                            .apiPort(apiPortToUse)
                            .metricsPort(metricsPort)
                            .httpPort(httpPort)
                            .consoleLogin(consoleLogin);
                        if (pki != null) {
                          b.certificateLifetime(certificateLifetime).pki(pki);
                        }
                        if (store == null) {
                          b.store(KvStores.embedded(dataDir.resolve("store")));
                        }
                        if (dataDir != null) {
                          b.auditLog(dataDir.resolve("audit.log"), 100L * 1024 * 1024);
                          b.secretKeyFile(
                              dataDir.resolve("store").resolve(SecretsAtRest.KEY_FILE_NAME));
                        }
                      }));
      DroverAgent started = null;
      if (agentReady != null && secure) {
        ClusterPki.issueNode(
            master.security().credentials().authority(),
            agent.resolveDataDir().resolve("pki"),
            agent.nodeName(),
            List.of("127.0.0.1", "localhost"),
            certificateLifetime);
      }
      if (agentReady != null) {
        NodeAgent created = join(agentReady);
        started = timeline.time("agent", () -> new DroverAgent(created.start(), agent.nodeName()));
      }
      return new DroverMaster(
          master, started, timeline, pki == null ? null : new ClusterPki(pki).adminCredentials());
    } catch (RuntimeException e) {
      if (agentReady != null) {
        agentReady.thenAccept(NodeAgent::close);
      }
      if (master != null) {
        master.close();
      }
      throw e;
    }
  }

  private static NodeAgent join(CompletableFuture<NodeAgent> future) {
    try {
      return future.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException cause) {
        throw cause;
      }
      throw e;
    }
  }

  private Path pkiDir() {
    if (dataDir != null) {
      return dataDir.resolve("pki");
    }
    try {
      return Files.createTempDirectory("drover-pki-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temporary PKI directory", e);
    }
  }

  private KvStore startStore() {
    if (dataDir == null) {
      return KvStores.inMemory();
    }
    Path dir = dataDir.resolve("store");
    RaftKvStore store;
    try {
      store = KvStores.embedded(dir).start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the store in " + dir + ": " + e.getMessage(), e);
    }
    // The master's first requests would otherwise race the election and be refused (and
    // logged) as LeaderNotReady; a one-member store elects itself within milliseconds.
    long deadline = System.nanoTime() + startTimeout.toNanos();
    while (!store.isLeader()) {
      if (System.nanoTime() > deadline) {
        store.close();
        throw new IllegalStateException(
            "the store in "
                + dir
                + " did not elect itself within "
                + startTimeout.toSeconds()
                + " s");
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
    return store;
  }

  /**
   * Starts a master on {@code store} (which it then owns) with the given settings; when the master
   * cannot start, the store is closed before the failure is rethrown. A null {@code store}: the
   * settings choose one.
   */
  public static Master startMaster(KvStore store, Consumer<Master.Builder> settings) {
    try {
      Master.Builder builder = Master.builder();
      if (store != null) {
        builder.store(() -> store, true);
      }
      settings.accept(builder);
      return builder.start();
    } catch (RuntimeException e) {
      try {
        if (store != null) {
          store.close();
        }
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /** How long each phase of a start took, for the start-up report of {@code drover dev}. */
  static final class StartupTimeline {
    private final List<String> phases = java.util.Collections.synchronizedList(new ArrayList<>());

    <T> T time(String phase, java.util.function.Supplier<T> step) {
      long t0 = System.nanoTime();
      try {
        return step.get();
      } finally {
        phases.add(String.format("%s %.2f s", phase, (System.nanoTime() - t0) / 1e9));
      }
    }

    List<String> phases() {
      synchronized (phases) {
        return List.copyOf(phases);
      }
    }
  }
}
