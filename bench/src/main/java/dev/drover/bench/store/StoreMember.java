package dev.drover.bench.store;

import dev.drover.store.KvStores;
import dev.drover.store.api.Peer;
import dev.drover.store.api.StoreOptions;
import dev.drover.store.raft.RaftKvStore;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.ratis.metrics.MetricRegistries;
import org.apache.ratis.metrics.RatisMetricRegistry;
import org.apache.ratis.metrics.impl.RatisMetricRegistryImpl;
import org.apache.ratis.thirdparty.com.codahale.metrics.Counter;
import org.apache.ratis.thirdparty.com.codahale.metrics.Metric;
import org.apache.ratis.thirdparty.com.codahale.metrics.Snapshot;
import org.apache.ratis.thirdparty.com.codahale.metrics.Timer;

/**
 * One Drover store member as its own process, for the store benchmark (as each etcd member is its
 * own process): {@code StoreMember ID PEERS DATA_DIR [raft.key=value ...]} where PEERS is {@code
 * id=host:port,...}. Prints {@code READY} once started and runs until its standard input closes
 * (the benchmark closes it, or dies), then closes the member.
 *
 * <p>For profiling, {@code -Ddrover.bench.metrics=FILE} (through {@code BENCH_MEMBER_JAVA_OPTS},
 * where {@code {id}} becomes the member id) writes Ratis' own timers and counters (log worker
 * queueing, write and fsync times, appender round trips, apply, client request times) to FILE
 * before the member closes: the per-hop breakdown of the write path.
 */
public final class StoreMember {
  private StoreMember() {}

  /** Parses {@code id=host:port,...}. */
  static List<Peer> parsePeers(String spec) {
    List<Peer> peers = new ArrayList<>();
    for (String item : spec.split(",")) {
      String[] idAddr = item.split("=", 2);
      peers.add(Peer.parse(idAddr[0], idAddr[1]));
    }
    return peers;
  }

  /** Entry point. */
  public static void main(String[] args) throws IOException {
    if (args.length < 3) {
      System.err.println("usage: StoreMember ID PEERS DATA_DIR [raft.key=value ...]");
      System.exit(2);
    }
    StoreOptions options = new StoreOptions();
    for (int i = 3; i < args.length; i++) {
      String[] kv = args[i].split("=", 2);
      options.ratisProperty(kv[0], kv[1]);
    }
    RaftKvStore member =
        KvStores.cluster(args[0], parsePeers(args[1]), Path.of(args[2])).options(options).start();
    System.out.println("READY");
    System.out.flush();
    // Block until the parent closes our stdin (or exits).
    while (System.in.read() >= 0) {
      // Ignore anything written to us.
    }
    String metrics = System.getProperty("drover.bench.metrics");
    if (metrics != null) {
      dumpMetrics(member, Path.of(metrics));
    }
    member.close();
  }

  /**
   * Writes every Ratis timer (count, mean, p50, p99 in ms) and counter of this JVM to {@code file}.
   */
  private static void dumpMetrics(RaftKvStore member, Path file) throws IOException {
    try (PrintStream out = new PrintStream(file.toFile(), StandardCharsets.UTF_8)) {
      out.printf(
          Locale.ROOT,
          "member %s role %s term %d applied %d%n",
          member.id(),
          member.role(),
          member.currentTerm(),
          member.lastAppliedIndex());
      for (RatisMetricRegistry r : MetricRegistries.global().getMetricRegistries()) {
        String prefix = r.getMetricRegistryInfo().getPrefix();
        if (!(r instanceof RatisMetricRegistryImpl impl)) {
          continue;
        }
        for (Map.Entry<String, Metric> e :
            impl.getDropWizardMetricRegistry().getMetrics().entrySet()) {
          if (e.getValue() instanceof Timer t) {
            Snapshot s = t.getSnapshot();
            out.printf(
                Locale.ROOT,
                "timer %s.%s count=%d mean=%.3fms p50=%.3fms p99=%.3fms%n",
                prefix,
                e.getKey(),
                t.getCount(),
                s.getMean() / 1e6,
                s.getMedian() / 1e6,
                s.get99thPercentile() / 1e6);
          } else if (e.getValue() instanceof Counter c) {
            out.printf(Locale.ROOT, "counter %s.%s %d%n", prefix, e.getKey(), c.getCount());
          }
        }
      }
    }
  }
}
