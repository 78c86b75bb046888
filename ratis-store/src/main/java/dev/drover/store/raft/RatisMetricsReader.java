package dev.drover.store.raft;

import java.util.HashMap;
import java.util.Map;
import org.apache.ratis.metrics.MetricRegistries;
import org.apache.ratis.metrics.RatisMetricRegistry;
import org.apache.ratis.metrics.impl.RatisMetricRegistryImpl;
import org.apache.ratis.thirdparty.com.codahale.metrics.Counter;
import org.apache.ratis.thirdparty.com.codahale.metrics.Metric;
import org.apache.ratis.thirdparty.com.codahale.metrics.Snapshot;
import org.apache.ratis.thirdparty.com.codahale.metrics.Timer;

/**
 * Reads one member's metrics out of Ratis' process-wide registries ({@link MetricRegistries}). Each
 * Ratis registry is named after the member it measures ({@code id@group-...}), and several members
 * may share a JVM (tests, benchmarks), so only the registries of this member are read. Ratis
 * creates some of them lazily (the log appender only on a leader): a missing metric reads as zero.
 * Ratis keys its registries by member id and group, so two members with the same id in the same
 * group in one JVM (only tests do that) share them.
 */
final class RatisMetricsReader {
  private final String memberId;

  RatisMetricsReader(String memberId) {
    this.memberId = memberId;
  }

  /** Every metric of this member by its short name (electionCount, appendEntryLatency, ...). */
  Map<String, Metric> read() {
    Map<String, Metric> out = new HashMap<>();
    for (RatisMetricRegistry r : MetricRegistries.global().getMetricRegistries()) {
      String prefix = r.getMetricRegistryInfo().getPrefix();
      if (!(r instanceof RatisMetricRegistryImpl impl) || !ours(prefix)) {
        continue;
      }
      impl.getDropWizardMetricRegistry()
          .getMetrics()
          .forEach((name, metric) -> out.put(name.substring(name.lastIndexOf('.') + 1), metric));
    }
    return out;
  }

  private boolean ours(String prefix) {
    return prefix != null && (prefix.equals(memberId) || prefix.startsWith(memberId + "@"));
  }

  static long count(Map<String, Metric> metrics, String name) {
    Metric m = metrics.get(name);
    if (m instanceof Counter c) {
      return c.getCount();
    }
    return m instanceof Timer t ? t.getCount() : 0;
  }

  static RaftStats.Timing timing(Map<String, Metric> metrics, String name) {
    if (!(metrics.get(name) instanceof Timer t) || t.getCount() == 0) {
      return RaftStats.Timing.NONE;
    }
    Snapshot s = t.getSnapshot();
    return new RaftStats.Timing(t.getCount(), s.getMedian() / 1e9, s.get99thPercentile() / 1e9);
  }
}
