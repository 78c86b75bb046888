package dev.drover.bench.store;

import static dev.drover.bench.BenchSupport.deleteTree;
import static dev.drover.bench.BenchSupport.median;

import dev.drover.bench.BenchSupport;
import dev.drover.store.api.StoreOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Side-by-side benchmark of Drover's store against etcd 3.4 on this machine: 1 and 3 members on
 * loopback, both with fsync on commit, each driven through its own client with the same closed-loop
 * workload (256-byte values; 1, 16 and 64 concurrent clients; puts, linearizable gets,
 * compare-and-swap transactions). Prints throughput and p50/p99 per cell, the Drover/etcd ratios,
 * the CPU time the servers' processes used per operation (members only, not the shared load
 * generator), and a last line {@code RESULT store ...}.
 *
 * <p>Each Drover member and each etcd member is its own process; Drover is driven through its
 * network client ({@link dev.drover.store.raft.RaftKvClient}, which sends to the Raft leader), etcd
 * through jetcd given the leader's endpoint alone, so that both clients are set up alike ({@code
 * --etcd-spread} gives jetcd every member, its round-robin default, and says so in the RESULT
 * line). Every cell runs {@code --rounds} times (default 3), the two systems alternating; rows and
 * ratios are medians. Usage: {@code StoreBench [--rounds N] [--seconds N] [--warmup N] [--members
 * 1,3] [--clients 1,16,64] [--ops put,get,txn] [--etcd /usr/bin/etcd] [--etcd-spread]}; for tuning,
 * {@code --ratis raft.key=value} (member Ratis properties), {@code --batches-in-flight N}, {@code
 * --max-batch N} (client batching) and {@code --no-etcd}.
 */
public final class StoreBench {
  private static final int VALUE_BYTES = 256;
  private static final String[] WORKLOADS = {"put", "get", "txn"};

  /** One measured cell. */
  record Cell(double opsPerSec, double p50Ms, double p99Ms, long errors, double cpuUsPerOp) {}

  private StoreBench() {}

  public static void main(String[] args) throws Exception {
    // Ratis logs every election and segment at INFO; the table is what matters here.
    ((ch.qos.logback.classic.Logger)
            org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
        .setLevel(ch.qos.logback.classic.Level.ERROR);
    int seconds = 5;
    int warmup = 1;
    int[] memberCounts = {1, 3};
    int[] clientCounts = {1, 16, 64};
    List<String> workloads = List.of(WORKLOADS);
    List<String> ratis = new ArrayList<>();
    int batchesInFlight = new StoreOptions().batchesInFlight();
    int maxBatch = new StoreOptions().maxBatchRequests();
    boolean withEtcd = true;
    int rounds = 3;
    boolean etcdSpread = false;
    String etcd = "/usr/bin/etcd";
    String usage =
        "usage: [--seconds N] [--warmup N] [--members 1,3] [--clients 1,16,64] [--ops put,get,txn]"
            + " [--rounds N] [--etcd PATH] [--etcd-spread] [--ratis raft.key=value]..."
            + " [--batches-in-flight N] [--max-batch N] [--no-etcd (tuning only: no ratios)]";
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--seconds" -> seconds = Integer.parseInt(args[++i]);
        case "--warmup" -> warmup = Integer.parseInt(args[++i]);
        case "--members" ->
            memberCounts =
                Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
        case "--clients" ->
            clientCounts =
                Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
        case "--ops" -> workloads = List.of(args[++i].split(","));
        case "--etcd" -> etcd = args[++i];
        case "--ratis" -> ratis.add(args[++i]);
        case "--batches-in-flight" -> batchesInFlight = Integer.parseInt(args[++i]);
        case "--max-batch" -> maxBatch = Integer.parseInt(args[++i]);
        case "--no-etcd" -> withEtcd = false;
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        case "--etcd-spread" -> etcdSpread = true;
        default -> throw new IllegalArgumentException("unknown argument " + args[i] + "; " + usage);
      }
    }
    for (String w : workloads) {
      if (!List.of(WORKLOADS).contains(w)) {
        throw new IllegalArgumentException("unknown op " + w + "; " + usage);
      }
    }
    Map<String, Double> result = new LinkedHashMap<>();
    System.out.printf(
        Locale.ROOT,
        "%-7s %-4s %7s | %10s %8s %8s | %10s %8s %8s | %7s %7s | %8s %8s%n",
        "members",
        "op",
        "clients",
        "drover/s",
        "p50 ms",
        "p99 ms",
        "etcd/s",
        "p50 ms",
        "p99 ms",
        "thr x",
        "p99 x",
        "d cpu/op",
        "e cpu/op");
    byte[] value = new byte[VALUE_BYTES];
    Arrays.fill(value, (byte) 'v');
    for (int members : memberCounts) {
      Path root = Files.createTempDirectory("store-bench-");
      // Both systems stay up for the whole member count and their cells alternate, so a change
      // in the machine's load (it is shared) hits both sides of a ratio alike.
      try (StoreTarget d =
              new StoreDroverTarget(
                  root.resolve("drover"),
                  members,
                  ratis,
                  new StoreOptions().batchesInFlight(batchesInFlight).maxBatchRequests(maxBatch));
          StoreTarget e =
              withEtcd
                  ? new StoreEtcdTarget(root.resolve("etcd"), members, etcd, etcdSpread)
                  : null) {
        prepare(d, value);
        if (e != null) {
          prepare(e, value);
        }
        for (String w : workloads) {
          for (int c : clientCounts) {
            // Rounds alternate the two systems cell by cell; the row and the ratios are the
            // medians of the rounds, the spread their range.
            List<Cell> dr = new ArrayList<>();
            List<Cell> er = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
              dr.add(run(d, w, c, seconds, warmup, value));
              er.add(
                  e == null
                      ? new Cell(Double.NaN, Double.NaN, Double.NaN, 0, Double.NaN)
                      : run(e, w, c, seconds, warmup, value));
            }
            Cell dc = medianCell(dr);
            Cell ec = medianCell(er);
            double thr = dc.opsPerSec() / ec.opsPerSec();
            double p99 = dc.p99Ms() / ec.p99Ms();
            System.out.printf(
                Locale.ROOT,
                "%-7d %-4s %7d | %10.0f %8.2f %8.2f | %10.0f %8.2f %8.2f | %7.2f %7.2f | %8.0f %8.0f%s%n",
                members,
                w,
                c,
                dc.opsPerSec(),
                dc.p50Ms(),
                dc.p99Ms(),
                ec.opsPerSec(),
                ec.p50Ms(),
                ec.p99Ms(),
                thr,
                p99,
                dc.cpuUsPerOp(),
                ec.cpuUsPerOp(),
                dc.errors() + ec.errors() > 0
                    ? "  (errors: drover " + dc.errors() + ", etcd " + ec.errors() + ")"
                    : "");
            System.out.printf(
                Locale.ROOT,
                "%-20s   rounds drover/s %s (p99 %s) | etcd/s %s (p99 %s)%n",
                "",
                rounds(dr, Cell::opsPerSec, "%.0f"),
                rounds(dr, Cell::p99Ms, "%.1f"),
                rounds(er, Cell::opsPerSec, "%.0f"),
                rounds(er, Cell::p99Ms, "%.1f"));
            result.put(w + c + "_ratio_m" + members, thr);
            result.put("p99_" + w + c + "_ratio_m" + members, p99);
          }
        }
      } finally {
        deleteTree(root);
      }
    }
    // Headline (issue 20): the 3-member cell, then every cell's ratio; all medians of rounds.
    double put64 = result.getOrDefault("put64_ratio_m3", Double.NaN);
    double p99put64 = result.getOrDefault("p99_put64_ratio_m3", Double.NaN);
    StringBuilder line = new StringBuilder("RESULT store");
    line.append(
        String.format(Locale.ROOT, " put64_ratio=%.2f p99_put64_ratio=%.2f", put64, p99put64));
    for (Map.Entry<String, Double> en : result.entrySet()) {
      line.append(String.format(Locale.ROOT, " %s=%.2f", en.getKey(), en.getValue()));
    }
    line.append(" rounds=").append(rounds);
    line.append(" clients=").append(etcdSpread ? "drover-leader,etcd-spread" : "both-leader");
    if (!withEtcd) {
      line.append(" peer=none");
    }
    System.out.println(line);
  }

  /** The median of each figure over the rounds (NaN cells stay NaN). */
  private static Cell medianCell(List<Cell> cells) {
    return new Cell(
        median(cells.stream().map(Cell::opsPerSec).toList()),
        median(cells.stream().map(Cell::p50Ms).toList()),
        median(cells.stream().map(Cell::p99Ms).toList()),
        cells.stream().mapToLong(Cell::errors).sum(),
        median(cells.stream().map(Cell::cpuUsPerOp).toList()));
  }

  private static String rounds(
      List<Cell> cells, java.util.function.ToDoubleFunction<Cell> f, String format) {
    return BenchSupport.rounds(cells.stream().map(f::applyAsDouble).toList(), format);
  }

  /** Writes the keys the get workload reads (setup, not measured). */
  private static void prepare(StoreTarget t, byte[] value) throws Exception {
    for (int i = 0; i < 100; i++) {
      t.putSync(("/bench/get/" + i).getBytes(), value);
    }
  }

  /**
   * Runs one closed-loop cell: {@code clients} workers, each issuing its next op when the last
   * completes.
   */
  private static Cell run(
      StoreTarget t, String workload, int clients, int seconds, int warmup, byte[] value)
      throws Exception {
    Histogram hist = new ConcurrentHistogram(TimeUnit.SECONDS.toNanos(60), 3);
    AtomicBoolean measuring = new AtomicBoolean();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong ops = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    CountDownLatch done = new CountDownLatch(clients);
    long[] modRevisions = new long[clients];
    if (workload.equals("txn")) {
      for (int i = 0; i < clients; i++) {
        modRevisions[i] = t.putSync(("/bench/cas/" + i).getBytes(), value);
      }
    }
    List<Worker> workers = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      workers.add(
          new Worker(
              t, workload, i, value, modRevisions, hist, measuring, stop, ops, errors, done));
    }
    workers.forEach(Worker::next);
    TimeUnit.SECONDS.sleep(warmup);
    measuring.set(true);
    long start = System.nanoTime();
    long startOps = ops.get();
    long startCpu = t.serverCpuNanos();
    TimeUnit.SECONDS.sleep(seconds);
    long measuredOps = ops.get() - startOps;
    double elapsed = (System.nanoTime() - start) / 1e9;
    double cpuUsPerOp = (t.serverCpuNanos() - startCpu) / 1e3 / Math.max(1, measuredOps);
    measuring.set(false);
    stop.set(true);
    done.await(60, TimeUnit.SECONDS);
    return new Cell(
        measuredOps / elapsed,
        hist.getValueAtPercentile(50) / 1e6,
        hist.getValueAtPercentile(99) / 1e6,
        errors.get(),
        cpuUsPerOp);
  }

  /** One closed-loop client. */
  private static final class Worker {
    private final StoreTarget t;
    private final String workload;
    private final int id;
    private final byte[] value;
    private final long[] modRevisions;
    private final Histogram hist;
    private final AtomicBoolean measuring;
    private final AtomicBoolean stop;
    private final AtomicLong ops;
    private final AtomicLong errors;
    private final CountDownLatch done;
    private long seq;

    Worker(
        StoreTarget t,
        String workload,
        int id,
        byte[] value,
        long[] modRevisions,
        Histogram hist,
        AtomicBoolean measuring,
        AtomicBoolean stop,
        AtomicLong ops,
        AtomicLong errors,
        CountDownLatch done) {
      this.t = t;
      this.workload = workload;
      this.id = id;
      this.value = value;
      this.modRevisions = modRevisions;
      this.hist = hist;
      this.measuring = measuring;
      this.stop = stop;
      this.ops = ops;
      this.errors = errors;
      this.done = done;
    }

    void next() {
      if (stop.get()) {
        done.countDown();
        return;
      }
      long t0 = System.nanoTime();
      CompletableFuture<?> f;
      switch (workload) {
        case "put" -> f = t.put(("/bench/put/" + id + "/" + (seq++ % 1000)).getBytes(), value);
        case "get" -> f = t.get(("/bench/get/" + ((id + seq++) % 100)).getBytes());
        default ->
            f =
                t.cas(("/bench/cas/" + id).getBytes(), modRevisions[id], value)
                    .thenApply(
                        rev -> {
                          if (rev < 0) {
                            throw new IllegalStateException(
                                "compare-and-swap lost on a key only this client writes");
                          }
                          modRevisions[id] = rev;
                          return rev;
                        });
      }
      f.whenComplete(
          (r, e) -> {
            if (e != null) {
              errors.incrementAndGet();
            } else {
              ops.incrementAndGet();
              if (measuring.get()) {
                hist.recordValue(Math.min(System.nanoTime() - t0, hist.getHighestTrackableValue()));
              }
            }
            // Continue on a fresh stack when the client completed inline.
            CompletableFuture.runAsync(this::next);
          });
    }
  }
}
