package dev.drover.bench.api;

import static dev.drover.bench.BenchSupport.deleteTree;
import static dev.drover.bench.BenchSupport.loadAverage;

import dev.drover.api.v1.Container;
import dev.drover.api.v1.ControlServiceGrpc;
import dev.drover.api.v1.CreateRequest;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.ListRequest;
import dev.drover.api.v1.Namespace;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodSpec;
import dev.drover.api.v1.UpdateRequest;
import dev.drover.client.Channels;
import dev.drover.master.Master;
import dev.drover.master.metrics.StoreMetrics;
import dev.drover.store.KvStores;
import dev.drover.store.api.Peer;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * The control API under a fixed write rate, three masters on loopback in this JVM (each embedding
 * one member of the Ratis store), the watchers in a child JVM ({@link ApiWatchers}):
 *
 * <ul>
 *   <li>Writes: creates and updates of pods through the API, spread over the three masters, open
 *       loop at a fixed rate (default 200/s for 60 s after a 10 s warm-up). Latency is measured
 *       from the intended send time, so a slow answer delays no later send and its wait counts (no
 *       coordinated omission).
 *   <li>Watch delivery: watchers of pods (default 1,000) on one master; for each write, the delay
 *       from the write's acknowledgement to its delivery at the last of the watchers.
 * </ul>
 *
 * <p>The peer is the Kubernetes SLO (mutating API calls p99 at most 1 s); the targets are write p99
 * at most 50 ms and watch p99 at most 100 ms. The scheduler and controllers are off, so the figures
 * are the API's and the store's alone.
 *
 * <p>Usage: {@code bench/run api [--rate N] [--seconds N] [--warmup N] [--watchers N] [--watch
 * batched|per-event]}: the watchers use WatchBatched (as DroverClient does) or Watch.
 */
public final class ApiBench {
  private static final double K8S_MUTATING_SLO_MS = 1000;
  private static final double WRITE_TARGET_MS = 50;
  private static final double WATCH_TARGET_MS = 100;
  private static final String NS = "bench";

  private ApiBench() {}

  public static void main(String[] args) throws Exception {
    int rate = 200;
    int seconds = 60;
    int warmup = 10;
    int watchers = 1000;
    String watchMode = "batched";
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--rate" -> rate = Integer.parseInt(args[++i]);
        case "--seconds" -> seconds = Integer.parseInt(args[++i]);
        case "--warmup" -> warmup = Integer.parseInt(args[++i]);
        case "--watchers" -> watchers = Integer.parseInt(args[++i]);
        case "--watch" -> {
          watchMode = args[++i];
          if (!watchMode.equals("batched") && !watchMode.equals("per-event")) {
            throw new IllegalArgumentException(
                "--watch must be batched or per-event, not " + watchMode);
          }
        }
        default ->
            throw new IllegalArgumentException(
                "unknown argument "
                    + args[i]
                    + "; usage: [--rate N] [--seconds N] [--warmup N] [--watchers N] [--watch batched|per-event]");
      }
    }
    System.out.printf(
        Locale.ROOT,
        "api bench: 3 masters, %d writes/s for %d s (+%d s warm-up), %d watchers (%s); "
            + "load %s%n",
        rate,
        seconds,
        warmup,
        watchers,
        watchMode.equals("batched") ? "WatchBatched" : "Watch",
        loadAverage());
    Path root = Files.createTempDirectory("api-bench-");
    List<Master> masters = startMasters(root);
    List<ManagedChannel> channels = new ArrayList<>();
    Run run = null;
    try {
      Master watched = masters.get(0);
      for (Master m : masters) {
        channels.add(channel(m.apiAddress()));
      }
      ControlServiceGrpc.newBlockingStub(channels.get(0))
          .withDeadlineAfter(30, TimeUnit.SECONDS)
          .create(
              CreateRequest.newBuilder()
                  .setObject(
                      Object.newBuilder()
                          .setNamespace(
                              Namespace.newBuilder()
                                  .setMetadata(ObjectMeta.newBuilder().setName(NS))))
                  .build());
      run = new Run(rate, warmup + seconds, warmup, watchers, watchMode);
      run.openWatchers(watched);
      double cpuBefore = ApiWatchers.processCpuSeconds();
      run.write(channels);
      run.awaitDeliveries();
      double mastersCpu = ApiWatchers.processCpuSeconds() - cpuBefore;
      run.closeWatchers();
      System.out.printf(
          Locale.ROOT,
          "CPU of the masters' JVM (writers included) from the first write to the last "
              + "delivery: %.1f s%n",
          mastersCpu);
      report(run, rate, seconds, watchers, watched);
      for (Master m : masters) {
        System.out.printf(
            Locale.ROOT,
            "  %s: %s; store apply mean %.2f ms over %d writes; API Create mean %.2f ms, "
                + "Update mean %.2f ms%n",
            m.id(),
            raftRole(m),
            mean(m, StoreMetrics.WRITES, ""),
            (long) sum(m, StoreMetrics.WRITES + "_count", ""),
            mean(
                m,
                "drover_api_request_duration_seconds",
                "method=\"drover.v1.ControlService/Create\",code=\"OK\""),
            mean(
                m,
                "drover_api_request_duration_seconds",
                "method=\"drover.v1.ControlService/Update\",code=\"OK\""));
      }
    } finally {
      if (run != null && run.watcherProcess != null) {
        run.watcherProcess.destroyForcibly();
      }
      for (ManagedChannel c : channels) {
        c.shutdownNow();
      }
      masters.forEach(Master::close);
      deleteTree(root);
    }
  }

  private static ManagedChannel channel(String target) {
    return Channels.plaintext(target);
  }

  /** Starts the three masters together (each store member waits for a majority). */
  private static List<Master> startMasters(Path root) throws Exception {
    List<Peer> peers =
        List.of(
            new Peer("m1", "127.0.0.1", KvStores.freePort()),
            new Peer("m2", "127.0.0.1", KvStores.freePort()),
            new Peer("m3", "127.0.0.1", KvStores.freePort()));
    ExecutorService starters = Executors.newFixedThreadPool(peers.size());
    List<Future<Master>> fs = new ArrayList<>();
    for (Peer p : peers) {
      fs.add(
          starters.submit(
              () ->
                  Master.builder()
                      .id(p.id())
                      .apiPort(0)
                      .metricsPort(0)
                      .clusterStore(peers, root.resolve(p.id()))
                      .scheduler(false)
                      .controllers(false)
                      .start()));
    }
    starters.shutdown();
    List<Master> out = new ArrayList<>();
    for (Future<Master> f : fs) {
      out.add(f.get(120, TimeUnit.SECONDS));
    }
    return out;
  }

  /** One measured run: its writers, its watchers and what they recorded. */
  private static final class Run {
    final int rate;
    final int totalSeconds;
    final int warmupSeconds;
    final int watcherCount;

    /** "batched" (WatchBatched) or "per-event" (Watch). */
    final String watchMode;

    final int writes;
    final int warmupWrites;

    /** Write latency from the intended send time, measured writes only. */
    final Histogram writeLatency = new ConcurrentHistogram(TimeUnit.SECONDS.toNanos(120), 3);

    /** Delay from a write's acknowledgement to its delivery at the last watcher. */
    final Histogram watchDelay = new ConcurrentHistogram(TimeUnit.SECONDS.toNanos(120), 3);

    final AtomicInteger writeErrors = new AtomicInteger();
    final Map<String, AtomicInteger> errorsByCode = new ConcurrentHashMap<>();

    /** The first error message seen per code, to tell what went wrong. */
    final Map<String, String> errorSamples = new ConcurrentHashMap<>();

    /** Per write index: its resource_version once acknowledged, and when. */
    final AtomicLongArray ackRv;

    final AtomicLongArray ackNanos;

    /** Write index by resource_version, for the watchers. */
    final Map<Long, Integer> indexByRv = new ConcurrentHashMap<>();

    /** Versions that reached every watcher. */
    final Set<Long> deliveredToAll = ConcurrentHashMap.newKeySet();

    /** When a write reached its last watcher, until its delay is recorded. */
    final Map<Long, Long> deliveredToAllAt = new ConcurrentHashMap<>();

    final CountDownLatch writesDone;
    Process watcherProcess;
    Thread watcherReader;

    /** The watcher process's last line: events delivered, stream errors, Expired events. */
    volatile String watcherSummary = "(none)";

    /** Created pods not updated yet: {pod index, resource_version of the create}. */
    final java.util.Queue<long[]> readyForUpdate =
        new java.util.concurrent.ConcurrentLinkedQueue<>();

    Run(int rate, int totalSeconds, int warmupSeconds, int watchers, String watchMode) {
      this.watchMode = watchMode;
      this.rate = rate;
      this.totalSeconds = totalSeconds;
      this.warmupSeconds = warmupSeconds;
      this.watcherCount = watchers;
      this.writes = rate * totalSeconds;
      this.warmupWrites = rate * warmupSeconds;
      this.ackRv = new AtomicLongArray(writes);
      this.ackNanos = new AtomicLongArray(writes);
      this.writesDone = new CountDownLatch(writes);
    }

    /**
     * Starts the watchers on {@code m} in a child JVM ({@link ApiWatchers}), from the current
     * version, and waits until every stream is open.
     */
    void openWatchers(Master m) throws IOException, InterruptedException {
      long from =
          ControlServiceGrpc.newBlockingStub(channel(m.apiAddress()))
              .withDeadlineAfter(30, TimeUnit.SECONDS)
              .list(
                  ListRequest.newBuilder()
                      .setKind(Kind.KIND_POD)
                      .setNamespace(NS)
                      .setLimit(1)
                      .build())
              .getResourceVersion();
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      List<String> cmd =
          new ArrayList<>(List.of(java, "-Xmx1g", "-cp", System.getProperty("java.class.path")));
      String childOpts = System.getenv("BENCH_WATCHERS_JAVA_OPTS");
      if (childOpts != null && !childOpts.isBlank()) {
        cmd.addAll(List.of(childOpts.trim().split("\\s+")));
      }
      cmd.addAll(
          List.of(
              ApiWatchers.class.getName(),
              m.apiAddress(),
              NS,
              Integer.toString(watcherCount),
              Long.toString(from),
              watchMode));
      watcherProcess =
          new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
      CountDownLatch ready = new CountDownLatch(1);
      watcherReader = new Thread(() -> readWatchers(ready), "api-watchers-reader");
      watcherReader.setDaemon(true);
      watcherReader.start();
      if (!ready.await(120, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the watcher process did not open its streams in 120 s");
      }
      // Let every stream reach the server before the first write (each sends nothing until then).
      long settle = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
      while (System.nanoTime() < settle) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
      }
    }

    /** Reads the watcher process's lines until it ends. */
    private void readWatchers(CountDownLatch ready) {
      try (BufferedReader r =
          new BufferedReader(
              new InputStreamReader(watcherProcess.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          if (line.equals("READY")) {
            ready.countDown();
          } else if (line.startsWith("ALL ")) {
            String[] f = line.split(" ");
            long rv = Long.parseLong(f[1]);
            deliveredToAll.add(rv);
            deliveredToAllAt.put(rv, Long.parseLong(f[2]));
            tryRecordWatch(rv);
          } else if (line.startsWith("END ")) {
            watcherSummary = line.substring(4);
          }
        }
      } catch (IOException e) {
        watcherSummary = "watcher process output failed: " + e;
      }
    }

    /**
     * Records the watch delay of the write at {@code rv} once both its acknowledgement and its
     * delivery to the last watcher are known (either may come first); exactly once.
     */
    private void tryRecordWatch(long rv) {
      Integer idx = indexByRv.get(rv);
      if (idx == null) {
        return;
      }
      Long at = deliveredToAllAt.remove(rv);
      if (at != null && idx >= warmupWrites) {
        // A delivery before the answer got back to the writer counts as no delay.
        watchDelay.recordValue(Math.max(0, at - ackNanos.get(idx)));
      }
    }

    /** Sends every write at its intended time, round-robin over the masters. */
    void write(List<ManagedChannel> channels) throws InterruptedException {
      long period = TimeUnit.SECONDS.toNanos(1) / rate;
      long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
      // Creates and updates alternate; an update goes to the oldest pod whose create has been
      // answered and that has not been updated yet (a pod is updated once), and when there is
      // none (answers are slow) the write is a create instead.
      int created = 0;
      for (int i = 0; i < writes; i++) {
        long intended = start + i * period;
        long wait;
        while ((wait = intended - System.nanoTime()) > 0) {
          LockSupport.parkNanos(wait);
        }
        ControlServiceGrpc.ControlServiceStub stub =
            ControlServiceGrpc.newStub(channels.get(i % channels.size()))
                .withDeadlineAfter(30, TimeUnit.SECONDS);
        long[] toUpdate = i % 2 == 1 ? readyForUpdate.poll() : null;
        if (toUpdate == null) {
          int podIdx = created++;
          stub.create(
              CreateRequest.newBuilder().setObject(pod(podIdx, 0, 0)).build(),
              answer(i, intended, podIdx));
        } else {
          int podIdx = (int) toUpdate[0];
          stub.update(
              UpdateRequest.newBuilder().setObject(pod(podIdx, toUpdate[1], i)).build(),
              answer(i, intended, -1));
        }
      }
      if (!writesDone.await(120, TimeUnit.SECONDS)) {
        System.out.println("warning: " + writesDone.getCount() + " writes unanswered after 120 s");
      }
    }

    /** Records the answer of write {@code idx}; {@code podIdx} >= 0 marks a create of that pod. */
    private StreamObserver<Object> answer(int idx, long intended, int podIdx) {
      return new StreamObserver<>() {
        @Override
        public void onNext(Object o) {
          long now = System.nanoTime();
          long rv = o.getPod().getMetadata().getResourceVersion();
          ackNanos.set(idx, now);
          ackRv.set(idx, rv);
          if (podIdx >= 0) {
            readyForUpdate.add(new long[] {podIdx, rv});
          }
          if (idx >= warmupWrites) {
            writeLatency.recordValue(now - intended);
          }
          indexByRv.put(rv, idx);
          tryRecordWatch(rv);
        }

        @Override
        public void onError(Throwable t) {
          writeErrors.incrementAndGet();
          io.grpc.Status st = io.grpc.Status.fromThrowable(t);
          errorsByCode
              .computeIfAbsent(st.getCode().name(), k -> new AtomicInteger())
              .incrementAndGet();
          errorSamples.putIfAbsent(st.getCode().name(), String.valueOf(st.getDescription()));
          writesDone.countDown();
        }

        @Override
        public void onCompleted() {
          writesDone.countDown();
        }
      };
    }

    /** Waits until every acknowledged write reached every watcher, or 60 s pass. */
    void awaitDeliveries() {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (System.nanoTime() < deadline && undelivered() > 0) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
      }
    }

    /** Acknowledged writes that have not reached every watcher. */
    long undelivered() {
      long n = 0;
      for (int i = 0; i < writes; i++) {
        long rv = ackRv.get(i);
        if (rv != 0 && !deliveredToAll.contains(rv)) {
          n++;
        }
      }
      return n;
    }

    /** Stops the watcher process and waits for its summary. */
    void closeWatchers() throws IOException, InterruptedException {
      try (var stdin = watcherProcess.getOutputStream()) {
        stdin.write("STOP\n".getBytes(StandardCharsets.UTF_8));
      }
      if (!watcherProcess.waitFor(60, TimeUnit.SECONDS)) {
        watcherProcess.destroyForcibly();
      }
      watcherReader.join(TimeUnit.SECONDS.toMillis(10));
    }
  }

  /** A small pod; {@code expectedRv} > 0 makes it an update expecting that resource_version. */
  private static Object pod(int idx, long expectedRv, int writeIdx) {
    ObjectMeta.Builder meta =
        ObjectMeta.newBuilder().setNamespace(NS).setName("pod-" + idx).putLabels("app", "bench");
    if (expectedRv > 0) {
      meta.setResourceVersion(expectedRv).putLabels("write", Integer.toString(writeIdx));
    }
    return Object.newBuilder()
        .setPod(
            Pod.newBuilder()
                .setMetadata(meta)
                .setSpec(
                    PodSpec.newBuilder()
                        .addContainers(
                            Container.newBuilder()
                                .setName("main")
                                .setImage("127.0.0.1:5000/busybox:1"))))
        .build();
  }

  /** The Raft role line of a master's metrics. */
  private static String raftRole(Master m) {
    return m.metrics()
        .render()
        .lines()
        .filter(l -> l.startsWith(StoreMetrics.ROLE + "{") && l.endsWith(" 1"))
        .map(l -> l.substring(l.indexOf('"') + 1, l.lastIndexOf('"')))
        .findFirst()
        .orElse("?");
  }

  /** A sample of a master's metrics ({@code labels} exactly as rendered, "" for none). */
  private static double sum(Master m, String series, String labels) {
    String prefix = labels.isEmpty() ? series + " " : series + "{" + labels + "} ";
    return m.metrics()
        .render()
        .lines()
        .filter(l -> l.startsWith(prefix))
        .mapToDouble(l -> Double.parseDouble(l.substring(prefix.length())))
        .sum();
  }

  /** Mean of a histogram in milliseconds. */
  private static double mean(Master m, String histogram, String labels) {
    double n = sum(m, histogram + "_count", labels);
    return n == 0 ? Double.NaN : sum(m, histogram + "_sum", labels) / n * 1000;
  }

  private static double ms(Histogram h, double percentile) {
    return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1e6;
  }

  private static void report(Run run, int rate, int seconds, int watchers, Master watched) {
    Histogram w = run.writeLatency;
    Histogram d = run.watchDelay;
    String role = raftRole(watched);
    System.out.printf(
        Locale.ROOT,
        "%-28s %10s %10s %10s %10s %10s%n",
        "measure",
        "count",
        "p50 ms",
        "p99 ms",
        "p99.9 ms",
        "max ms");
    System.out.printf(
        Locale.ROOT,
        "%-28s %10d %10.2f %10.2f %10.2f %10.2f%n",
        "write (create/update)",
        w.getTotalCount(),
        ms(w, 50),
        ms(w, 99),
        ms(w, 99.9),
        w.getMaxValue() / 1e6);
    System.out.printf(
        Locale.ROOT,
        "%-28s %10d %10.2f %10.2f %10.2f %10.2f%n",
        "watch ack->last of " + watchers,
        d.getTotalCount(),
        ms(d, 50),
        ms(d, 99),
        ms(d, 99.9),
        d.getMaxValue() / 1e6);
    System.out.printf(
        Locale.ROOT,
        "write errors: %d %s; watchers (own JVM): %s; "
            + "writes not delivered to every watcher: %d%n",
        run.writeErrors.get(),
        run.errorsByCode,
        run.watcherSummary,
        run.undelivered());
    run.errorSamples.forEach(
        (code, msg) -> System.out.printf(Locale.ROOT, "  first %s: %s%n", code, msg));
    System.out.printf(Locale.ROOT, "watched master %s, its store member: %s%n", watched.id(), role);
    double wp99 = ms(w, 99);
    double dp99 = ms(d, 99);
    System.out.printf(
        Locale.ROOT,
        "write p99 vs Kubernetes SLO (1 s): %.1fx under; vs target 50 ms: %s%n",
        K8S_MUTATING_SLO_MS / wp99,
        wp99 <= WRITE_TARGET_MS ? "met" : "MISSED");
    System.out.printf(
        Locale.ROOT,
        "watch p99 vs target 100 ms: %s%n",
        dp99 <= WATCH_TARGET_MS ? "met" : "MISSED");
    System.out.printf(Locale.ROOT, "load average at end: %s%n", loadAverage());
    System.out.printf(
        Locale.ROOT,
        "RESULT api write_p99_ms=%.2f watch_p99_ms=%.2f write_p50_ms=%.2f watch_p50_ms=%.2f "
            + "slo_ratio=%.1f rate=%d seconds=%d watchers=%d write_errors=%d watch=%s%n",
        wp99,
        dp99,
        ms(w, 50),
        ms(d, 50),
        K8S_MUTATING_SLO_MS / wp99,
        rate,
        seconds,
        watchers,
        run.writeErrors.get(),
        run.watchMode);
  }
}
