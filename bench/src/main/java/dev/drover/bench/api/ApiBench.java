package dev.drover.bench.api;

import static dev.drover.bench.BenchSupport.deleteTree;
import static dev.drover.bench.BenchSupport.loadAverage;
import static dev.drover.bench.BenchSupport.median;

import dev.drover.bench.Poll;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * The control API under a fixed write rate with many watchers, Drover and etcd 3.4 side by side in
 * one run, the same workload and the same measurement on both:
 *
 * <ul>
 *   <li>Three members each, every one its own process on loopback: Drover's masters ({@link
 *       DroverApiSide}, {@code drover master} as shipped but plaintext) and etcd's members ({@link
 *       EtcdApiSide}, defaults).
 *   <li>Writes: open loop at a fixed rate (default 200/s for 40 s after a 10 s warm-up), write
 *       {@code i} through member {@code i % 3}, each a new value of the same bytes on both sides (a
 *       ConfigMap create on Drover, a put of that ConfigMap's bytes on etcd). Latency is measured
 *       from the intended send time, so a slow answer delays no later send and its wait counts (no
 *       coordinated omission).
 *   <li>Watch delivery: watchers (default 1,000) of the round's key space in a child JVM ({@link
 *       ApiWatchers}), spread over the three members alike on both sides (one connection per
 *       member, one stream per watcher); for each write, the delay from its acknowledgement to its
 *       delivery at the last of the watchers.
 * </ul>
 *
 * <p>Rounds (default 3) alternate the sides (Drover first in odd rounds, etcd first in even ones),
 * each in a fresh key space with fresh watchers; before the measured writes a probe write must
 * reach every watcher, so no stream is still opening. The result line gives the medians of the
 * rounds and the Drover / etcd ratios of those medians.
 *
 * <p>Usage: {@code bench/run api [--rate N] [--seconds N] [--warmup N] [--watchers N] [--rounds N]
 * [--value-bytes N] [--watch batched|per-event] [--etcd PATH] [--keep]}. {@code --keep} keeps the
 * members' data directories and logs (they are kept anyway when the run fails).
 */
public final class ApiBench {
  private static final double WRITE_TARGET_MS = 50;

  private ApiBench() {}

  /** The settings of a run. */
  private record Settings(
      int rate, int seconds, int warmup, int watchers, int rounds, int valueBytes, String watch) {}

  /** What one round of one side measured. */
  private record Figures(
      String side,
      int round,
      long writes,
      double writeP50,
      double writeP99,
      double watchP50,
      double watchP99,
      int errors,
      long undelivered,
      double serverCpuS,
      double serverRssMb,
      String watchers) {}

  public static void main(String[] args) throws Exception {
    int rate = 200;
    int seconds = 40;
    int warmup = 10;
    int watchers = 1000;
    int rounds = 3;
    int valueBytes = 100;
    String watch = "batched";
    String etcd = "/usr/bin/etcd";
    boolean keep = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--rate" -> rate = Integer.parseInt(args[++i]);
        case "--seconds" -> seconds = Integer.parseInt(args[++i]);
        case "--warmup" -> warmup = Integer.parseInt(args[++i]);
        case "--watchers" -> watchers = Integer.parseInt(args[++i]);
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        case "--value-bytes" -> valueBytes = Integer.parseInt(args[++i]);
        case "--etcd" -> etcd = args[++i];
        case "--keep" -> keep = true;
        case "--watch" -> {
          watch = args[++i];
          if (!watch.equals("batched") && !watch.equals("per-event")) {
            throw new IllegalArgumentException("--watch must be batched or per-event");
          }
        }
        default ->
            throw new IllegalArgumentException(
                "unknown argument "
                    + args[i]
                    + "; usage: [--rate N] [--seconds N] [--warmup N] [--watchers N] [--rounds N]"
                    + " [--value-bytes N] [--watch batched|per-event] [--etcd PATH] [--keep]");
      }
    }
    Settings s = new Settings(rate, seconds, warmup, watchers, rounds, valueBytes, watch);
    System.out.printf(
        Locale.ROOT,
        "api bench: Drover (3 master processes) vs etcd (3 members), %d writes/s for %d s (+%d s"
            + " warm-up), %d watchers, %d rounds, values of %d+ bytes; load %s%n",
        rate,
        seconds,
        warmup,
        watchers,
        rounds,
        valueBytes,
        loadAverage());
    Path root = Files.createTempDirectory("api-bench-");
    List<Figures> all = new ArrayList<>();
    int code = 0;
    try (DroverApiSide drover =
            new DroverApiSide(Files.createDirectories(root.resolve("drover")), valueBytes);
        EtcdApiSide etcdSide =
            new EtcdApiSide(
                root.resolve("etcd"), etcd, (r, i) -> drover.object(r, i).toByteArray())) {
      System.out.printf(
          Locale.ROOT, "value: %d bytes on both sides%n", drover.object(1, 0).getSerializedSize());
      for (int r = 1; r <= rounds; r++) {
        List<ApiSide> order = r % 2 == 1 ? List.of(drover, etcdSide) : List.of(etcdSide, drover);
        for (ApiSide side : order) {
          Figures f = new Round(side, r, s).run();
          all.add(f);
          print(f);
        }
      }
    } catch (Exception e) {
      e.printStackTrace();
      code = 1;
    } finally {
      if (code == 0 && !keep) {
        deleteTree(root);
      } else {
        System.out.println("logs kept in " + root);
      }
    }
    if (code == 0) {
      report(all, s);
    }
    System.exit(code);
  }

  private static void print(Figures f) {
    System.out.printf(
        Locale.ROOT,
        "round %d %-6s writes %d, write p50 %.1f p99 %.1f ms, watch p50 %.1f p99 %.1f ms,"
            + " errors %d, undelivered %d, server CPU %.1f s, server RSS %.0f MB; watchers: %s;"
            + " load %s%n",
        f.round(),
        f.side(),
        f.writes(),
        f.writeP50(),
        f.writeP99(),
        f.watchP50(),
        f.watchP99(),
        f.errors(),
        f.undelivered(),
        f.serverCpuS(),
        f.serverRssMb(),
        f.watchers(),
        loadAverage());
  }

  private static void report(List<Figures> all, Settings s) {
    System.out.println();
    System.out.println(
        "| measure | Drover median | Drover rounds | etcd median | etcd rounds | ratio |");
    System.out.println("|---|---|---|---|---|---|");
    double[] writeP99 = row(all, "write p99 ms", Figures::writeP99);
    double[] watchP99 = row(all, "watch delivery p99 ms", Figures::watchP99);
    row(all, "write p50 ms", Figures::writeP50);
    row(all, "watch delivery p50 ms", Figures::watchP50);
    row(all, "server CPU s per round", Figures::serverCpuS);
    row(all, "server RSS MB (3 members)", Figures::serverRssMb);
    row(all, "write errors", f -> f.errors());
    row(all, "writes not delivered to every watcher", f -> f.undelivered());
    System.out.printf(
        Locale.ROOT,
        "targets: write p99 <= %.0f ms %s; watch p99 <= 1.0x etcd %s%n",
        WRITE_TARGET_MS,
        writeP99[0] <= WRITE_TARGET_MS ? "met" : "MISSED",
        watchP99[0] <= watchP99[1] ? "met" : "MISSED");
    System.out.printf(Locale.ROOT, "load at end: %s%n", loadAverage());
    System.out.printf(
        Locale.ROOT,
        "RESULT api write_p99_ms=%.2f watch_p99_ms=%.2f watch_p99_vs_etcd=%.2f"
            + " write_p99_vs_etcd=%.2f etcd_write_p99_ms=%.2f etcd_watch_p99_ms=%.2f rate=%d"
            + " watchers=%d rounds=%d seconds=%d watch=%s tls=off%n",
        writeP99[0],
        watchP99[0],
        watchP99[0] / watchP99[1],
        writeP99[0] / writeP99[1],
        writeP99[1],
        watchP99[1],
        s.rate(),
        s.watchers(),
        s.rounds(),
        s.seconds(),
        s.watch());
  }

  /** Prints one row and returns the {Drover, etcd} medians. */
  private static double[] row(List<Figures> all, String what, ToDoubleFunction<Figures> f) {
    List<Double> d =
        all.stream().filter(x -> x.side().startsWith("drover")).map(f::applyAsDouble).toList();
    List<Double> e =
        all.stream().filter(x -> x.side().equals("etcd")).map(f::applyAsDouble).toList();
    double dm = median(d);
    double em = median(e);
    System.out.printf(
        Locale.ROOT,
        "| %s | %.1f | %s | %.1f | %s | %.2f |%n",
        what,
        dm,
        join(d),
        em,
        join(e),
        dm / em);
    return new double[] {dm, em};
  }

  private static String join(List<Double> xs) {
    return xs.stream()
        .map(x -> String.format(Locale.ROOT, "%.1f", x))
        .collect(Collectors.joining(", "));
  }

  private static double ms(Histogram h, double percentile) {
    return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1e6;
  }

  /** One measured round of one side: its writers, its watchers and what they recorded. */
  private static final class Round {
    final ApiSide side;
    final int round;
    final Settings s;
    final int writes;
    final int warmupWrites;

    /** Write latency from the intended send time, measured writes only. */
    final Histogram writeLatency = new ConcurrentHistogram(TimeUnit.SECONDS.toNanos(120), 3);

    /** Delay from a write's acknowledgement to its delivery at the last watcher. */
    final Histogram watchDelay = new ConcurrentHistogram(TimeUnit.SECONDS.toNanos(120), 3);

    final AtomicInteger errors = new AtomicInteger();
    final Map<String, String> errorSamples = new ConcurrentHashMap<>();

    /** Per write index (the probe is the last): its version once acknowledged, and when. */
    final AtomicLongArray ackVersion;

    final AtomicLongArray ackNanos;

    /** Write index by version, for the watchers' reports. */
    final Map<Long, Integer> indexByVersion = new ConcurrentHashMap<>();

    /** Versions that reached every watcher. */
    final Set<Long> deliveredToAll = ConcurrentHashMap.newKeySet();

    /** When a version reached its last watcher, until its delay is recorded. */
    final Map<Long, Long> deliveredToAllAt = new ConcurrentHashMap<>();

    final CountDownLatch writesDone;
    Process watcherProcess;
    Thread watcherReader;
    volatile String watcherSummary = "(none)";

    Round(ApiSide side, int round, Settings s) {
      this.side = side;
      this.round = round;
      this.s = s;
      this.writes = s.rate() * (s.warmup() + s.seconds());
      this.warmupWrites = s.rate() * s.warmup();
      this.ackVersion = new AtomicLongArray(writes + 1);
      this.ackNanos = new AtomicLongArray(writes + 1);
      this.writesDone = new CountDownLatch(writes);
    }

    Figures run() throws Exception {
      long from = side.prepare(round);
      openWatchers(from);
      try {
        probe();
        long cpu0 = side.serverCpuNanos();
        write();
        // Every acknowledged write delivered to every watcher, or 60 s: what is left is counted.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (undelivered() > 0 && System.nanoTime() < deadline) {
          Poll.pause(Poll.INTERVAL_MS);
        }
        double cpu = (side.serverCpuNanos() - cpu0) / 1e9;
        double rss = side.serverRssBytes() / 1048576.0;
        closeWatchers();
        errorSamples.forEach(
            (code, msg) ->
                System.out.printf(Locale.ROOT, "  %s first %s: %s%n", side.name(), code, msg));
        String name =
            side.name().equals("drover") && s.watch().equals("per-event")
                ? "drover-watch"
                : side.name();
        return new Figures(
            name,
            round,
            writeLatency.getTotalCount(),
            ms(writeLatency, 50),
            ms(writeLatency, 99),
            ms(watchDelay, 50),
            ms(watchDelay, 99),
            errors.get(),
            undelivered(),
            cpu,
            rss,
            watcherSummary);
      } finally {
        if (watcherProcess.isAlive()) {
          watcherProcess.destroyForcibly();
        }
      }
    }

    /** Starts the watcher process from version {@code from} and waits until it is ready. */
    private void openWatchers(long from) throws IOException, InterruptedException {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      // Received bytes wait in direct memory until a stream's callback takes them, up to each
      // stream's flow-control window (1 MiB, more once gRPC's auto-tuning grows it), so 1,000
      // backed-up streams outgrow the default limit (-Xmx, 1 GB): the client's Netty then fails
      // to allocate and every stream of that connection ends with a bare UNKNOWN. The limit is
      // a ceiling, not a reservation, and the same on both sides.
      List<String> cmd =
          new ArrayList<>(
              List.of(
                  java,
                  "-Xmx1g",
                  "-XX:MaxDirectMemorySize=4g",
                  "-cp",
                  System.getProperty("java.class.path")));
      String childOpts = System.getenv("BENCH_WATCHERS_JAVA_OPTS");
      if (childOpts != null && !childOpts.isBlank()) {
        cmd.addAll(List.of(childOpts.trim().split("\\s+")));
      }
      String system =
          side.name().equals("etcd")
              ? "etcd"
              : s.watch().equals("batched") ? "drover" : "drover-per-event";
      cmd.addAll(
          List.of(
              ApiWatchers.class.getName(),
              system,
              String.join(",", side.endpoints()),
              side.watchTarget(round),
              Integer.toString(s.watchers()),
              Long.toString(from)));
      watcherProcess =
          new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
      CountDownLatch ready = new CountDownLatch(1);
      watcherReader = new Thread(() -> readWatchers(ready), "api-watchers-reader");
      watcherReader.setDaemon(true);
      watcherReader.start();
      if (!ready.await(180, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the watcher process did not start its watches in 180 s");
      }
    }

    /**
     * One unmeasured write (the last index) that must reach every watcher before the measured
     * writes start: then every stream is open on its member.
     */
    private void probe() {
      side.write(round, writes, writes % 3, (v, t) -> recordAck(writes, 0, v, t));
      Poll.until(
          "the probe write reaches every watcher",
          Duration.ofSeconds(120),
          () -> {
            long v = ackVersion.get(writes);
            return v != 0 && deliveredToAll.contains(v);
          });
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
            long v = Long.parseLong(f[1]);
            deliveredToAll.add(v);
            deliveredToAllAt.put(v, Long.parseLong(f[2]));
            tryRecordWatch(v);
          } else if (line.startsWith("END ")) {
            watcherSummary = line.substring(4);
          }
        }
      } catch (IOException e) {
        watcherSummary = "watcher process output failed: " + e;
      }
    }

    /**
     * Records the watch delay of the write of {@code version} once both its acknowledgement and its
     * delivery to the last watcher are known (either may come first); exactly once.
     */
    private void tryRecordWatch(long version) {
      Integer idx = indexByVersion.get(version);
      if (idx == null) {
        return;
      }
      Long at = deliveredToAllAt.remove(version);
      if (at == null) {
        return;
      }
      if (idx >= warmupWrites && idx < writes) {
        watchDelay.recordValue(Math.max(0, at - ackNanos.get(idx)));
      }
    }

    /** The open-loop writer: write {@code i} is due at start + i / rate. */
    private void write() throws InterruptedException {
      long period = TimeUnit.SECONDS.toNanos(1) / s.rate();
      long start = System.nanoTime();
      for (int i = 0; i < writes; i++) {
        long intended = start + i * period;
        long wait;
        while ((wait = intended - System.nanoTime()) > 0) {
          LockSupport.parkNanos(wait);
        }
        int idx = i;
        side.write(
            round,
            i,
            i % 3,
            (v, t) -> {
              recordAck(idx, intended, v, t);
              writesDone.countDown();
            });
      }
      if (!writesDone.await(120, TimeUnit.SECONDS)) {
        System.out.println("warning: " + writesDone.getCount() + " writes unanswered after 120 s");
      }
    }

    private void recordAck(int idx, long intended, Long version, Throwable t) {
      long now = System.nanoTime();
      if (t != null) {
        errors.incrementAndGet();
        errorSamples.putIfAbsent(t.getClass().getSimpleName(), String.valueOf(t.getMessage()));
        return;
      }
      ackNanos.set(idx, now);
      ackVersion.set(idx, version);
      if (idx >= warmupWrites && idx < writes) {
        writeLatency.recordValue(now - intended);
      }
      indexByVersion.put(version, idx);
      tryRecordWatch(version);
    }

    /** Acknowledged measured writes that have not reached every watcher. */
    long undelivered() {
      long n = 0;
      for (int i = 0; i < writes; i++) {
        long v = ackVersion.get(i);
        if (v != 0 && !deliveredToAll.contains(v)) {
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
}
