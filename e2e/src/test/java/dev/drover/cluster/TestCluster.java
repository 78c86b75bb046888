package dev.drover.cluster;

import static org.awaitility.Awaitility.await;

import dev.drover.agent.AgentConfig;
import dev.drover.agent.NodeAgent;
import dev.drover.agent.runtime.ContainerInfo;
import dev.drover.agent.runtime.RuntimeKind;
import dev.drover.agent.runtime.simulated.SimulatedRuntime;
import dev.drover.agent.sync.Labels;
import dev.drover.client.DroverClient;
import dev.drover.master.Master;
import dev.drover.store.KvStores;
import dev.drover.store.api.Peer;
import dev.drover.store.raft.RaftKvStore;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A whole Drover cluster in one JVM for integration tests: three masters on loopback, each
 * embedding a member of one replicated (Ratis) store and running with its default settings, plus
 * node agents on the {@code simulated} runtime connected to all three masters.
 *
 * <p>Masters can be stopped without lease handover (not a crash: each store member closes in order)
 * and restarted on their data and ports; agents can be stopped (the node "dies": its simulated
 * containers keep running, as real ones would on a partitioned node) and started again on the same
 * runtime, which then adopts or stops those containers. Each node's {@link SimulatedRuntime} is the
 * test's window onto what really runs there.
 *
 * <p>Reused by the cluster tests of this package; start one per test class, and give each test its
 * own namespace.
 */
public final class TestCluster implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TestCluster.class);

  /** Generous: three Ratis members start together on a loaded 2-core machine. */
  private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

  private final Path dir;
  private final List<Peer> peers = new ArrayList<>();
  private final Map<String, Integer> apiPorts = new LinkedHashMap<>();
  private final Map<String, Master> masters = new LinkedHashMap<>();
  private final Map<String, SimulatedRuntime> runtimes = new LinkedHashMap<>();
  private final Map<String, NodeAgent> agents = new LinkedHashMap<>();
  private final Consumer<Master.Builder> masterSettings;
  private DroverClient client;

  private TestCluster(Path dir, Consumer<Master.Builder> masterSettings) {
    this.dir = dir;
    this.masterSettings = masterSettings;
  }

  /**
   * Starts three masters (default settings) and {@code nodes} simulated agents under {@code dir}.
   */
  public static TestCluster start(Path dir, int nodes) {
    return start(dir, nodes, b -> {});
  }

  /**
   * Starts three masters, each builder adjusted by {@code masterSettings} (e.g. an extra active
   * component), and {@code nodes} simulated agents named {@code node-1} ... under {@code dir}.
   */
  public static TestCluster start(Path dir, int nodes, Consumer<Master.Builder> masterSettings) {
    TestCluster c = new TestCluster(dir, masterSettings);
    try {
      c.startMasters();
      c.client =
          DroverClient.builder().endpoints(c.endpoints()).deadline(Duration.ofSeconds(15)).build();
      for (int i = 1; i <= nodes; i++) {
        c.runtimes.put("node-" + i, new SimulatedRuntime());
        c.startAgent("node-" + i);
      }
      await()
          .atMost(START_TIMEOUT)
          .ignoreExceptions()
          .until(() -> c.client.nodes().list("", "").size() == nodes);
      return c;
    } catch (RuntimeException | Error e) {
      c.close();
      throw e;
    }
  }

  private void startMasters() {
    for (int i = 1; i <= 3; i++) {
      String id = "m" + i;
      peers.add(new Peer(id, "127.0.0.1", KvStores.freePort()));
      apiPorts.put(id, KvStores.freePort());
    }
    // The members must start together: each waits for a store majority.
    Map<String, CompletableFuture<Master>> starting = new LinkedHashMap<>();
    for (Peer p : peers) {
      starting.put(p.id(), CompletableFuture.supplyAsync(() -> build(p.id()).start()));
    }
    RuntimeException failure = null;
    for (var e : starting.entrySet()) {
      try {
        masters.put(e.getKey(), e.getValue().get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS));
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        failure = new IllegalStateException("interrupted starting " + e.getKey(), ex);
      } catch (ExecutionException | TimeoutException ex) {
        failure = new IllegalStateException("master " + e.getKey() + " did not start", ex);
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  private Master.Builder build(String id) {
    Master.Builder b =
        Master.builder()
            .id(id)
            .apiPort(apiPorts.get(id))
            .clusterStore(peers, dir.resolve("masters").resolve(id))
            // Every master of a cluster needs the same Secret keys.
            .secretKeyFile(dir.resolve("masters").resolve("secret-keys"));
    apiPorts.forEach((other, port) -> b.masterAddress(other, "127.0.0.1:" + port));
    masterSettings.accept(b);
    return b;
  }

  /** {@code host:port} of every master's API, running or not. */
  public List<String> endpoints() {
    return apiPorts.values().stream().map(p -> "127.0.0.1:" + p).toList();
  }

  /** A client that fails over between all masters. Closed with the cluster. */
  public DroverClient client() {
    return client;
  }

  /** The running master {@code id} (m1, m2, m3), or empty while it is stopped. */
  public Optional<Master> master(String id) {
    return Optional.ofNullable(masters.get(id));
  }

  /** The running masters. */
  public List<Master> runningMasters() {
    return List.copyOf(masters.values());
  }

  /** The master running the controllers and the scheduler, waiting for one to be active. */
  public Master awaitActiveMaster(Duration within) {
    return await()
        .atMost(within)
        .until(
            () -> masters.values().stream().filter(Master::isActive).findFirst().orElse(null),
            m -> m != null);
  }

  /** The running master whose store member leads the Raft group, waiting for one to lead. */
  public Master awaitStoreLeader(Duration within) {
    return await()
        .atMost(within)
        .until(
            () ->
                masters.values().stream()
                    .filter(m -> ((RaftKvStore) m.kv()).isLeader())
                    .findFirst()
                    .orElse(null),
            m -> m != null);
  }

  /**
   * Stops master {@code id} without hand-over (see {@link Master#stopWithoutHandover()}): not a
   * crash, its store closes in order; crashes are SIGKILLs of master processes in {@code
   * dev.drover.e2e.faults}.
   */
  public void stopMasterWithoutHandover(String id) {
    Master m = masters.remove(id);
    if (m == null) {
      throw new IllegalStateException("master " + id + " is not running");
    }
    LOG.info("stopping master {} without hand-over", id);
    m.stopWithoutHandover();
  }

  /** Starts master {@code id} again on its data and ports; the other two must be running. */
  public Master restartMaster(String id) {
    if (masters.containsKey(id)) {
      throw new IllegalStateException("master " + id + " is running");
    }
    Master m = build(id).start();
    masters.put(id, m);
    return m;
  }

  /** Names of all nodes, running or stopped. */
  public List<String> nodes() {
    return List.copyOf(runtimes.keySet());
  }

  /** The simulated runtime of {@code node}: what runs there, even while its agent is stopped. */
  public SimulatedRuntime runtime(String node) {
    return runtimes.get(node);
  }

  /** Running containers of {@code node}, sandboxes excluded, as pod namespace/name. */
  public List<String> runningPods(String node) {
    List<String> out = new ArrayList<>();
    for (ContainerInfo c : runtimes.get(node).list(Map.of())) {
      Map<String, String> l = c.labels();
      if (c.state() == ContainerInfo.State.RUNNING
          && !Labels.SANDBOX.equals(l.get(Labels.CONTAINER_NAME))) {
        out.add(l.get(Labels.POD_NAMESPACE) + "/" + l.get(Labels.POD_NAME));
      }
    }
    return out;
  }

  /** Stops the agent of {@code node}, as if the node went away; its containers keep running. */
  public void stopAgent(String node) {
    NodeAgent a = agents.remove(node);
    if (a == null) {
      throw new IllegalStateException("agent of " + node + " is not running");
    }
    LOG.info("stopping the agent of {}", node);
    a.close();
  }

  /** Starts the agent of {@code node} (again) on its runtime and data directory. */
  public void startAgent(String node) {
    if (agents.containsKey(node)) {
      throw new IllegalStateException("agent of " + node + " is running");
    }
    AgentConfig config =
        AgentConfig.builder()
            .nodeName(node)
            .masterEndpoints(endpoints())
            .runtime(RuntimeKind.SIMULATED)
            .dataDir(dir.resolve("agents").resolve(node))
            .bindAddress("127.0.0.1")
            .callTimeout(Duration.ofSeconds(5))
            .build();
    NodeAgent agent =
        NodeAgent.create(
            config,
            runtimes.get(node),
            target -> NettyChannelBuilder.forTarget(target).usePlaintext().build());
    agents.put(node, agent.start());
  }

  /** Stops agents, the client and masters; containers of simulated runtimes vanish with them. */
  @Override
  public void close() {
    for (String node : List.copyOf(agents.keySet())) {
      try {
        agents.remove(node).close();
      } catch (RuntimeException e) {
        LOG.warn("stopping agent {} failed", node, e);
      }
    }
    if (client != null) {
      client.close();
    }
    for (Master m : List.copyOf(masters.values())) {
      try {
        m.close();
      } catch (RuntimeException e) {
        LOG.warn("stopping master {} failed", m.id(), e);
      }
    }
    masters.clear();
    runtimes.values().forEach(SimulatedRuntime::close);
  }
}
