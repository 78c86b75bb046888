package dev.drover.bench.scale;

import static dev.drover.bench.BenchSupport.loadAverage;

import dev.drover.api.Conditions;
import dev.drover.api.v1.ConfigMap;
import dev.drover.api.v1.ControlServiceGrpc;
import dev.drover.api.v1.CreateRequest;
import dev.drover.api.v1.GetRequest;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.ListRequest;
import dev.drover.api.v1.ListResponse;
import dev.drover.api.v1.Namespace;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.WatchEvent;
import dev.drover.api.v1.WatchEventBatch;
import dev.drover.api.v1.WatchEventType;
import dev.drover.api.v1.WatchRequest;
import dev.drover.bench.BenchSupport;
import dev.drover.bench.MasterProcesses;
import dev.drover.bench.Poll;
import dev.drover.testing.TestObjects;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * {@code bench/run scale [--steps N/P,...] [--hold S] [--budget-minutes M]}: how large a cluster
 * one master holds on this machine. One master process ({@code drover master}, shipped JVM options,
 * its own embedded store, scheduler and controllers on), and simulated nodes in this process
 * ({@link SimNodes}: each registers, beats every 5 s, watches its pods and reports them Running).
 * Steps go up in nodes and pods (default 500/5k, 1k/30k, 2k/60k, 5k/150k, Kubernetes' published
 * limit): nodes are added, then pods created through the API (32 creates in flight) until the
 * step's count is bound and reported Running, then the step is held for {@code --hold} seconds
 * (default 30) while a probe measures the API: ConfigMap creates (10/s), node gets (10/s), pod list
 * pages of 500 (1/s), and a watch of the ConfigMaps (delay from the create's answer to delivery).
 * After the probe it reads the master's live heap ({@code jcmd GC.class_histogram}, which collects
 * fully first), so memory per pod is told apart from the heap's growth.
 *
 * <p>A step holds when all its pods run, no node left Ready, and the p99 of every probed call is at
 * most 1 s. The run stops at the first step that does not hold, and when the time budget (default
 * 18 minutes) would be passed. Kubernetes' figure (5,000 nodes, 150,000 pods) is its published
 * limit, not measured here.
 */
public final class ScaleBench {
  private static final int IN_FLIGHT = 32;
  private static final double API_P99_LIMIT_MS = 1000;
  private static final String PROBE_NS = "scale-probe";

  private final MasterProcesses master;
  private final SimNodes sim;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final long startNanos = System.nanoTime();
  private final long budgetNanos;
  private int podsCreated;
  private int probeIndex;
  private long baselineHeap;
  private final AtomicLong resends = new AtomicLong();
  private final java.util.concurrent.ScheduledExecutorService resender =
      java.util.concurrent.Executors.newSingleThreadScheduledExecutor();

  private static final io.grpc.Metadata.Key<String> PUSHBACK =
      io.grpc.Metadata.Key.of("grpc-retry-pushback-ms", io.grpc.Metadata.ASCII_STRING_MARSHALLER);

  /** One step's figures. */
  private record Step(
      int nodes,
      int pods,
      boolean held,
      String why,
      double createPerS,
      double boundPerS,
      double heartbeatPerS,
      double heartbeatP99Ms,
      double writeP99Ms,
      double getP99Ms,
      double listP99Ms,
      double watchP99Ms,
      double rssMb,
      double liveHeapMb,
      double liveKbPerPod,
      long notReady) {
    double apiP99() {
      return Math.max(writeP99Ms, Math.max(getP99Ms, listP99Ms));
    }
  }

  private ScaleBench(Path dir, long budgetNanos) {
    this.budgetNanos = budgetNanos;
    master = new MasterProcesses(dir, 1).startAll();
    // Channel 0: the probe and the harness's reads; 1-3: the pod creator (another client).
    channels.add(SourceAddress.channel(master.endpoints().get(0), SourceAddress.loopback(0)));
    for (int i = 1; i < 4; i++) {
      channels.add(SourceAddress.channel(master.endpoints().get(0), SourceAddress.loopback(1)));
    }
    sim = new SimNodes(master.endpoints().get(0));
  }

  public static void main(String[] args) throws Exception {
    String steps = "500/5000,1000/30000,2000/60000,5000/150000";
    int hold = 30;
    int budgetMinutes = 18;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--steps" -> steps = args[++i];
        case "--hold" -> hold = Integer.parseInt(args[++i]);
        case "--budget-minutes" -> budgetMinutes = Integer.parseInt(args[++i]);
        default ->
            throw new IllegalArgumentException(
                "unknown argument "
                    + args[i]
                    + "; usage: [--steps N/P,...] [--hold S] [--budget-minutes M]");
      }
    }
    System.out.printf(
        Locale.ROOT,
        "scale bench: 1 master process, simulated nodes in this JVM, steps %s, hold %d s,"
            + " budget %d min; load %s%n",
        steps,
        hold,
        budgetMinutes,
        loadAverage());
    Path dir = Files.createTempDirectory("drover-bench-scale");
    ScaleBench bench = new ScaleBench(dir, TimeUnit.MINUTES.toNanos(budgetMinutes));
    List<Step> done = new ArrayList<>();
    int code = 0;
    try {
      bench.awaitMaster();
      for (String s : steps.split(",")) {
        String[] np = s.split("/");
        Step step = bench.step(Integer.parseInt(np[0]), Integer.parseInt(np[1]), hold);
        done.add(step);
        bench.print(step);
        if (!step.held()) {
          break;
        }
      }
    } catch (Exception e) {
      e.printStackTrace();
      code = 1;
    } finally {
      bench.close();
      BenchSupport.deleteTree(dir);
    }
    report(done);
    System.exit(code);
  }

  private ControlServiceGrpc.ControlServiceBlockingStub stub() {
    return ControlServiceGrpc.newBlockingStub(channels.get(0))
        .withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  private void awaitMaster() {
    Poll.until(
        "the master answers",
        Duration.ofSeconds(180),
        () ->
            stub()
                    .list(ListRequest.newBuilder().setKind(Kind.KIND_NODE).setLimit(1).build())
                    .getResourceVersion()
                > 0);
    createNamespace(PROBE_NS);
    baselineHeap = master.processes().values().stream().mapToLong(p -> liveHeap(p)).sum();
  }

  private void createNamespace(String name) {
    Poll.retry(
        Duration.ofSeconds(60),
        () -> {
          try {
            stub()
                .create(
                    CreateRequest.newBuilder()
                        .setObject(
                            Object.newBuilder()
                                .setNamespace(
                                    Namespace.newBuilder()
                                        .setMetadata(ObjectMeta.newBuilder().setName(name))))
                        .build());
          } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() != Status.Code.ALREADY_EXISTS) {
              throw e;
            }
          }
        });
  }

  private boolean overBudget() {
    return System.nanoTime() - startNanos > budgetNanos;
  }

  private Step step(int nodes, int pods, int holdSeconds) throws Exception {
    System.out.printf(
        Locale.ROOT,
        "step %d nodes / %d pods: adding nodes (creates resent after a pushback so far: %d);"
            + " load %s%n",
        nodes,
        pods,
        resends.get(),
        loadAverage());
    sim.add(sim.size(), nodes);
    String ns = "scale-" + nodes;
    createNamespace(ns);
    long running0 = sim.podsRunning.get();
    long t0 = System.nanoTime();
    int toCreate = pods - podsCreated;
    String why = createPods(ns, toCreate);
    double createS = (System.nanoTime() - t0) / 1e9;
    // Every pod bound and reported Running, polled every 100 ms, within the budget.
    while (why == null && sim.podsRunning.get() - running0 < toCreate) {
      if (overBudget()) {
        why =
            "time budget passed with "
                + (sim.podsRunning.get() - running0)
                + " of "
                + toCreate
                + " new pods Running";
      }
      Poll.pause(Poll.INTERVAL_MS);
    }
    double boundS = (sim.lastPodSeenNanos.get() - t0) / 1e9;
    Probe probe = new Probe(ns);
    long hb0 = sim.heartbeats.get();
    sim.heartbeatLatency.reset();
    long h0 = System.nanoTime();
    if (why == null) {
      probe.run(holdSeconds);
    }
    double heartbeatPerS = (sim.heartbeats.get() - hb0) / ((System.nanoTime() - h0) / 1e9);
    long notReady = notReadyNodes();
    double rss = master.processes().values().stream().mapToLong(p -> rss(p)).sum() / 1048576.0;
    // After the probe, so the full collection it forces does not land in the figures above.
    double live = master.processes().values().stream().mapToLong(p -> liveHeap(p)).sum();
    if (why == null && notReady > 0) {
      why = notReady + " nodes not Ready";
    }
    Step s =
        new Step(
            nodes,
            pods,
            false,
            why,
            toCreate / createS,
            toCreate / boundS,
            heartbeatPerS,
            ms(sim.heartbeatLatency),
            ms(probe.write),
            ms(probe.get),
            ms(probe.list),
            ms(probe.watch),
            rss,
            live / 1048576.0,
            (live - baselineHeap) / 1024.0 / pods,
            notReady);
    if (why == null && s.apiP99() > API_P99_LIMIT_MS) {
      why = String.format(Locale.ROOT, "API p99 %.0f ms > 1 s", s.apiP99());
    }
    return new Step(
        nodes,
        pods,
        why == null,
        why == null ? "held" : why,
        s.createPerS(),
        s.boundPerS(),
        s.heartbeatPerS(),
        s.heartbeatP99Ms(),
        s.writeP99Ms(),
        s.getP99Ms(),
        s.listP99Ms(),
        s.watchP99Ms(),
        s.rssMb(),
        s.liveHeapMb(),
        s.liveKbPerPod(),
        notReady);
  }

  /**
   * Creates {@code n} pods in {@code ns}, {@value #IN_FLIGHT} at a time; null when all were. A
   * create the master's limiter refused (RESOURCE_EXHAUSTED with a pushback, before any handler
   * ran) is sent again after the pushback, as DroverClient does; any other failure counts.
   */
  private String createPods(String ns, int n) throws InterruptedException {
    Semaphore slots = new Semaphore(IN_FLIGHT);
    AtomicLong failed = new AtomicLong();
    Map<String, String> firstErrors = new ConcurrentHashMap<>();
    for (int i = 0; i < n; i++) {
      if (overBudget()) {
        return "time budget passed while creating pods (" + i + " of " + n + ")";
      }
      slots.acquire();
      Pod pod =
          TestObjects.pod(
                  ns,
                  String.format("p-%06d", podsCreated + i),
                  TestObjects.container("main", "app:1"))
              .build();
      createOne(
          CreateRequest.newBuilder().setObject(Object.newBuilder().setPod(pod)).build(),
          1 + i % 3,
          t -> {
            if (t != null) {
              failed.incrementAndGet();
              Status st = Status.fromThrowable(t);
              firstErrors.putIfAbsent(st.getCode().name(), String.valueOf(st.getDescription()));
            }
            slots.release();
          });
    }
    slots.acquire(IN_FLIGHT);
    podsCreated += n;
    return failed.get() == 0 ? null : failed.get() + " pod creates failed " + firstErrors;
  }

  private void createOne(
      CreateRequest req, int channel, java.util.function.Consumer<Throwable> done) {
    ControlServiceGrpc.newStub(channels.get(channel))
        .withDeadlineAfter(60, TimeUnit.SECONDS)
        .create(
            req,
            new StreamObserver<>() {
              @Override
              public void onNext(Object o) {}

              @Override
              public void onError(Throwable t) {
                io.grpc.Metadata trailers = Status.trailersFromThrowable(t);
                String wait =
                    Status.fromThrowable(t).getCode() == Status.Code.RESOURCE_EXHAUSTED
                            && trailers != null
                        ? trailers.get(PUSHBACK)
                        : null;
                if (wait == null) {
                  done.accept(t);
                  return;
                }
                resends.incrementAndGet();
                resender.schedule(
                    () -> createOne(req, channel, done),
                    Long.parseLong(wait),
                    TimeUnit.MILLISECONDS);
              }

              @Override
              public void onCompleted() {
                done.accept(null);
              }
            });
  }

  private long notReadyNodes() {
    long bad = 0;
    String token = "";
    do {
      ListResponse r =
          stub()
              .list(
                  ListRequest.newBuilder()
                      .setKind(Kind.KIND_NODE)
                      .setLimit(1000)
                      .setContinueToken(token)
                      .build());
      bad += r.getItemsList().stream().filter(o -> !Conditions.isReady(o.getNode())).count();
      token = r.getContinueToken();
    } while (!token.isEmpty());
    return bad;
  }

  private static long rss(Process p) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(p.pid()), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (java.io.IOException e) {
      return 0;
    }
    return 0;
  }

  /**
   * The master's live heap in bytes: {@code jcmd GC.class_histogram} collects fully before it
   * counts, so its total is what the objects held need, whatever the heap's size (0 when jcmd
   * fails).
   */
  private static long liveHeap(Process p) {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    try {
      Process j =
          new ProcessBuilder(jcmd.toString(), Long.toString(p.pid()), "GC.class_histogram")
              .redirectErrorStream(true)
              .start();
      long total = 0;
      try (var r = j.inputReader()) {
        String line;
        while ((line = r.readLine()) != null) {
          if (line.startsWith("Total")) {
            String[] f = line.trim().split("\\s+");
            total = Long.parseLong(f[f.length - 1]);
          }
        }
      }
      j.waitFor(120, TimeUnit.SECONDS);
      return total;
    } catch (java.io.IOException e) {
      return 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    }
  }

  private static double ms(Histogram h) {
    return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(99) / 1e6;
  }

  /** The API probe of a held step: paced calls from one thread each, and a watcher. */
  private final class Probe {
    final Histogram write = new ConcurrentHistogram(TimeUnit.SECONDS.toNanos(120), 3);
    final Histogram get = new ConcurrentHistogram(TimeUnit.SECONDS.toNanos(120), 3);
    final Histogram list = new ConcurrentHistogram(TimeUnit.SECONDS.toNanos(120), 3);
    final Histogram watch = new ConcurrentHistogram(TimeUnit.SECONDS.toNanos(120), 3);
    private final Set<String> failuresSeen = ConcurrentHashMap.newKeySet();
    final String ns;
    final Map<Long, Long> ackAt = new ConcurrentHashMap<>();
    final Map<Long, Long> seenAt = new ConcurrentHashMap<>();

    Probe(String ns) {
      this.ns = ns;
    }

    void run(int seconds) throws InterruptedException {
      // Where the probe's watch starts, not a measured call: a pushback of the master's limiter
      // (RESOURCE_EXHAUSTED) is waited out, as a client would, instead of ending the run.
      AtomicLong start = new AtomicLong();
      Poll.retry(
          Duration.ofSeconds(60),
          () ->
              start.set(
                  stub()
                      .list(
                          ListRequest.newBuilder()
                              .setKind(Kind.KIND_CONFIG_MAP)
                              .setNamespace(PROBE_NS)
                              .setLimit(1)
                              .build())
                      .getResourceVersion()));
      long from = start.get();
      var call = io.grpc.Context.current().withCancellation();
      call.run(
          () ->
              ControlServiceGrpc.newStub(channels.get(1))
                  .watchBatched(
                      WatchRequest.newBuilder()
                          .setKind(Kind.KIND_CONFIG_MAP)
                          .setNamespace(PROBE_NS)
                          .setResourceVersion(from)
                          .build(),
                      new StreamObserver<WatchEventBatch>() {
                        @Override
                        public void onNext(WatchEventBatch b) {
                          long now = System.nanoTime();
                          for (WatchEvent e : b.getEventsList()) {
                            if (e.getType() == WatchEventType.WATCH_EVENT_TYPE_ADDED) {
                              seen(e.getResourceVersion(), now);
                            }
                          }
                        }

                        @Override
                        public void onError(Throwable t) {}

                        @Override
                        public void onCompleted() {}
                      }));
      List<Thread> threads =
          List.of(
              paced("probe-write", 10, seconds, this::writeOne),
              paced("probe-get", 10, seconds, this::getOne),
              paced("probe-list", 1, seconds, this::listOne));
      for (Thread t : threads) {
        t.join();
      }
      // Creates answered but not delivered yet: wait for them, polled every 100 ms, 30 s at most.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!ackAt.isEmpty() && System.nanoTime() < deadline) {
        Poll.pause(Poll.INTERVAL_MS);
      }
      if (!ackAt.isEmpty()) {
        // Never delivered within 30 s: recorded as such rather than dropped.
        ackAt.clear();
        watch.recordValue(TimeUnit.SECONDS.toNanos(30));
      }
      call.cancel(null);
    }

    private void seen(long rv, long now) {
      Long ack = ackAt.remove(rv);
      if (ack != null) {
        watch.recordValue(Math.max(0, now - ack));
      } else {
        seenAt.put(rv, now);
      }
    }

    private void writeOne() {
      long t0 = System.nanoTime();
      Object o =
          stub()
              .create(
                  CreateRequest.newBuilder()
                      .setObject(
                          Object.newBuilder()
                              .setConfigMap(
                                  ConfigMap.newBuilder()
                                      .setMetadata(
                                          ObjectMeta.newBuilder()
                                              .setNamespace(PROBE_NS)
                                              .setName("probe-" + probeIndex++))
                                      .putData("v", "x".repeat(100))))
                      .build());
      long now = System.nanoTime();
      write.recordValue(now - t0);
      long rv = o.getConfigMap().getMetadata().getResourceVersion();
      Long seen = seenAt.remove(rv);
      if (seen != null) {
        watch.recordValue(Math.max(0, seen - now));
      } else {
        ackAt.put(rv, now);
      }
    }

    private void getOne() {
      long t0 = System.nanoTime();
      stub()
          .get(
              GetRequest.newBuilder()
                  .setKind(Kind.KIND_NODE)
                  .setName(String.format("sim-%05d", (int) (Math.random() * sim.size())))
                  .build());
      get.recordValue(System.nanoTime() - t0);
    }

    private void listOne() {
      long t0 = System.nanoTime();
      stub()
          .list(
              ListRequest.newBuilder()
                  .setKind(Kind.KIND_POD)
                  .setNamespace(ns)
                  .setLimit(500)
                  .build());
      list.recordValue(System.nanoTime() - t0);
    }

    /**
     * A thread making {@code call} {@code perSecond} times a second for {@code seconds}, each due
     * at its own time (a late one is made at once, not skipped); a failed call counts as 30 s.
     */
    private Thread paced(String name, int perSecond, int seconds, Runnable call) {
      Thread t =
          new Thread(
              () -> {
                long period = TimeUnit.SECONDS.toNanos(1) / perSecond;
                long start = System.nanoTime();
                for (int i = 0; i < perSecond * seconds; i++) {
                  long wait = start + i * period - System.nanoTime();
                  if (wait > 0) {
                    Poll.pause(TimeUnit.NANOSECONDS.toMillis(wait));
                  }
                  try {
                    call.run();
                  } catch (StatusRuntimeException e) {
                    Histogram h =
                        name.endsWith("write") ? write : name.endsWith("get") ? get : list;
                    h.recordValue(TimeUnit.SECONDS.toNanos(30));
                    // A failed call counts as a full deadline; say once per kind what failed, so
                    // a 30 s p99 reads as an error or as a wait.
                    if (failuresSeen.add(name + " " + e.getStatus().getCode())) {
                      System.err.printf(
                          Locale.ROOT,
                          "%s: a call failed, recorded as 30 s: %s%n",
                          name,
                          e.getStatus());
                    }
                  }
                }
              },
              name);
      t.start();
      return t;
    }
  }

  private void print(Step s) {
    System.out.printf(
        Locale.ROOT,
        "step %d/%d: %s; creates %.0f/s, bound+Running %.0f pods/s; heartbeats %.0f/s (p99 %.0f"
            + " ms); p99 ms: write %.0f, get %.0f, list %.0f, watch %.0f; master RSS %.0f MB,"
            + " live heap %.0f MB (%.1f KB per pod over the idle master's); nodes not Ready %d; failed calls of the simulated nodes so far: heartbeats %d,"
            + " status reports %d, pod watches %d; load %s%n",
        Stream.concat(
                Stream.of(columns(s)),
                Stream.of(
                    s.notReady(),
                    sim.heartbeatErrors.get(),
                    sim.statusErrors.get(),
                    sim.watchErrors.get(),
                    loadAverage()))
            .toArray());
  }

  /** A step's figures in the order of the report's table, which the progress line shares. */
  private static java.lang.Object[] columns(Step s) {
    return new java.lang.Object[] {
      s.nodes(),
      s.pods(),
      s.why(),
      s.createPerS(),
      s.boundPerS(),
      s.heartbeatPerS(),
      s.heartbeatP99Ms(),
      s.writeP99Ms(),
      s.getP99Ms(),
      s.listP99Ms(),
      s.watchP99Ms(),
      s.rssMb(),
      s.liveHeapMb(),
      s.liveKbPerPod()
    };
  }

  private static void report(List<Step> steps) {
    System.out.println();
    System.out.println(
        "| nodes | pods | held | creates/s | scheduled+Running pods/s | heartbeats/s | heartbeat"
            + " p99 ms | write p99 ms | get p99 ms | list p99 ms | watch p99 ms | master RSS MB"
            + " | live heap MB | live KB/pod |");
    System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (Step s : steps) {
      System.out.printf(
          Locale.ROOT,
          "| %d | %d | %s | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f |"
              + " %.1f |%n",
          columns(s));
    }
    Step best = null;
    for (Step s : steps) {
      if (s.held()) {
        best = s;
      }
    }
    System.out.println(
        "peer: Kubernetes' published limit 5,000 nodes / 150,000 pods (not measured)");
    System.out.printf(Locale.ROOT, "load at end: %s%n", loadAverage());
    System.out.printf(
        Locale.ROOT,
        "RESULT scale nodes_held=%d pods_held=%d api_p99_ms=%.0f master_rss_mb=%.0f"
            + " live_heap_mb=%.0f peer=none%n",
        best == null ? 0 : best.nodes(),
        best == null ? 0 : best.pods(),
        best == null ? Double.NaN : best.apiP99(),
        best == null ? Double.NaN : best.rssMb(),
        best == null ? Double.NaN : best.liveHeapMb());
  }

  private void close() {
    resender.shutdownNow();
    sim.close();
    channels.forEach(ManagedChannel::shutdownNow);
    master.close();
  }
}
