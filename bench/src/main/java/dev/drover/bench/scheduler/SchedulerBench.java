package dev.drover.bench.scheduler;

import dev.drover.api.Conditions;
import dev.drover.api.v1.Affinity;
import dev.drover.api.v1.Condition;
import dev.drover.api.v1.ConditionStatus;
import dev.drover.api.v1.Container;
import dev.drover.api.v1.Event;
import dev.drover.api.v1.LabelSelector;
import dev.drover.api.v1.Node;
import dev.drover.api.v1.NodeAffinity;
import dev.drover.api.v1.NodeSelector;
import dev.drover.api.v1.NodeSelectorOperator;
import dev.drover.api.v1.NodeSelectorRequirement;
import dev.drover.api.v1.NodeSelectorTerm;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodAffinityTerm;
import dev.drover.api.v1.PodAntiAffinity;
import dev.drover.api.v1.ResourceRequirements;
import dev.drover.api.v1.Taint;
import dev.drover.api.v1.TaintEffect;
import dev.drover.api.v1.TopologySpreadConstraint;
import dev.drover.api.v1.UnsatisfiableConstraintAction;
import dev.drover.bench.BenchSupport;
import dev.drover.master.events.EventRecorder;
import dev.drover.master.events.EventSink;
import dev.drover.master.scheduler.Binder;
import dev.drover.master.scheduler.ClusterEventHandler;
import dev.drover.master.scheduler.ClusterEventSource;
import dev.drover.master.scheduler.Evictor;
import dev.drover.master.scheduler.PlacementAlgorithm;
import dev.drover.master.scheduler.ScheduleResult;
import dev.drover.master.scheduler.SchedulerConfig;
import dev.drover.master.scheduler.SchedulerLoop;
import dev.drover.master.scheduler.StatusWriter;
import dev.drover.master.scheduler.framework.ClusterSnapshot;
import dev.drover.master.scheduler.framework.PodInfo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

/**
 * Scheduler throughput in the shape of kube-scheduler's scheduler_perf, with 5,000 nodes given as
 * Node objects alone: (a) SchedulingBasic, (b) required node affinity, (c) required pod
 * anti-affinity by hostname, (d) topology spread by zone. For each workload it first places the
 * initial pods, then measures how fast the measured pods get placed and bound.
 *
 * <p>The figures that count ({@link ApiSchedulerRun}) go through the real master: pods are created
 * through the API server, bound by the scheduler through the store, and seen bound by a watch. A
 * second table shows the {@link SchedulerLoop} (queue, assume, batched binding on its writer
 * thread) against an in-memory binder and the pure placement algorithm (schedule + assume, one
 * thread), to tell the scheduler's own cost from the API's and the store's.
 *
 * <p>Usage: {@code bench/run scheduler [--rounds=N] [--in-flight=N] [--api-only] [--no-warmup]
 * [nodes [workload...]]} (default: 3 rounds, 5000 nodes, all four workloads: basic, affinity,
 * antiaffinity, spread; {@value ApiSchedulerRun#DEFAULT_IN_FLIGHT} creates in flight; {@code
 * --api-only} skips the second table; {@code --insecure-client} calls as the {@code --insecure}
 * principal, which the per-client rate limit holds to 1,000 calls/s, instead of as a
 * cluster-admin). The master runs with its defaults; every run's placements are checked ({@link
 * PlacementCheck}) and the harness exits 1 unless there are none. No peer can run here:
 * kube-scheduler's published thresholds are printed as a reference only. Before the first table a
 * short basic run on a master of its own warms the JVM up (its figures are printed and not
 * counted): a master runs for days, and without it the first workload pays for compiling the whole
 * request path.
 */
public final class SchedulerBench {

  private static final String ZONE = "topology.kubernetes.io/zone";
  private static final String HOSTNAME = "kubernetes.io/hostname";

  /** Namespace of every benchmark pod. */
  static final String NAMESPACE = "bench";

  /**
   * kube-scheduler's published scheduler_perf CI thresholds for 5,000 nodes (pods/s; for basic the
   * upper end of the 680-810 range), on machines larger than this one: a reference, not a
   * measurement (kube-scheduler cannot run here), so no ratio is printed against them.
   */
  private static final Map<String, Double> KUBE_SCHEDULER_THRESHOLD =
      Map.of("basic", 810.0, "affinity", 220.0, "antiaffinity", 60.0);

  /** One node in this many carries a NoSchedule taint no benchmark pod tolerates. */
  static final int TAINTED_EVERY = 100;

  private SchedulerBench() {}

  /** A workload: initial pods, measured pods, and how to make each. */
  private record Workload(String name, int initPods, int measuredPods, IntFunction<Pod> pod) {}

  public static void main(String[] argv) throws Exception {
    int inFlight = ApiSchedulerRun.DEFAULT_IN_FLIGHT;
    int rounds = 3;
    boolean apiOnly = false;
    boolean warmUp = true;
    boolean insecureClient = false;
    List<String> flags = new ArrayList<>();
    List<String> rest = new ArrayList<>();
    for (String a : argv) {
      if (a.equals("--no-warmup")) {
        warmUp = false;
        flags.add(a);
      } else if (a.startsWith("--in-flight=")) {
        inFlight = Integer.parseInt(a.substring("--in-flight=".length()));
        flags.add(a);
      } else if (a.startsWith("--rounds=")) {
        rounds = Integer.parseInt(a.substring("--rounds=".length()));
        if (rounds < 1) {
          throw new IllegalArgumentException("--rounds must be at least 1");
        }
      } else if (a.equals("--insecure-client")) {
        insecureClient = true;
        flags.add(a);
      } else if (a.equals("--api-only")) {
        apiOnly = true;
      } else {
        rest.add(a);
      }
    }
    String[] args = rest.toArray(new String[0]);
    int nodes = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
    if (nodes != 5000) {
      flags.add("nodes=" + nodes);
    }
    List<Workload> all =
        List.of(
            new Workload("basic", 1000, 10000, i -> basePod("basic-" + i).build()),
            new Workload("affinity", 1000, 5000, SchedulerBench::affinityPod),
            new Workload("antiaffinity", 1000, 1000, SchedulerBench::antiAffinityPod),
            new Workload("spread", 1000, 5000, SchedulerBench::spreadPod));
    List<String> only = List.of(args).subList(Math.min(1, args.length), args.length);
    List<Workload> workloads =
        all.stream().filter(w -> only.isEmpty() || only.contains(w.name)).toList();
    System.out.printf(
        Locale.ROOT,
        "scheduler_perf-style workloads, %d nodes (Node objects only, 1 in %d tainted"
            + " NoSchedule), %d rounds, %d cores, JDK %s, load average %s%n",
        nodes,
        TAINTED_EVERY,
        rounds,
        Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.version"),
        BenchSupport.loadAverage());
    System.out.println(
        "peer: none. kube-scheduler cannot run here (no binary, no kube-apiserver); its"
            + " published scheduler_perf CI thresholds are shown for reference, not measured.");
    System.out.println();
    System.out.println(
        "1. Through the API: one master with its default settings (embedded one-member Ratis"
            + " store, scheduler only), pods created by "
            + inFlight
            + " concurrent API calls through DroverClient as "
            + (insecureClient
                ? "the --insecure principal (rate limited per address)"
                : "a cluster-admin (exempt from the rate limit, as scheduler_perf's client)")
            + ", bound as seen by a watch; after each"
            + " run every placement is checked (resources, taints, node affinity,"
            + " anti-affinity, spread skew).");
    System.out.printf(
        Locale.ROOT,
        "%-5s %-13s %6s %9s %10s %12s %10s %10s %7s %7s %10s %10s%n",
        "round",
        "workload",
        "init",
        "measured",
        "pods/s",
        "creates/s",
        "seconds",
        "pushbacks",
        "calls",
        "writes",
        "violations",
        "step-downs");
    if (warmUp) {
      try (ApiSchedulerRun run = new ApiSchedulerRun(inFlight, insecureClient)) {
        ApiSchedulerRun.Figures f =
            run.run(Math.min(nodes, 1000), 500, 5000, i -> basePod("warmup-" + i).build());
        System.out.printf(
            Locale.ROOT,
            "%-5s %-13s %6d %9d %10.0f %12.0f %10.1f %10d %30d  (JIT warm-up, not counted)%n",
            "-",
            "warm-up",
            500,
            5000,
            f.podsPerSecond(),
            f.createsPerSecond(),
            f.seconds(),
            f.pushbackResends(),
            f.stepDowns());
      }
    }
    Map<String, List<Double>> pps = new LinkedHashMap<>();
    Map<String, List<Double>> creates = new LinkedHashMap<>();
    Map<String, List<Map<String, Double>>> cpu = new LinkedHashMap<>();
    Map<String, Integer> violations = new TreeMap<>();
    int stepDowns = 0;
    List<String> examples = new ArrayList<>();
    // Rounds interleave the workloads, so that a burst of load on the shared machine does not
    // fall on one workload's rounds alone.
    for (int r = 1; r <= rounds; r++) {
      for (Workload w : workloads) {
        ApiSchedulerRun.Figures f;
        try (ApiSchedulerRun run = new ApiSchedulerRun(inFlight, insecureClient)) {
          f = run.run(nodes, w.initPods, w.measuredPods, w.pod);
        }
        System.out.printf(
            Locale.ROOT,
            "%-5d %-13s %6d %9d %10.0f %12.0f %10.1f %10d %7.2f %7.2f %10d %10d%n",
            r,
            w.name,
            w.initPods,
            w.measuredPods,
            f.podsPerSecond(),
            f.createsPerSecond(),
            f.seconds(),
            f.pushbackResends(),
            f.storeCallsPerPod(),
            f.storeWritesPerPod(),
            f.placements().total(),
            f.stepDowns());
        stepDowns += f.stepDowns();
        pps.computeIfAbsent(w.name, k -> new ArrayList<>()).add(f.podsPerSecond());
        creates.computeIfAbsent(w.name, k -> new ArrayList<>()).add(f.createsPerSecond());
        cpu.computeIfAbsent(w.name, k -> new ArrayList<>()).add(f.cpuMillisPerPod());
        f.placements().byRule().forEach((rule, n) -> violations.merge(rule, n, Integer::sum));
        String where = w.name + " round " + r + ": ";
        f.placements().examples().forEach(e -> examples.add(where + e));
      }
    }
    int violationCount = violations.values().stream().mapToInt(Integer::intValue).sum();
    System.out.println();
    System.out.println(
        "1a. Medians of the rounds; kube-scheduler's figure is its published CI threshold for"
            + " 5,000 nodes on larger machines (published, not measured: no ratio).");
    System.out.printf(
        Locale.ROOT,
        "%-13s %22s %10s %12s %12s %28s%n",
        "workload",
        "pods/s, rounds",
        "median",
        "spread",
        "creates/s",
        "kube-scheduler (published)");
    StringBuilder result = new StringBuilder("RESULT scheduler");
    for (Workload w : workloads) {
      List<Double> v = pps.get(w.name);
      Double published = KUBE_SCHEDULER_THRESHOLD.get(w.name);
      System.out.printf(
          Locale.ROOT,
          "%-13s %22s %10s %12s %12s %28s%n",
          w.name,
          BenchSupport.rounds(v, "%.0f"),
          BenchSupport.medianText(v, "%.0f"),
          BenchSupport.spread(v, "%.0f"),
          BenchSupport.medianText(creates.get(w.name), "%.0f"),
          published == null ? "-" : String.format(Locale.ROOT, "%.0f", published));
      result.append(String.format(Locale.ROOT, " %s_pps=%.0f", w.name, BenchSupport.median(v)));
    }
    System.out.println(
        "violations: " + (violations.isEmpty() ? "none" : violations) + " over all rounds");
    examples.forEach(e -> System.out.println("  " + e));
    result
        .append(" violations=")
        .append(violationCount)
        .append(" peer=none rounds=")
        .append(rounds)
        .append(" step_downs=")
        .append(stepDowns);
    if (!flags.isEmpty()) {
      result.append(" flags=").append(String.join(",", flags));
    }
    printCpu(medians(cpu));
    if (!apiOnly) {
      printInternals(workloads, nodes, rounds);
    }
    System.out.println(result);
    if (violationCount > 0) {
      // A placement that breaks a rule is a wrong answer, however fast: the run fails.
      System.err.println("scheduler: " + violationCount + " placement violation(s); the run fails");
      System.exit(1);
    }
  }

  /** Per workload and thread group, the median of the rounds' CPU milliseconds per pod. */
  private static Map<String, Map<String, Double>> medians(
      Map<String, List<Map<String, Double>>> perRound) {
    Map<String, Map<String, Double>> out = new LinkedHashMap<>();
    perRound.forEach(
        (w, rounds) -> {
          Map<String, Double> m = new LinkedHashMap<>();
          for (String group : rounds.get(0).keySet()) {
            m.put(
                group,
                BenchSupport.median(rounds.stream().map(r -> r.getOrDefault(group, 0.0)).toList()));
          }
          out.put(w, m);
        });
    return out;
  }

  /** Table 2: the scheduling loop and the placement algorithm alone, rounds and medians. */
  private static void printInternals(List<Workload> workloads, int nodes, int rounds)
      throws InterruptedException {
    System.out.println();
    System.out.println(
        "2. The scheduling loop alone (in-memory binder, no API server or store), and the"
            + " placement algorithm alone (schedule + assume, one thread); pods/s, rounds and"
            + " median.");
    System.out.printf(
        Locale.ROOT,
        "%-13s %8s %10s %24s %8s %24s %8s%n",
        "workload",
        "init",
        "measured",
        "algorithm, rounds",
        "median",
        "loop, rounds",
        "median");
    for (Workload w : workloads) {
      List<Double> loop = new ArrayList<>();
      List<Double> algo = new ArrayList<>();
      for (int r = 0; r < rounds; r++) {
        loop.add(runLoop(w, nodes));
        algo.add(runAlgorithm(w, nodes));
      }
      System.out.printf(
          Locale.ROOT,
          "%-13s %8d %10d %24s %8s %24s %8s%n",
          w.name,
          w.initPods,
          w.measuredPods,
          BenchSupport.rounds(algo, "%.0f"),
          BenchSupport.medianText(algo, "%.0f"),
          BenchSupport.rounds(loop, "%.0f"),
          BenchSupport.medianText(loop, "%.0f"));
    }
  }

  /** Table 1b: CPU milliseconds per measured pod, by group of threads, per workload. */
  private static void printCpu(Map<String, Map<String, Double>> cpu) {
    if (cpu.isEmpty()) {
      return;
    }
    System.out.println();
    System.out.println(
        "1b. CPU of the benchmark JVM per measured pod (ms), from the first measured create"
            + " to the last bind; load average now "
            + BenchSupport.loadAverage());
    System.out.printf(Locale.ROOT, "%-28s", "threads");
    for (String w : cpu.keySet()) {
      System.out.printf(Locale.ROOT, " %12s", w);
    }
    System.out.println();
    for (String group : cpu.values().iterator().next().keySet()) {
      System.out.printf(Locale.ROOT, "%-28s", group);
      for (Map<String, Double> perGroup : cpu.values()) {
        System.out.printf(Locale.ROOT, " %12.3f", perGroup.getOrDefault(group, 0.0));
      }
      System.out.println();
    }
  }

  /** Pods per second of schedule + assume alone, after placing the initial pods. */
  private static double runAlgorithm(Workload w, int nodeCount) {
    ClusterSnapshot snap = new ClusterSnapshot();
    for (int i = 0; i < nodeCount; i++) {
      snap.upsertNode(node(i));
    }
    PlacementAlgorithm algo = new PlacementAlgorithm(SchedulerConfig.defaults(1));
    place(algo, snap, w, 0, w.initPods);
    long start = System.nanoTime();
    int placed = place(algo, snap, w, w.initPods, w.initPods + w.measuredPods);
    double seconds = (System.nanoTime() - start) / 1e9;
    if (placed != w.measuredPods) {
      throw new IllegalStateException(
          w.name + ": only " + placed + " of " + w.measuredPods + " pods fit");
    }
    return placed / seconds;
  }

  private static int place(
      PlacementAlgorithm algo, ClusterSnapshot snap, Workload w, int from, int to) {
    int placed = 0;
    for (int i = from; i < to; i++) {
      PodInfo p = PodInfo.of(w.pod.apply(i));
      ScheduleResult r = algo.schedule(p, snap);
      if (r.scheduled()) {
        snap.assume(p, r.nodeName());
        placed++;
      }
    }
    return placed;
  }

  /** Pods per second through the scheduling loop, from enqueue to confirmed binding. */
  private static double runLoop(Workload w, int nodeCount) throws InterruptedException {
    InMemoryCluster cluster = new InMemoryCluster();
    for (int i = 0; i < nodeCount; i++) {
      cluster.nodes.add(node(i));
    }
    try (SchedulerLoop loop =
        new SchedulerLoop(
            SchedulerConfig.defaults(1),
            SchedulerLoop.DEFAULT_SCHEDULER_NAME,
            cluster,
            cluster,
            cluster,
            new EventRecorder(cluster, java.time.Clock.systemUTC(), "bench-scheduler"),
            cluster,
            System::nanoTime)) {
      loop.start();
      for (int i = 0; i < w.initPods; i++) {
        cluster.submit(w.pod.apply(i));
      }
      cluster.awaitBound(w.initPods);
      List<Pod> measured = new ArrayList<>(w.measuredPods);
      for (int i = w.initPods; i < w.initPods + w.measuredPods; i++) {
        measured.add(w.pod.apply(i));
      }
      long start = System.nanoTime();
      for (Pod p : measured) {
        cluster.submit(p);
      }
      cluster.awaitBound(w.initPods + w.measuredPods);
      double seconds = (System.nanoTime() - start) / 1e9;
      return w.measuredPods / seconds;
    }
  }

  static Node node(int i) {
    String name = "node-" + i;
    Node.Builder b = Node.newBuilder();
    if (i % TAINTED_EVERY == TAINTED_EVERY - 1) {
      // No benchmark pod tolerates it: the placement check counts any pod put there.
      b.getSpecBuilder()
          .addTaints(
              Taint.newBuilder()
                  .setKey("bench.drover.dev/reserved")
                  .setValue("true")
                  .setEffect(TaintEffect.TAINT_EFFECT_NO_SCHEDULE));
    }
    b.setMetadata(
        ObjectMeta.newBuilder()
            .setName(name)
            .putLabels(HOSTNAME, name)
            .putLabels(ZONE, "zone" + (i % 4 + 1)));
    b.getStatusBuilder()
        .putAllocatable("cpu", "4")
        .putAllocatable("memory", "32Gi")
        .putAllocatable("pods", "110")
        .addConditions(
            Condition.newBuilder()
                .setType(Conditions.READY)
                .setStatus(ConditionStatus.CONDITION_STATUS_TRUE));
    return b.build();
  }

  /** scheduler_perf's default pod: one container requesting 100m CPU and 500Mi memory. */
  private static Pod.Builder basePod(String name) {
    Pod.Builder b = Pod.newBuilder();
    b.setMetadata(
        ObjectMeta.newBuilder()
            .setName(name)
            .setNamespace(NAMESPACE)
            .setUid("uid-" + name)
            .setResourceVersion(1));
    b.getSpecBuilder()
        .addContainers(
            Container.newBuilder()
                .setName("pause")
                .setImage("registry.k8s.io/pause:3.9")
                .setResources(
                    ResourceRequirements.newBuilder()
                        .putRequests("cpu", "100m")
                        .putRequests("memory", "500Mi")));
    return b;
  }

  /** Required node affinity to two of the four zones. */
  private static Pod affinityPod(int i) {
    Pod.Builder b = basePod("affinity-" + i);
    b.getSpecBuilder()
        .setAffinity(
            Affinity.newBuilder()
                .setNodeAffinity(
                    NodeAffinity.newBuilder()
                        .setRequiredDuringSchedulingIgnoredDuringExecution(
                            NodeSelector.newBuilder()
                                .addNodeSelectorTerms(
                                    NodeSelectorTerm.newBuilder()
                                        .addMatchExpressions(
                                            NodeSelectorRequirement.newBuilder()
                                                .setKey(ZONE)
                                                .setOperator(
                                                    NodeSelectorOperator.NODE_SELECTOR_OPERATOR_IN)
                                                .addValues("zone1")
                                                .addValues("zone2"))))));
    return b.build();
  }

  /** At most one pod of the group per node (required anti-affinity by hostname). */
  private static Pod antiAffinityPod(int i) {
    Pod.Builder b = basePod("anti-" + i);
    b.getMetadataBuilder().putLabels("color", "green");
    b.getSpecBuilder()
        .setAffinity(
            Affinity.newBuilder()
                .setPodAntiAffinity(
                    PodAntiAffinity.newBuilder()
                        .addRequiredDuringSchedulingIgnoredDuringExecution(
                            PodAffinityTerm.newBuilder()
                                .setTopologyKey(HOSTNAME)
                                .setLabelSelector(
                                    LabelSelector.newBuilder().putMatchLabels("color", "green")))));
    return b.build();
  }

  /** Even spread over zones (DoNotSchedule, maxSkew 1). */
  private static Pod spreadPod(int i) {
    Pod.Builder b = basePod("spread-" + i);
    b.getMetadataBuilder().putLabels("app", "spread");
    b.getSpecBuilder()
        .addTopologySpreadConstraints(
            TopologySpreadConstraint.newBuilder()
                .setMaxSkew(1)
                .setTopologyKey(ZONE)
                .setWhenUnsatisfiable(
                    UnsatisfiableConstraintAction.UNSATISFIABLE_CONSTRAINT_ACTION_DO_NOT_SCHEDULE)
                .setLabelSelector(LabelSelector.newBuilder().putMatchLabels("app", "spread")));
    return b.build();
  }

  /**
   * The master as the loop sees it, reduced to what the benchmark needs: it lists the nodes on
   * subscription and binds by setting spec.node_name, echoing the bound pod like a watch would.
   */
  private static final class InMemoryCluster
      implements ClusterEventSource, Binder, StatusWriter, EventSink, Evictor {
    final List<Node> nodes = new ArrayList<>();
    final Map<String, Pod> pods = new ConcurrentHashMap<>();
    final AtomicLong bound = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    volatile ClusterEventHandler handler;

    @Override
    public AutoCloseable subscribe(ClusterEventHandler h) {
      handler = h;
      nodes.forEach(h::nodeUpserted);
      return () -> handler = null;
    }

    /** Creates a pod: the loop hears of it as a watch event. */
    void submit(Pod p) {
      pods.put(p.getMetadata().getNamespace() + "/" + p.getMetadata().getName(), p);
      handler.podUpserted(p);
    }

    void awaitBound(long count) throws InterruptedException {
      synchronized (this) {
        while (bound.get() < count) {
          if (failed.get() > 0) {
            throw new IllegalStateException(failed.get() + " pod(s) could not be scheduled");
          }
          wait(100);
        }
      }
    }

    @Override
    public List<Outcome> bind(List<Binding> bindings) {
      List<Outcome> out = new ArrayList<>(bindings.size());
      for (Binding b : bindings) {
        Pod p = pods.get(b.namespace() + "/" + b.name());
        Pod boundPod =
            p.toBuilder().setSpec(p.getSpec().toBuilder().setNodeName(b.nodeName())).build();
        pods.put(b.namespace() + "/" + b.name(), boundPod);
        out.add(Outcome.BOUND);
        // The watch echo that confirms the scheduler's assumption.
        handler.podUpserted(boundPod);
      }
      bound.addAndGet(bindings.size());
      synchronized (this) {
        notifyAll();
      }
      return out;
    }

    @Override
    public void markUnschedulable(Pod pod, String message) {
      failed.incrementAndGet();
      System.err.println("unschedulable " + pod.getMetadata().getName() + ": " + message);
    }

    @Override
    public void nominate(Pod pod, String nodeName) {}

    @Override
    public void write(Event event) {}

    @Override
    public void evict(Pod victim, String reason) {}
  }
}
