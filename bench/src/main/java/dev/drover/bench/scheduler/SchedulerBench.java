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
 * <p>Usage: {@code bench/run scheduler [--in-flight=N] [--api-only] [--no-warmup] [nodes
 * [workload...]]} (default: 5000 nodes, all four workloads: basic, affinity, antiaffinity, spread;
 * {@value ApiSchedulerRun#DEFAULT_IN_FLIGHT} creates in flight; {@code --api-only} skips the second
 * table). Before the first table a short basic run on a master of its own warms the JVM up (its
 * figures are printed and not counted): a master runs for days, and without it the first workload
 * pays for compiling the whole request path.
 */
public final class SchedulerBench {

  private static final String ZONE = "topology.kubernetes.io/zone";
  private static final String HOSTNAME = "kubernetes.io/hostname";

  /** Namespace of every benchmark pod. */
  static final String NAMESPACE = "bench";

  /**
   * kube-scheduler's published scheduler_perf CI thresholds for 5,000 nodes (pods/s; for basic the
   * upper end of the 680-810 range), on machines larger than this one.
   */
  private static final Map<String, Double> KUBE_SCHEDULER_THRESHOLD =
      Map.of("basic", 810.0, "affinity", 220.0, "antiaffinity", 60.0);

  private SchedulerBench() {}

  /** A workload: initial pods, measured pods, and how to make each. */
  private record Workload(String name, int initPods, int measuredPods, IntFunction<Pod> pod) {}

  public static void main(String[] argv) throws Exception {
    int inFlight = ApiSchedulerRun.DEFAULT_IN_FLIGHT;
    boolean apiOnly = false;
    boolean warmUp = true;
    List<String> rest = new ArrayList<>();
    for (String a : argv) {
      if (a.equals("--no-warmup")) {
        warmUp = false;
      } else if (a.startsWith("--in-flight=")) {
        inFlight = Integer.parseInt(a.substring("--in-flight=".length()));
      } else if (a.equals("--api-only")) {
        apiOnly = true;
      } else {
        rest.add(a);
      }
    }
    String[] args = rest.toArray(new String[0]);
    int nodes = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
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
        "scheduler_perf-style workloads, %d nodes (Node objects only), %d cores, JDK %s%n",
        nodes,
        Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.version"));
    System.out.println();
    System.out.println(
        "1. Through the API: one master (embedded one-member Ratis store, scheduler only),"
            + " pods created by "
            + inFlight
            + " concurrent API calls, bound as seen by a watch;"
            + " store calls and writes per measured pod.");
    System.out.printf(
        Locale.ROOT,
        "%-13s %6s %9s %10s %12s %10s %16s %7s %7s%n",
        "workload",
        "init",
        "measured",
        "pods/s",
        "creates/s",
        "seconds",
        "vs kube-scheduler",
        "calls",
        "writes");
    if (warmUp) {
      try (ApiSchedulerRun run = new ApiSchedulerRun(inFlight)) {
        ApiSchedulerRun.Figures f =
            run.run(Math.min(nodes, 1000), 500, 5000, i -> basePod("warmup-" + i).build());
        System.out.printf(
            Locale.ROOT,
            "%-13s %6d %9d %10.0f %12.0f %10.1f %16s  (JIT warm-up, not counted)%n",
            "warm-up",
            500,
            5000,
            f.podsPerSecond(),
            f.createsPerSecond(),
            f.seconds(),
            "-");
      }
    }
    StringBuilder result = new StringBuilder("RESULT scheduler");
    Map<String, Map<String, Double>> cpu = new LinkedHashMap<>();
    for (Workload w : workloads) {
      ApiSchedulerRun.Figures f;
      try (ApiSchedulerRun run = new ApiSchedulerRun(inFlight)) {
        f = run.run(nodes, w.initPods, w.measuredPods, w.pod);
      }
      Double peer = KUBE_SCHEDULER_THRESHOLD.get(w.name);
      System.out.printf(
          Locale.ROOT,
          "%-13s %6d %9d %10.0f %12.0f %10.1f %16s %7.2f %7.2f%n",
          w.name,
          w.initPods,
          w.measuredPods,
          f.podsPerSecond(),
          f.createsPerSecond(),
          f.seconds(),
          peer == null
              ? "-"
              : String.format(Locale.ROOT, "%.2fx of %.0f", f.podsPerSecond() / peer, peer),
          f.storeCallsPerPod(),
          f.storeWritesPerPod());
      result.append(String.format(Locale.ROOT, " %s_pps=%.0f", w.name, f.podsPerSecond()));
      cpu.put(w.name, f.cpuMillisPerPod());
    }
    printCpu(cpu);
    if (apiOnly) {
      System.out.println(result);
      return;
    }
    System.out.println();
    System.out.println(
        "2. The scheduling loop alone (in-memory binder, no API server or store), and the"
            + " placement algorithm alone (schedule + assume, one thread).");
    System.out.printf(
        Locale.ROOT,
        "%-13s %8s %10s %14s %14s%n",
        "workload",
        "init",
        "measured",
        "algorithm p/s",
        "loop p/s");
    StringBuilder loopResult = new StringBuilder();
    for (Workload w : workloads) {
      double loop = runLoop(w, nodes);
      double algo = runAlgorithm(w, nodes);
      System.out.printf(
          Locale.ROOT,
          "%-13s %8d %10d %14.0f %14.0f%n",
          w.name,
          w.initPods,
          w.measuredPods,
          algo,
          loop);
      loopResult.append(
          String.format(
              Locale.ROOT, " %s_loop_pps=%.0f %s_algo_pps=%.0f", w.name, loop, w.name, algo));
    }
    System.out.println(result.append(loopResult));
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
