package dev.drover.e2e.faults;

import static org.awaitility.Awaitility.await;

import dev.drover.api.v1.ConditionStatus;
import dev.drover.api.v1.Deployment;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodPhase;
import dev.drover.client.DroverClient;
import dev.drover.e2e.check.ApiWorkload;
import dev.drover.e2e.check.ClusterInvariants;
import dev.drover.e2e.check.RegisterHistory;
import dev.drover.e2e.check.StoreWorkload;
import dev.drover.e2e.harness.AgentHost;
import dev.drover.e2e.harness.HostProcess;
import dev.drover.e2e.harness.Hosts;
import dev.drover.e2e.harness.Masters;
import dev.drover.store.api.Peer;
import dev.drover.testing.TcpProxy;
import dev.drover.testing.TestObjects;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One fault run: masters (and optionally agent hosts running a Deployment on real Docker) in
 * network namespaces, store-level and API-level workloads with watchers, the workload invariants
 * sampled throughout, and faults injected one at a time with {@link #inject}. Every choice comes
 * from the seed ({@link #seed()}, printed at start). For each fault it records the recovery time:
 * from the repair (restart or heal; for a leader kill, the kill) until the workloads make progress
 * again, every master answers and, for agent faults, the Deployment is back to its desired state.
 * {@link #finish} heals everything and checks all histories.
 */
public final class FaultRun implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(FaultRun.class);
  private static final Duration RECOVERY_LIMIT = Duration.ofSeconds(120);
  // Three master JVMs starting at once on a shared, loaded machine (load average 50 on two cores
  // was seen) can take minutes to elect a leader that answers within its two-second deadline.
  private static final Duration STARTUP_LIMIT = Duration.ofSeconds(300);
  private static final Duration CATCH_UP_LIMIT = Duration.ofSeconds(90);
  private static final String APP = "web";
  private static final int REPLICAS = 3;

  private final long seed;
  private final Random random;
  private final Path dir;
  private final Hosts hosts;
  private final Masters masters;
  private final List<AgentHost> agents = new ArrayList<>();
  private final List<DroverClient> clients = new ArrayList<>();
  private final DroverClient client;
  private final StoreWorkload store;
  private final ApiWorkload api;
  private ClusterInvariants invariants;
  private final Map<Fault, List<Double>> recoveries = new EnumMap<>(Fault.class);
  private final List<String> violations = new CopyOnWriteArrayList<>();
  private final Set<String> downNodes = new HashSet<>();
  private final List<TcpProxy> proxies = new ArrayList<>();
  private int rollouts;
  private int snapshotKillsMidWrite;
  private double maxCatchUp;
  private boolean finished;

  /**
   * Starts {@code masterCount} masters and {@code agentCount} agent hosts from {@code seed}. The
   * agent hosts start while the masters elect a leader (their Docker daemons need no master, and an
   * agent retries until one answers). When a step fails, whatever had started is stopped again.
   */
  public FaultRun(long seed, int masterCount, int agentCount) {
    this.seed = seed;
    this.random = new Random(seed);
    System.out.println("FAULTS SEED " + seed + " (rerun with -Dfaults.seed=" + seed + ")");
    LOG.info("fault run seed {}", seed);
    this.hosts = Hosts.create(masterCount + agentCount);
    this.dir = Path.of("target", "faults", hosts.run());
    List<AutoCloseable> started = new ArrayList<>();
    CompletableFuture<List<AgentHost>> booting = CompletableFuture.completedFuture(List.of());
    try {
      List<Hosts.Host> masterHosts = hosts.hosts().subList(0, masterCount);
      // Snapshots every few hundred entries, so that a kill can catch one being written.
      this.masters =
          new Masters(hosts, masterHosts, dir, List.of("--snapshot-every", "300")).startAll();
      started.add(masters);
      List<String> endpoints = masters.endpoints();
      List<Hosts.Host> agentHosts = hosts.hosts().subList(masterCount, masterCount + agentCount);
      if (agentCount > 0) {
        booting =
            CompletableFuture.supplyAsync(
                () -> AgentHost.startAll(hosts, agentHosts, endpoints, dir));
      }
      for (int i = 0; i < 3; i++) {
        clients.add(
            DroverClient.builder().endpoints(endpoints).deadline(Duration.ofSeconds(4)).build());
      }
      this.client = clients.get(0);
      await().atMost(STARTUP_LIMIT).until(() -> masters.storeLeader().isPresent());
      await()
          .atMost(STARTUP_LIMIT)
          .ignoreExceptions()
          .until(() -> client.nodes().list("", "") != null);
      List<Peer> peers = new ArrayList<>();
      for (int i = 0; i < masterCount; i++) {
        peers.add(new Peer("m" + (i + 1), masterHosts.get(i).ip(), Masters.STORE_PORT));
      }
      this.store = new StoreWorkload(peers, 3, 3, seed).start();
      started.add(store);
      this.api = new ApiWorkload(clients.subList(0, 2), "default", 3, seed).start(2, clients);
      started.add(api);
      agents.addAll(booting.join());
      if (agentCount > 0) {
        startDeployment();
        started.add(invariants);
      }
    } catch (RuntimeException | Error e) {
      // A host still booting would start processes after the teardown: let it finish first.
      booting.handle((h, failure) -> h).join();
      stopAfterFailedStart(started);
      throw e;
    }
  }

  /**
   * A run whose start failed has no {@link #close} call: its workloads, clients and processes go
   * here, so that nothing of it writes into the next test's masters.
   */
  private void stopAfterFailedStart(List<AutoCloseable> started) {
    try {
      for (int i = started.size() - 1; i >= 0; i--) {
        try {
          started.get(i).close();
        } catch (Exception suppressed) {
          LOG.warn("stopping {} after a failed start", started.get(i), suppressed);
        }
      }
      clients.forEach(DroverClient::close);
    } finally {
      hosts.close();
    }
  }

  /** The seed. */
  public long seed() {
    return seed;
  }

  /** The hosts. */
  public Hosts hosts() {
    return hosts;
  }

  /** The masters. */
  public Masters masters() {
    return masters;
  }

  /** The agent hosts. */
  public List<AgentHost> agents() {
    return agents;
  }

  /** The seeded random source of this run (to pick faults). */
  public Random random() {
    return random;
  }

  private void startDeployment() {
    await()
        .atMost(Duration.ofSeconds(120))
        .ignoreExceptions()
        .until(() -> agents.stream().allMatch(this::nodeReady));
    Deployment.Builder d =
        TestObjects.deployment(
            "default",
            APP,
            REPLICAS,
            TestObjects.shell(
                "main",
                AgentHost.image(hosts),
                "trap 'exit 0' TERM; while true; do sleep 1; done"));
    d.getSpecBuilder().getTemplateBuilder().getSpecBuilder().setTerminationGracePeriodSeconds(2);
    d.getSpecBuilder()
        .getStrategyBuilder()
        .getRollingUpdateBuilder()
        .setMaxSurge(dev.drover.api.v1.IntOrString.newBuilder().setIntValue(1))
        .setMaxUnavailable(dev.drover.api.v1.IntOrString.newBuilder().setIntValue(1));
    client.deployments().create(d.build());
    awaitDesired("initial rollout");
    invariants = new ClusterInvariants(client, "default", APP, agents).start();
  }

  private boolean nodeReady(AgentHost h) {
    return client.nodes().get("", h.nodeName()).getStatus().getConditionsList().stream()
        .anyMatch(
            c ->
                c.getType().equals("Ready")
                    && c.getStatus() == ConditionStatus.CONDITION_STATUS_TRUE);
  }

  // ------------------------------------------------------------------ faults

  /** Injects {@code fault}, repairs it and waits for recovery; returns the recovery in seconds. */
  public double inject(Fault fault) throws IOException {
    LOG.info("==== fault {}", fault);
    long repaired;
    switch (fault) {
      case LEADER_KILL -> {
        String l = leader();
        masters.process(l).kill();
        repaired = System.nanoTime();
        awaitProgress(fault);
        double r = secondsSince(repaired);
        masters.process(l).start();
        awaitAllAnswer(fault);
        record(fault, r);
        awaitEveryMemberCaughtUp(fault.name());
        return r;
      }
      case MINORITY_PARTITION -> {
        String f = follower();
        hosts.partition(hostOf(f), otherMasterHosts(f));
        awaitProgress(fault);
        hosts.heal();
        repaired = System.nanoTime();
      }
      case MAJORITY_PARTITION -> {
        List<String> ids = masters.ids();
        for (int i = 0; i < ids.size(); i++) {
          for (int j = i + 1; j < ids.size(); j++) {
            hosts.partition(hostOf(ids.get(i)), hostOf(ids.get(j)));
          }
        }
        hold(Duration.ofSeconds(4 + random.nextInt(4)));
        hosts.heal();
        repaired = System.nanoTime();
      }
      case LEADER_ONE_WAY -> {
        String l = leader();
        for (Hosts.Host other : otherMasterHosts(l)) {
          hosts.partitionOneWay(hostOf(l), other);
        }
        await(fault + ": a new leader")
            .atMost(Duration.ofSeconds(60))
            .until(() -> masters.storeLeaders().stream().anyMatch(x -> !x.equals(l)));
        awaitProgress(fault);
        hosts.heal();
        repaired = System.nanoTime();
      }
      case LEADER_PAUSE -> {
        String l = leader();
        HostProcess p = masters.process(l);
        p.pause();
        await(fault + ": a new leader while " + l + " is frozen")
            .atMost(Duration.ofSeconds(60))
            .until(() -> masters.storeLeaders().stream().anyMatch(x -> !x.equals(l)));
        awaitProgress(fault);
        p.resume();
        repaired = System.nanoTime();
        checkOneActiveMaster(l);
      }
      case POWER_OFF -> {
        masters.powerOff();
        hold(Duration.ofSeconds(1 + random.nextInt(3)));
        masters.startStopped();
        repaired = System.nanoTime();
      }
      case SNAPSHOT_KILL -> {
        String m = masters.ids().get(random.nextInt(masters.ids().size()));
        if (masters.killDuringSnapshot(m, Duration.ofSeconds(90))) {
          snapshotKillsMidWrite++;
        }
        masters.process(m).start();
        repaired = System.nanoTime();
      }
      case FOLLOWER_WIPE -> {
        String f = follower();
        masters.wipeAndRestart(f);
        repaired = System.nanoTime();
      }
      case TORN_TAIL -> {
        String m = masters.ids().get(random.nextInt(masters.ids().size()));
        masters.process(m).kill();
        if (!masters.tearLogTail(m)) {
          LOG.warn("{}: no entry in the open segment of {} to tear", fault, m);
        }
        masters.process(m).start();
        repaired = System.nanoTime();
      }
      case SLOW_LINKS -> {
        Duration delay = Duration.ofMillis(50 + random.nextInt(100));
        for (String a : masters.ids()) {
          for (String b : masters.ids()) {
            if (!a.equals(b)) {
              proxy(hostOf(a), hostOf(b), Masters.STORE_PORT).latency(delay);
            }
          }
        }
        repaired = holdThenRemoveProxies(fault);
      }
      case BLACKHOLED_LINK -> {
        String l = leader();
        String f = follower();
        proxy(hostOf(l), hostOf(f), Masters.STORE_PORT).blackhole(true);
        proxy(hostOf(f), hostOf(l), Masters.STORE_PORT).blackhole(true);
        repaired = holdThenRemoveProxies(fault);
      }
      case AGENT_LINK_BLACKHOLE -> {
        AgentHost a = agentWithPods();
        List<TcpProxy> links = new ArrayList<>();
        for (String m : masters.ids()) {
          links.add(proxy(a.host(), hostOf(m), Masters.API_PORT).latency(Duration.ofMillis(150)));
        }
        hold(Duration.ofSeconds(3 + random.nextInt(3)));
        links.forEach(p -> p.blackhole(true));
        downNodes.add(a.nodeName());
        awaitDesired(fault + " (replaced elsewhere)");
        removeProxies();
        downNodes.remove(a.nodeName());
        repaired = System.nanoTime();
        await(fault + ": old copies stopped on " + a.nodeName())
            .atMost(RECOVERY_LIMIT)
            .ignoreExceptions()
            .until(() -> livePodUids().containsAll(a.runningByPod().keySet()));
      }
      case NODE_POWER_OFF, AGENT_KILL_IN_ROLLOUT -> {
        if (fault == Fault.AGENT_KILL_IN_ROLLOUT) {
          rollout();
        }
        AgentHost a = agentWithPods();
        a.kill();
        downNodes.add(a.nodeName());
        long killed = System.nanoTime();
        awaitDesired(fault.name());
        double r = secondsSince(killed);
        a.boot();
        downNodes.remove(a.nodeName());
        await().atMost(RECOVERY_LIMIT).ignoreExceptions().until(() -> nodeReady(a));
        return record(fault, r);
      }
      case AGENT_PARTITION -> {
        AgentHost a = agentWithPods();
        List<Hosts.Host> masterHosts = masters.ids().stream().map(this::hostOf).toList();
        hosts.partition(a.host(), masterHosts.toArray(Hosts.Host[]::new));
        downNodes.add(a.nodeName());
        awaitDesired(fault + " (replaced elsewhere)");
        hosts.heal();
        downNodes.remove(a.nodeName());
        repaired = System.nanoTime();
        // Healed, the old copies on the partitioned host stop: it runs only pods that exist.
        await(fault + ": old copies stopped on " + a.nodeName())
            .atMost(RECOVERY_LIMIT)
            .ignoreExceptions()
            .until(() -> livePodUids().containsAll(a.runningByPod().keySet()));
      }
      case DOCKERD_RESTART -> {
        AgentHost a = agents.get(random.nextInt(agents.size()));
        a.restartDocker();
        repaired = System.nanoTime();
        awaitDesired(fault.name());
      }
      default -> throw new IllegalArgumentException("unknown fault " + fault);
    }
    awaitProgress(fault);
    awaitAllAnswer(fault);
    if (fault.needsAgents()) {
      awaitDesired(fault.name());
    }
    double r = record(fault, secondsSince(repaired));
    awaitEveryMemberCaughtUp(fault.name());
    return r;
  }

  private double record(Fault fault, double seconds) {
    recoveries.computeIfAbsent(fault, f -> new ArrayList<>()).add(seconds);
    LOG.info("==== fault {} recovered in {} s", fault, String.format("%.1f", seconds));
    return seconds;
  }

  private static double secondsSince(long nanos) {
    return (System.nanoTime() - nanos) / 1e9;
  }

  /** Keeps a fault in place for {@code d}: the fault's duration, not a wait for a condition. */
  private static void hold(Duration d) {
    LockSupport.parkNanos(d.toNanos());
  }

  /** A proxy in the test JVM on {@code from}'s connections to {@code to}'s {@code port}. */
  private TcpProxy proxy(Hosts.Host from, Hosts.Host to, int port) {
    TcpProxy p =
        TcpProxy.start(
            new InetSocketAddress(hosts.rootIp(), 0),
            new InetSocketAddress(to.ip(), port),
            random.nextLong());
    proxies.add(p);
    hosts.routeThrough(from, to, port, p);
    return p;
  }

  /**
   * Keeps a proxy fault 4-7 s, waits until the workloads make progress through it, then removes the
   * proxies; returns when the links were repaired.
   */
  private long holdThenRemoveProxies(Fault fault) {
    hold(Duration.ofSeconds(4 + random.nextInt(4)));
    awaitProgress(fault);
    removeProxies();
    return System.nanoTime();
  }

  /** Connections go direct again: the routes first, then the proxies (cutting what they carry). */
  private void removeProxies() {
    hosts.heal();
    proxies.forEach(TcpProxy::close);
    proxies.clear();
  }

  private String leader() {
    return await("a store leader")
        .atMost(RECOVERY_LIMIT)
        .until(masters::storeLeader, l -> l.isPresent())
        .orElseThrow();
  }

  private String follower() {
    String l = leader();
    List<String> others = masters.ids().stream().filter(id -> !id.equals(l)).toList();
    return others.get(random.nextInt(others.size()));
  }

  private Hosts.Host hostOf(String masterId) {
    return masters.process(masterId).host();
  }

  private Hosts.Host[] otherMasterHosts(String id) {
    return masters.ids().stream()
        .filter(x -> !x.equals(id))
        .map(this::hostOf)
        .toArray(Hosts.Host[]::new);
  }

  /** Both workloads acknowledge a few more writes. */
  private void awaitProgress(Fault fault) {
    int s = store.acknowledged() + 3;
    int a = api.acknowledged() + 3;
    try {
      await(fault + ": progress")
          .atMost(RECOVERY_LIMIT)
          .until(() -> store.acknowledged() >= s && api.acknowledged() >= a);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      violations.add(fault + ": no progress within " + RECOVERY_LIMIT + " (seed " + seed + ")");
      throw e;
    }
  }

  private void awaitAllAnswer(Fault fault) {
    await(fault + ": every master answers")
        .atMost(RECOVERY_LIMIT)
        .until(() -> masters.ids().stream().allMatch(id -> masters.clusterInfo(id).isPresent()));
  }

  /**
   * Every member catches up after a fault, not only a majority: each master's applied revision
   * reaches the one the store leader had applied once the fault was over, within {@link
   * #CATCH_UP_LIMIT}. A member whose Raft log stopped taking entries serves nothing wrong while the
   * other two go on, so no other check sees it; it is a violation here.
   */
  private void awaitEveryMemberCaughtUp(String fault) {
    String l = leader();
    long target =
        await(fault + ": the leader's applied revision")
            .atMost(RECOVERY_LIMIT)
            .until(() -> masters.appliedRevisions().get(l), rev -> rev != null);
    long start = System.nanoTime();
    try {
      await(fault + ": every member reaches revision " + target)
          .atMost(CATCH_UP_LIMIT)
          .until(() -> behind(target).isEmpty());
      double s = secondsSince(start);
      maxCatchUp = Math.max(maxCatchUp, s);
      LOG.info("==== fault {}: every member at revision {} after {} s", fault, target, s);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      dumpThreads(fault + "-catch-up", l);
      violations.add(
          fault
              + ": members "
              + behind(target)
              + " did not reach the leader's applied revision "
              + target
              + " within "
              + CATCH_UP_LIMIT
              + " (seed "
              + seed
              + ")");
    }
  }

  /**
   * Thread dumps of every running master next to its log ({@code jcmd Thread.print}), for a member
   * left behind: where the leader's appender and the follower's threads wait is the evidence.
   */
  private void dumpThreads(String why, String leader) {
    for (String id : masters.ids()) {
      dumpThreads(masters.process(id), id + (id.equals(leader) ? "-leader" : "") + "-" + why);
    }
  }

  private void dumpThreads(HostProcess p, String name) {
    if (!p.isAlive()) {
      return;
    }
    Path out = dir.resolve(name + ".threads");
    try {
      Process jcmd =
          new ProcessBuilder("jcmd", Long.toString(p.pid()), "Thread.print")
              .redirectErrorStream(true)
              .redirectOutput(out.toFile())
              .start();
      if (!jcmd.waitFor(30, TimeUnit.SECONDS)) {
        jcmd.destroyForcibly();
      }
      LOG.info("thread dump of {} in {}", p.name(), out);
    } catch (IOException e) {
      LOG.warn("thread dump of {} failed", p.name(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The masters whose applied revision is below {@code target} (or that do not answer). */
  private List<String> behind(long target) {
    Map<String, Long> applied = masters.appliedRevisions();
    return masters.ids().stream().filter(id -> applied.getOrDefault(id, -1L) < target).toList();
  }

  /**
   * After a frozen leader resumes: for a few seconds no two masters may both say they are the
   * active master (the frozen one must have stepped down, not act on its old lease).
   */
  private void checkOneActiveMaster(String resumed) {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (System.nanoTime() < end) {
      List<String> selfActive =
          masters.ids().stream()
              .filter(id -> masters.activeMaster(id).map(id::equals).orElse(false))
              .toList();
      if (selfActive.size() > 1) {
        violations.add(
            "after resuming " + resumed + ": masters " + selfActive + " all say they are active");
        return;
      }
      hold(Duration.ofMillis(250));
    }
  }

  // ------------------------------------------------------------------ the deployment

  private void rollout() {
    rollouts++;
    await("rollout " + rollouts)
        .atMost(RECOVERY_LIMIT)
        .ignoreExceptions()
        .until(
            () -> {
              Deployment d = client.deployments().get("default", APP);
              Deployment.Builder b = d.toBuilder();
              b.getSpecBuilder()
                  .getTemplateBuilder()
                  .getMetadataBuilder()
                  .putAnnotations("faults/rollout", Integer.toString(rollouts));
              client.deployments().update(b.build());
              return true;
            });
  }

  private AgentHost agentWithPods() {
    List<AgentHost> with =
        agents.stream().filter(a -> a.isUp() && !a.runningByPod().isEmpty()).toList();
    List<AgentHost> from = with.isEmpty() ? agents : with;
    return from.get(random.nextInt(from.size()));
  }

  private Set<String> livePodUids() {
    Set<String> uids = new HashSet<>();
    for (Pod p : client.pods().list("default", "app=" + APP)) {
      if (!p.getMetadata().hasDeletionTime()) {
        uids.add(p.getMetadata().getUid());
      }
    }
    return uids;
  }

  /**
   * The Deployment's desired state: exactly {@code REPLICAS} live pods, all Running on nodes that
   * are up, their containers running in those nodes' daemons.
   */
  private void awaitDesired(String phase) {
    try {
      await(phase + ": " + REPLICAS + " pods Running on live nodes")
          .atMost(RECOVERY_LIMIT)
          .ignoreExceptions()
          .until(this::desired);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      // Where the agents' sessions and pod workers wait is the evidence (seen: an agent that did
      // not register with any master for minutes after every master was powered off).
      String why = phase.replaceAll("[^A-Za-z0-9_]+", "-");
      agents.forEach(a -> dumpThreads(a.agent(), a.nodeName() + "-agent-" + why));
      dumpThreads(why, masters.storeLeader().orElse(""));
      throw e;
    }
  }

  private boolean desired() {
    List<Pod> live =
        client.pods().list("default", "app=" + APP).stream()
            .filter(p -> !p.getMetadata().hasDeletionTime())
            .toList();
    if (live.size() != REPLICAS) {
      return false;
    }
    Set<String> running = new HashSet<>();
    for (AgentHost a : agents) {
      if (a.isUp() && !downNodes.contains(a.nodeName())) {
        running.addAll(a.runningByPod().keySet());
      }
    }
    return live.stream()
        .allMatch(
            p ->
                p.getStatus().getPhase() == PodPhase.POD_PHASE_RUNNING
                    && !downNodes.contains(p.getSpec().getNodeName())
                    && running.contains(p.getMetadata().getUid()));
  }

  // ------------------------------------------------------------------ the end

  /** The figures and violations of a finished run. */
  public record Report(
      long seed,
      int faults,
      int lost,
      List<String> violations,
      Map<Fault, List<Double>> recoveries,
      String summary) {}

  /**
   * A run that ends before {@link #finish} (a fault failed) stops its workloads here: a store
   * client left running would go on writing into the next run's store, which has the same addresses
   * and group id (seen: the next test's store keys read values this run wrote).
   */
  private void stopWorkloads() {
    try {
      if (invariants != null) {
        invariants.close();
      }
      api.close();
      store.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Heals everything, stops the workloads and checks every history; returns the report. */
  public Report finish() throws InterruptedException {
    finished = true;
    removeProxies();
    masters.startStopped();
    for (AgentHost a : agents) {
      if (!a.isUp()) {
        a.boot();
      }
    }
    awaitAllAnswer(null);
    awaitEveryMemberCaughtUp("final state");
    store.finalReads();
    store.close();
    ApiWorkload.Result apiResult = api.check(dir);
    api.close();
    RegisterHistory.Result storeResult = store.history().check(dir);
    List<String> all = new ArrayList<>(violations);
    all.addAll(store.violations());
    all.addAll(storeResult.violations());
    all.addAll(apiResult.linearizability().violations());
    all.addAll(apiResult.clientViolations());
    all.addAll(apiResult.watchViolations());
    all.addAll(apiResult.lost());
    if (invariants != null) {
      try {
        awaitDesired("final state");
      } catch (org.awaitility.core.ConditionTimeoutException e) {
        all.add("the deployment did not reach its desired state after healing");
      }
      invariants.sampleOnce();
      invariants.close();
      all.addAll(invariants.violations());
    }
    int faults = recoveries.values().stream().mapToInt(List::size).sum();
    String summary =
        String.format(
            "store: %d ops on %d keys (%d gave up), api: %d ops, %d watch events, %d relists,"
                + " snapshot kills mid-write %d, invariant samples %d,"
                + " member catch-up max %.1f s",
            storeResult.operations(),
            storeResult.keys(),
            storeResult.gaveUp() + apiResult.linearizability().gaveUp(),
            apiResult.linearizability().operations(),
            apiResult.watchEvents(),
            apiResult.relists(),
            snapshotKillsMidWrite,
            invariants == null ? 0 : invariants.samples(),
            maxCatchUp);
    LOG.info("fault run {}: {}", seed, summary);
    return new Report(seed, faults, apiResult.lost().size(), all, Map.copyOf(recoveries), summary);
  }

  /** Recovery max and p99 per fault type, one line each, and the RESULT line. */
  public static String format(Report r) {
    StringBuilder out = new StringBuilder();
    double max = 0;
    for (Map.Entry<Fault, List<Double>> e : new java.util.TreeMap<>(r.recoveries()).entrySet()) {
      List<Double> s = e.getValue().stream().sorted().toList();
      double p99 = s.get((int) Math.ceil(0.99 * s.size()) - 1);
      double m = s.get(s.size() - 1);
      double median = s.get((s.size() - 1) / 2);
      max = Math.max(max, m);
      out.append(
          String.format(
              "recovery %-22s n=%-3d median_s=%.1f p99_s=%.1f max_s=%.1f%n",
              e.getKey(), s.size(), median, p99, m));
    }
    out.append(r.summary()).append('\n');
    for (String v : r.violations()) {
      out.append("VIOLATION ").append(v).append('\n');
    }
    out.append(
        String.format(
            "RESULT faults injected=%d lost=%d violations=%d max_recovery_s=%.1f",
            r.faults(), r.lost(), r.violations().size(), max));
    return out.toString();
  }

  @Override
  public void close() {
    try {
      if (!finished) {
        stopWorkloads();
      }
      clients.forEach(DroverClient::close);
      masters.close();
    } finally {
      hosts.close();
    }
  }
}
