package dev.drover.bench.failover;

import static dev.drover.bench.BenchSupport.loadAverage;
import static dev.drover.bench.BenchSupport.median;

import dev.drover.agent.AgentConfig;
import dev.drover.agent.NodeAgent;
import dev.drover.agent.runtime.ContainerInfo;
import dev.drover.agent.runtime.RuntimeKind;
import dev.drover.agent.runtime.simulated.SimulatedRuntime;
import dev.drover.agent.sync.Labels;
import dev.drover.api.v1.ClusterInfoRequest;
import dev.drover.api.v1.ClusterInfoResponse;
import dev.drover.api.v1.ConditionStatus;
import dev.drover.api.v1.Container;
import dev.drover.api.v1.Deployment;
import dev.drover.api.v1.DeploymentSpec;
import dev.drover.api.v1.LabelSelector;
import dev.drover.api.v1.MasterInfo;
import dev.drover.api.v1.Namespace;
import dev.drover.api.v1.Node;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodPhase;
import dev.drover.api.v1.PodSpec;
import dev.drover.api.v1.PodTemplateSpec;
import dev.drover.api.v1.ResourceRequirements;
import dev.drover.client.Channels;
import dev.drover.client.DroverClient;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * {@code bench/run failover [runs]}: how fast Drover recovers, with default settings.
 *
 * <p>(a) Node failure: three masters as separate JVM processes ({@code drover master}) and four
 * node agents on the simulated runtime in this JVM; a Deployment of 12 pods. The agent of the node
 * with most pods is stopped (the node goes silent), and the time until every replica is Running on
 * the other nodes is taken, with the phases in between (node Ready=Unknown, pods evicted). Then the
 * agent returns and the run waits until it stopped its replaced copies. Side by side: Docker Swarm
 * on the same daemon ({@link SwarmSide}).
 *
 * <p>(b) Active-master failover: SIGKILL of the active master's process, then at once a new pod is
 * created through the surviving masters; the time from the kill until the pod is bound to a node
 * (so a new active master runs the scheduler) is taken. The killed master is restarted between
 * runs.
 *
 * <p>Targets: (a) at most 10 s, (b) at most 3 s. The last line is {@code RESULT failover node_s=...
 * master_s=...} (medians).
 */
public final class FailoverBench {
  private static final int NODES = 4;
  private static final int REPLICAS = 12;
  private static final String NS = "bench-failover";
  private static final Duration PATIENCE = Duration.ofSeconds(120);

  private final Path dir;
  private final MasterProcesses masters;
  private final Map<String, SimulatedRuntime> runtimes = new LinkedHashMap<>();
  private final Map<String, NodeAgent> agents = new LinkedHashMap<>();
  private DroverClient client;

  private FailoverBench(Path dir) {
    this.dir = dir;
    this.masters = new MasterProcesses(dir);
  }

  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    Path dir = Files.createTempDirectory("drover-bench-failover");
    FailoverBench bench = new FailoverBench(dir);
    int code = 0;
    try {
      bench.run(runs);
    } catch (Exception e) {
      e.printStackTrace();
      code = 1;
    } finally {
      bench.close();
    }
    System.exit(code);
  }

  private void run(int runs) throws Exception {
    System.out.printf(
        "failover bench: 3 master processes, %d simulated nodes, %d replicas, %d runs; load %s%n",
        NODES, REPLICAS, runs, loadAverage());
    masters.startAll();
    client =
        DroverClient.builder()
            .endpoints(masters.endpoints())
            .deadline(Duration.ofSeconds(5))
            .build();
    until("the masters elect an active one", () -> activeMaster().isPresent());
    for (int i = 1; i <= NODES; i++) {
      runtimes.put("node-" + i, new SimulatedRuntime());
      startAgent("node-" + i);
    }
    until("every node registers", () -> client.nodes().list("", "").size() == NODES);
    retry(
        () ->
            client
                .namespaces()
                .create(
                    Namespace.newBuilder()
                        .setMetadata(ObjectMeta.newBuilder().setName(NS))
                        .build()));
    retry(() -> client.deployments().create(deployment()));
    until("the deployment runs", () -> running(Set.of()).size() == REPLICAS);

    List<double[]> nodeRuns = new ArrayList<>();
    for (int r = 1; r <= runs; r++) {
      nodeRuns.add(nodeFailure(r));
    }
    List<Double> masterRuns = new ArrayList<>();
    for (int r = 1; r <= runs; r++) {
      masterRuns.add(masterFailover(r));
    }
    SwarmSide.Result swarm = SwarmSide.measure(REPLICAS / NODES);

    double nodeS = median(nodeRuns.stream().map(x -> x[2]).toList());
    double masterS = median(masterRuns);
    System.out.println();
    System.out.println("| scenario | Drover (median) | runs | Swarm | target |");
    System.out.println("|---|---|---|---|---|");
    System.out.printf(
        Locale.ROOT,
        "| node failure: kill agent -> all pods Running elsewhere | %.2f s | %s | %s | <= 10 s |%n",
        nodeS,
        join(nodeRuns.stream().map(x -> x[2]).toList()),
        swarm.ran()
            ? String.format(
                Locale.ROOT,
                "%.1f s (%d x %d s heartbeat + %.2f s reschedule)",
                swarm.nodeFailureS(),
                SwarmSide.GRACE_MULTIPLIER,
                SwarmSide.HEARTBEAT_S,
                swarm.rescheduleS())
            : "not run: " + swarm.note());
    System.out.printf(
        Locale.ROOT,
        "|   of which: node Ready=Unknown | %.2f s | %s | | |%n",
        median(nodeRuns.stream().map(x -> x[0]).toList()),
        join(nodeRuns.stream().map(x -> x[0]).toList()));
    System.out.printf(
        Locale.ROOT,
        "|   of which: pods evicted | %.2f s | %s | | |%n",
        median(nodeRuns.stream().map(x -> x[1]).toList()),
        join(nodeRuns.stream().map(x -> x[1]).toList()));
    if (swarm.ran()) {
      System.out.printf(
          Locale.ROOT,
          "| Swarm drain: tasks stopped after `node update --availability drain` | | | %.2f s | |%n",
          swarm.drainStopS());
    }
    System.out.printf(
        Locale.ROOT,
        "| active master: kill -9 -> new pod bound | %.2f s | %s | n/a (one daemon) | <= 3 s |%n",
        masterS,
        join(masterRuns));
    if (swarm.ran()) {
      System.out.printf(
          Locale.ROOT, "ratio node failure Drover/Swarm: %.2f%n", nodeS / swarm.nodeFailureS());
    }
    System.out.printf("load after: %s%n", loadAverage());
    System.out.printf(
        Locale.ROOT,
        "RESULT failover node_s=%.2f master_s=%.2f swarm_node_s=%s%n",
        nodeS,
        masterS,
        swarm.ran() ? String.format(Locale.ROOT, "%.2f", swarm.nodeFailureS()) : "na");
  }

  /**
   * One node failure; returns {until Ready=Unknown, until evicted, until all Running elsewhere} in
   * seconds.
   */
  private double[] nodeFailure(int run) throws Exception {
    Map<String, List<Pod>> byNode =
        running(Set.of()).stream().collect(Collectors.groupingBy(p -> p.getSpec().getNodeName()));
    String victim =
        byNode.entrySet().stream()
            .max((a, b) -> Integer.compare(a.getValue().size(), b.getValue().size()))
            .orElseThrow()
            .getKey();
    Set<String> victimPods =
        byNode.get(victim).stream().map(p -> p.getMetadata().getName()).collect(Collectors.toSet());
    long t0 = System.nanoTime();
    agents.remove(victim).close();
    double unknown = -1;
    double evicted = -1;
    while (true) {
      double now = (System.nanoTime() - t0) / 1e9;
      if (now > PATIENCE.toSeconds()) {
        throw new IllegalStateException(
            "node failure run " + run + ": pods of " + victim + " not replaced in time");
      }
      try {
        if (unknown < 0 && !nodeReady(victim)) {
          unknown = now;
        }
        List<Pod> all = client.pods().list(NS, "app=fleet");
        if (evicted < 0
            && all.stream()
                .anyMatch(
                    p ->
                        victimPods.contains(p.getMetadata().getName())
                            && p.getMetadata().hasDeletionTime())) {
          evicted = now;
        }
        if (running(Set.of(victim)).size() == REPLICAS) {
          break;
        }
      } catch (RuntimeException e) {
        // A master busy or failing over: ask again.
      }
      Thread.sleep(25);
    }
    double done = (System.nanoTime() - t0) / 1e9;
    System.out.printf(
        Locale.ROOT,
        "node failure run %d: %s (%d pods) silent; Ready=Unknown %.2f s, evicted %.2f s,"
            + " all %d Running elsewhere %.2f s%n",
        run,
        victim,
        victimPods.size(),
        unknown,
        evicted,
        REPLICAS,
        done);
    startAgent(victim);
    until(
        "the returned node stops its replaced copies and their pods go",
        () ->
            runtimes.get(victim).list(Map.of()).stream()
                    .noneMatch(
                        c ->
                            c.state() == ContainerInfo.State.RUNNING
                                && victimPods.contains(c.labels().get(Labels.POD_NAME)))
                && client.pods().list(NS, "").stream()
                    .noneMatch(p -> victimPods.contains(p.getMetadata().getName()))
                && nodeReady(victim));
    return new double[] {unknown, evicted, done};
  }

  /**
   * One active-master kill; returns seconds from the kill until a pod created after it is bound.
   */
  private double masterFailover(int run) throws Exception {
    String active = activeMaster().orElseThrow();
    String podName = "after-kill-" + run;
    long t0 = System.nanoTime();
    masters.kill(active);
    Pod pod =
        Pod.newBuilder()
            .setMetadata(ObjectMeta.newBuilder().setNamespace(NS).setName(podName))
            .setSpec(podSpec())
            .build();
    // A create whose answer was lost to the failover may have landed: that counts as created.
    retry(
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
    until(
        "the pod is bound",
        () -> !client.pods().get(NS, podName).getSpec().getNodeName().isEmpty());
    double bound = (System.nanoTime() - t0) / 1e9;
    String next = activeMaster().orElse("?");
    System.out.printf(
        Locale.ROOT,
        "master failover run %d: killed %s; pod created after %.2f s, bound after %.2f s;"
            + " active now %s%n",
        run,
        active,
        created,
        bound,
        next);
    masters.start(active);
    until("the killed master is back", () -> clusterInfo(active).isPresent());
    retry(() -> client.pods().delete(NS, podName));
    return bound;
  }

  private Optional<ClusterInfoResponse> clusterInfo(String id) {
    String endpoint = masters.endpoints().get(List.of("m1", "m2", "m3").indexOf(id));
    try (DroverClient one =
        DroverClient.builder().endpoint(endpoint).deadline(Duration.ofSeconds(2)).build()) {
      return Optional.of(one.control().clusterInfo(ClusterInfoRequest.getDefaultInstance()));
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  // Each master reports the masters it knows of (itself at least) and which is active; ask
  // each one, since one that is not active may not know the others' addresses.
  private Optional<String> activeMaster() {
    for (String id : List.of("m1", "m2", "m3")) {
      Optional<String> active =
          clusterInfo(id)
              .flatMap(
                  info ->
                      info.getMastersList().stream()
                          .filter(MasterInfo::getActive)
                          .map(MasterInfo::getId)
                          .findFirst());
      if (active.isPresent()) {
        return active;
      }
    }
    return Optional.empty();
  }

  private boolean nodeReady(String node) {
    Node n = client.nodes().get("", node);
    return n.getStatus().getConditionsList().stream()
        .anyMatch(
            c ->
                c.getType().equals("Ready")
                    && c.getStatus() == ConditionStatus.CONDITION_STATUS_TRUE);
  }

  /** Live Running pods of the deployment not on {@code excluded} nodes. */
  private List<Pod> running(Set<String> excluded) {
    return client.pods().list(NS, "app=fleet").stream()
        .filter(p -> !p.getMetadata().hasDeletionTime())
        .filter(p -> p.getStatus().getPhase() == PodPhase.POD_PHASE_RUNNING)
        .filter(p -> !excluded.contains(p.getSpec().getNodeName()))
        .toList();
  }

  private void startAgent(String node) {
    AgentConfig config =
        AgentConfig.builder()
            .nodeName(node)
            .masterEndpoints(masters.endpoints())
            .runtime(RuntimeKind.SIMULATED)
            .dataDir(dir.resolve("agents").resolve(node))
            .bindAddress("127.0.0.1")
            .callTimeout(Duration.ofSeconds(5))
            .build();
    agents.put(node, NodeAgent.create(config, runtimes.get(node), Channels::plaintext).start());
  }

  private static PodSpec podSpec() {
    return PodSpec.newBuilder()
        .addContainers(
            Container.newBuilder()
                .setName("main")
                .setImage("app:1")
                .setResources(
                    ResourceRequirements.newBuilder()
                        .putRequests("cpu", "10m")
                        .putRequests("memory", "16Mi")))
        .build();
  }

  private static Deployment deployment() {
    return Deployment.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setNamespace(NS).setName("fleet"))
        .setSpec(
            DeploymentSpec.newBuilder()
                .setReplicas(REPLICAS)
                .setSelector(LabelSelector.newBuilder().putMatchLabels("app", "fleet"))
                .setTemplate(
                    PodTemplateSpec.newBuilder()
                        .setMetadata(ObjectMeta.newBuilder().putLabels("app", "fleet"))
                        .setSpec(podSpec())))
        .build();
  }

  private static void retry(Runnable call) throws InterruptedException {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (true) {
      try {
        call.run();
        return;
      } catch (RuntimeException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(25);
      }
    }
  }

  private static void until(String what, Supplier<Boolean> done) throws InterruptedException {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (true) {
      try {
        if (done.get()) {
          return;
        }
      } catch (RuntimeException e) {
        // Not there yet (e.g. a master starting or failing over).
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out waiting until " + what);
      }
      Thread.sleep(25);
    }
  }

  private static String join(List<Double> xs) {
    return xs.stream()
        .map(x -> String.format(Locale.ROOT, "%.2f", x))
        .collect(Collectors.joining(", "));
  }

  private void close() {
    for (NodeAgent a : agents.values()) {
      try {
        a.close();
      } catch (RuntimeException e) {
        System.err.println("closing an agent: " + e);
      }
    }
    if (client != null) {
      client.close();
    }
    masters.close();
    runtimes.values().forEach(SimulatedRuntime::close);
  }
}
