package dev.drover.bench.failover;

import static dev.drover.bench.BenchSupport.loadAverage;
import static dev.drover.bench.BenchSupport.median;

import dev.drover.api.Conditions;
import dev.drover.api.v1.ClusterInfoResponse;
import dev.drover.api.v1.MasterInfo;
import dev.drover.api.v1.Node;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodPhase;
import dev.drover.bench.BenchSupport;
import dev.drover.bench.Poll;
import dev.drover.client.DroverClient;
import dev.drover.e2e.harness.AgentHost;
import dev.drover.e2e.harness.Hosts;
import dev.drover.e2e.harness.Masters;
import dev.drover.testing.TestObjects;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * {@code bench/run failover [--runs N] [--master-runs N] [--replicas N] [--keep]}: how fast Drover
 * recovers from a host power cut and from the loss of its active master, next to Docker Swarm on
 * the same kind of hosts, all with shipped settings.
 *
 * <p>Built on the multi-host fault harness of e2e ({@link Hosts}: one network namespace per host,
 * each agent host with its own Docker daemon). Hosts 1-3 run the three masters as separate
 * processes ({@link Masters}); hosts 4 and 5 are Drover agent hosts (agent as shipped: 5 s
 * heartbeats); hosts 6 and 7 are a two-node Docker Swarm (6 the manager, 7 a worker).
 *
 * <p>Node failure, per run and side: the workload (a Deployment on Drover, a service on Swarm, the
 * same image, command and replica count) is created afresh and waited for; then every process of
 * one host is SIGKILLed (agent, dockerd, containerd, shims, containers: {@link AgentHost#kill()}).
 * Drover's victim is the agent host with most of the pods; Swarm's is the worker (a lone manager
 * cannot fail over). The time taken is from the kill until the surviving host's own daemon shows
 * every replica's container running, polled on both sides with {@code docker ps} every {@value
 * #POLL_MS} ms. The sides alternate run by run, so the machine's load swings hit both alike. The
 * victim boots again before the next run.
 *
 * <p>Master failover: SIGKILL of the active master's process, then at once a new pod is created
 * through the surviving masters; the time from the kill until that pod is bound (a new active
 * master runs the scheduler). Swarm has one manager here: {@code peer=none}.
 *
 * <p>Throughout, every node's Ready condition is polled every {@value #POLL_MS} ms; a node that
 * leaves Ready while its host was not killed counts as wrongly marked unreachable. The logs of the
 * masters, agents and daemons are deleted after a successful run unless {@code --keep} is given.
 */
public final class FailoverBench {
  static final int POLL_MS = 100;
  private static final String NS = "default";
  private static final String APP = "fleet";
  private static final Duration PATIENCE = Duration.ofSeconds(180);
  private static final String SCRIPT = "trap 'exit 0' TERM; while true; do sleep 1; done";

  private final Path dir;
  private final int replicas;
  private Hosts hosts;
  private Masters masters;
  private final List<AgentHost> agents = new ArrayList<>();
  private SwarmNodes swarm;
  private DroverClient client;

  /** Nodes whose host is down on purpose (killed, or booting and not Ready yet). */
  private final Set<String> down = ConcurrentHashMap.newKeySet();

  private final AtomicInteger falseUnreachable = new AtomicInteger();
  private final List<String> falseUnreachableLog = new ArrayList<>();
  private volatile boolean watching = true;

  /** What the bench is doing, for the log of wrongly unreachable nodes. */
  private volatile String phase = "start";

  private FailoverBench(Path dir, int replicas) {
    this.dir = dir;
    this.replicas = replicas;
  }

  public static void main(String[] args) throws Exception {
    int runs = 10;
    int masterRuns = 5;
    int replicas = 6;
    boolean keep = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--runs" -> runs = Integer.parseInt(args[++i]);
        case "--master-runs" -> masterRuns = Integer.parseInt(args[++i]);
        case "--replicas" -> replicas = Integer.parseInt(args[++i]);
        case "--keep" -> keep = true;
        default ->
            throw new IllegalArgumentException(
                "unknown argument "
                    + args[i]
                    + "; usage: [--runs N] [--master-runs N] [--replicas N] [--keep]");
      }
    }
    Path dir = Files.createTempDirectory("drover-bench-failover");
    FailoverBench bench = new FailoverBench(dir, replicas);
    int code = 0;
    try {
      bench.run(runs, masterRuns);
    } catch (Exception e) {
      e.printStackTrace();
      System.out.println("logs kept in " + dir);
      code = 1;
    } finally {
      bench.close();
    }
    if (code == 0 && !keep) {
      BenchSupport.deleteTree(dir);
    } else if (keep) {
      System.out.println("logs kept in " + dir);
    }
    System.exit(code);
  }

  private void run(int runs, int masterRuns) throws Exception {
    System.out.printf(
        Locale.ROOT,
        "failover bench: 3 master processes, 2 Drover agent hosts, a 2-node Swarm, %d replicas,"
            + " %d node-failure runs per side, %d master runs; load %s%n",
        replicas,
        runs,
        masterRuns,
        loadAverage());
    hosts = Hosts.create(7);
    masters =
        new Masters(hosts, List.of(hosts.host(1), hosts.host(2), hosts.host(3)), dir.resolve("m"))
            .startAll();
    client =
        DroverClient.builder()
            .endpoints(masters.endpoints())
            .deadline(Duration.ofSeconds(4))
            .build();
    Poll.until("an active master", PATIENCE, () -> activeMaster().isPresent());
    for (int i = 4; i <= 5; i++) {
      agents.add(AgentHost.startShipped(hosts, hosts.host(i), masters.endpoints(), dir));
    }
    Poll.until(
        "both agent nodes Ready",
        PATIENCE,
        () -> agents.stream().allMatch(a -> nodeReady(a.nodeName())));
    swarm = new SwarmNodes(hosts, dir, AgentHost.image(hosts), replicas, SCRIPT);
    Thread watcher = new Thread(this::watchNodes, "node-ready-watch");
    watcher.setDaemon(true);
    watcher.start();

    List<NodeRun> drover = new ArrayList<>();
    List<SwarmNodes.Run> swarmRuns = new ArrayList<>();
    for (int r = 1; r <= runs; r++) {
      drover.add(droverNodeFailure(r));
      phase = "swarm node run " + r;
      swarmRuns.add(swarm.nodeFailure(r));
    }
    List<Double> masterS = new ArrayList<>();
    for (int r = 1; r <= masterRuns; r++) {
      masterS.add(masterFailover(r));
    }
    watching = false;
    report(drover, swarmRuns, masterS);
  }

  /** One Drover run's figures, seconds from the kill. */
  private record NodeRun(
      int pods, double unknown, double evicted, double apiRunning, double dockerRunning) {}

  private NodeRun droverNodeFailure(int run) throws Exception {
    phase = "drover node run " + run;
    freshDeployment();
    Map<String, List<AgentHost.DockerContainer>> byNode = new java.util.HashMap<>();
    for (AgentHost a : agents) {
      byNode.put(a.nodeName(), fleet(a));
    }
    AgentHost victim =
        agents.stream()
            .max((x, y) -> Integer.compare(fleet(x).size(), fleet(y).size()))
            .orElseThrow();
    AgentHost survivor = agents.stream().filter(a -> a != victim).findFirst().orElseThrow();
    int victimPods = byNode.get(victim.nodeName()).size();
    down.add(victim.nodeName());
    long t0 = System.nanoTime();
    victim.kill();
    double unknown = -1;
    double evicted = -1;
    double apiRunning = -1;
    double dockerRunning = -1;
    while (dockerRunning < 0 || apiRunning < 0) {
      double now = (System.nanoTime() - t0) / 1e9;
      if (now > PATIENCE.toSeconds()) {
        throw new IllegalStateException(
            "node failure run " + run + ": pods of " + victim.nodeName() + " not replaced");
      }
      if (dockerRunning < 0 && fleet(survivor).size() == replicas) {
        dockerRunning = now;
      }
      try {
        if (unknown < 0 && !nodeReady(victim.nodeName())) {
          unknown = now;
        }
        List<Pod> pods = client.pods().list(NS, "app=" + APP);
        if (evicted < 0
            && pods.stream()
                .anyMatch(
                    p ->
                        p.getSpec().getNodeName().equals(victim.nodeName())
                            && p.getMetadata().hasDeletionTime())) {
          evicted = now;
        }
        if (apiRunning < 0 && runningOn(pods, survivor.nodeName()) == replicas) {
          apiRunning = now;
        }
      } catch (StatusRuntimeException e) {
        // A master busy: ask again at the next poll.
      }
      Poll.pause(POLL_MS);
    }
    System.out.printf(
        Locale.ROOT,
        "%s drover node failure run %d: killed host %s (%d of %d pods); Ready=Unknown %.2f s,"
            + " evicted %.2f s, all Running (API) %.2f s, all running in %s's docker %.2f s%n",
        java.time.Instant.now(),
        run,
        victim.nodeName(),
        victimPods,
        replicas,
        unknown,
        evicted,
        apiRunning,
        survivor.nodeName(),
        dockerRunning);
    victim.boot();
    Poll.until(victim.nodeName() + " Ready again", PATIENCE, () -> nodeReady(victim.nodeName()));
    down.remove(victim.nodeName());
    return new NodeRun(victimPods, unknown, evicted, apiRunning, dockerRunning);
  }

  /** Deletes the Deployment if it exists and creates it again, waiting until it runs. */
  private void freshDeployment() throws InterruptedException {
    Poll.retry(PATIENCE, gone(() -> client.deployments().delete(NS, APP)));
    Poll.until(
        "the old pods are gone",
        PATIENCE,
        () ->
            client.pods().list(NS, "app=" + APP).isEmpty()
                && agents.stream().allMatch(a -> fleet(a).isEmpty()));
    var d =
        TestObjects.deployment(
            NS, APP, replicas, TestObjects.shell("main", AgentHost.image(hosts), SCRIPT));
    d.getSpecBuilder().getTemplateBuilder().getSpecBuilder().setTerminationGracePeriodSeconds(2);
    Poll.retry(PATIENCE, () -> client.deployments().create(d.build()));
    Poll.until(
        "the deployment runs",
        PATIENCE,
        () -> agents.stream().mapToInt(a -> fleet(a).size()).sum() == replicas);
  }

  /** The workload's running app containers in {@code a}'s own daemon ({@code docker ps}). */
  private static List<AgentHost.DockerContainer> fleet(AgentHost a) {
    return a.dockerPs().stream()
        .filter(c -> !c.sandbox() && c.podName().startsWith(APP + "-") && c.running())
        .toList();
  }

  private static long runningOn(List<Pod> pods, String node) {
    return pods.stream()
        .filter(p -> !p.getMetadata().hasDeletionTime())
        .filter(p -> p.getStatus().getPhase() == PodPhase.POD_PHASE_RUNNING)
        .filter(p -> p.getSpec().getNodeName().equals(node))
        .count();
  }

  /** One active-master kill: seconds from the kill until a pod created after it is bound. */
  private double masterFailover(int run) throws Exception {
    phase = "master run " + run;
    String active = activeMaster().orElseThrow();
    String podName = "after-kill-" + run;
    Pod pod =
        TestObjects.pod(NS, podName, TestObjects.shell("main", AgentHost.image(hosts), SCRIPT))
            .build();
    long t0 = System.nanoTime();
    masters.process(active).kill();
    // A create whose answer was lost to the failover may have landed: that counts as created.
    Poll.retry(
        PATIENCE,
        () -> {
          try {
            client.pods().create(pod);
          } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() != Status.Code.ALREADY_EXISTS) {
              throw e;
            }
          }
        });
    double created = (System.nanoTime() - t0) / 1e9;
    Poll.until(
        "the pod is bound",
        PATIENCE,
        () -> {
          // Says which get took long and how it ended: the time until "bound" is what the
          // client sees, so a get held up on one master is part of it.
          long a0 = System.nanoTime();
          String at = client.currentEndpoint();
          boolean bound;
          try {
            bound = !client.pods().get(NS, podName).getSpec().getNodeName().isEmpty();
          } catch (RuntimeException e) {
            slowGet(run, at, a0, e.toString());
            throw e;
          }
          slowGet(run, at, a0, bound ? "bound" : "not bound yet");
          return bound;
        });
    double bound = (System.nanoTime() - t0) / 1e9;
    System.out.printf(
        Locale.ROOT,
        "%s master failover run %d: SIGKILL %s; pod created after %.2f s, bound after %.2f s;"
            + " active now %s%n",
        java.time.Instant.now(),
        run,
        active,
        created,
        bound,
        activeMaster().orElse("?"));
    masters.process(active).start();
    Poll.until(
        "master " + active + " answers", PATIENCE, () -> masters.clusterInfo(active).isPresent());
    Poll.retry(PATIENCE, gone(() -> client.pods().delete(NS, podName)));
    return bound;
  }

  private static void slowGet(int run, String at, long startNanos, String outcome) {
    double s = (System.nanoTime() - startNanos) / 1e9;
    if (s >= 0.5) {
      System.out.printf(
          Locale.ROOT,
          "%s master failover run %d: a get of the pod took %.2f s (from %s): %s%n",
          java.time.Instant.now(),
          run,
          s,
          at,
          outcome);
    }
  }

  /** {@code delete} where NOT_FOUND is success too (a retried call whose answer was lost). */
  private static Runnable gone(Runnable delete) {
    return () -> {
      try {
        delete.run();
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
          throw e;
        }
      }
    };
  }

  private Optional<String> activeMaster() {
    for (String id : masters.ids()) {
      Optional<String> active =
          masters
              .clusterInfo(id)
              .map(ClusterInfoResponse::getMastersList)
              .flatMap(
                  l -> l.stream().filter(MasterInfo::getActive).map(MasterInfo::getId).findFirst());
      if (active.isPresent()) {
        return active;
      }
    }
    return Optional.empty();
  }

  private boolean nodeReady(String node) {
    return Conditions.isReady(client.nodes().get("", node));
  }

  /** Counts Ready -> not Ready transitions of nodes whose host was not killed. */
  private void watchNodes() {
    Map<String, Boolean> ready = new java.util.HashMap<>();
    while (watching) {
      try {
        for (Node n : client.nodes().list("", "")) {
          String name = n.getMetadata().getName();
          boolean now = Conditions.isReady(n);
          Boolean before = ready.put(name, now);
          if (Boolean.TRUE.equals(before) && !now && !down.contains(name)) {
            falseUnreachable.incrementAndGet();
            String status =
                n.getStatus().getConditionsList().stream()
                    .filter(c -> c.getType().equals(Conditions.READY))
                    .map(c -> c.getStatus() + " " + c.getReason())
                    .findFirst()
                    .orElse("no Ready condition");
            synchronized (falseUnreachableLog) {
              falseUnreachableLog.add(
                  name + " " + status + " at " + java.time.Instant.now() + " during " + phase);
            }
          }
        }
      } catch (StatusRuntimeException e) {
        // The masters failing over: the next poll sees the nodes again.
      }
      Poll.pause(POLL_MS);
    }
  }

  private void report(List<NodeRun> drover, List<SwarmNodes.Run> swarmRuns, List<Double> masterS) {
    List<Double> nodeS = drover.stream().map(NodeRun::dockerRunning).toList();
    List<Double> swarmS = swarmRuns.stream().map(SwarmNodes.Run::dockerRunning).toList();
    double nodeMedian = median(nodeS);
    double nodeMax = nodeS.stream().mapToDouble(x -> x).max().orElse(Double.NaN);
    double swarmMedian = median(swarmS);
    double masterMedian = median(masterS);
    System.out.println();
    System.out.println("| measure | Drover median | Drover runs | Swarm median | Swarm runs |");
    System.out.println("|---|---|---|---|---|");
    row("host SIGKILL -> all replicas running on the other host (docker ps)", nodeS, swarmS);
    row(
        "  of which: node marked down (Drover Ready=Unknown, Swarm node down)",
        drover.stream().map(NodeRun::unknown).toList(),
        swarmRuns.stream().map(SwarmNodes.Run::nodeDown).toList());
    row("  Drover: pods evicted", drover.stream().map(NodeRun::evicted).toList(), List.of());
    row(
        "  Drover: all Running as the API says",
        drover.stream().map(NodeRun::apiRunning).toList(),
        List.of());
    row("active master SIGKILL -> new pod bound", masterS, List.of());
    System.out.printf(
        Locale.ROOT,
        "pods on the killed host: Drover %s, Swarm %s (of %d)%n",
        drover.stream().map(r -> Integer.toString(r.pods())).collect(Collectors.joining(", ")),
        swarmRuns.stream().map(r -> Integer.toString(r.tasks())).collect(Collectors.joining(", ")),
        replicas);
    System.out.printf(
        Locale.ROOT,
        "nodes wrongly marked unreachable: %d %s%n",
        falseUnreachable.get(),
        falseUnreachableLog);
    System.out.printf(
        Locale.ROOT,
        "node failure Drover / Swarm (medians): %.2f; targets: median <= 8 s %s, max <= 10 s %s%n",
        nodeMedian / swarmMedian,
        nodeMedian <= 8 ? "met" : "MISSED",
        nodeMax <= 10 ? "met" : "MISSED");
    System.out.printf("load at end: %s%n", loadAverage());
    System.out.printf(
        Locale.ROOT,
        "RESULT failover node_s=%.2f node_max_s=%.2f master_s=%.2f swarm_node_s=%.2f"
            + " false_unreachable=%d node_vs_swarm=%.2f runs=%d master_peer=none%n",
        nodeMedian,
        nodeMax,
        masterMedian,
        swarmMedian,
        falseUnreachable.get(),
        nodeMedian / swarmMedian,
        nodeS.size());
  }

  private static void row(String what, List<Double> drover, List<Double> swarm) {
    Function<List<Double>, String> runs =
        xs ->
            xs.stream()
                .map(x -> String.format(Locale.ROOT, "%.2f", x))
                .collect(Collectors.joining(", "));
    System.out.printf(
        Locale.ROOT,
        "| %s | %s | %s | %s | %s |%n",
        what,
        drover.isEmpty() ? "" : String.format(Locale.ROOT, "%.2f s", median(drover)),
        runs.apply(drover),
        swarm.isEmpty() ? "" : String.format(Locale.ROOT, "%.2f s", median(swarm)),
        runs.apply(swarm));
  }

  private void close() {
    watching = false;
    if (client != null) {
      client.close();
    }
    if (masters != null) {
      masters.close();
    }
    if (hosts != null) {
      hosts.close();
    }
  }
}
