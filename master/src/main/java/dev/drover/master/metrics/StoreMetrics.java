package dev.drover.master.metrics;

import dev.drover.api.v1.MasterRole;
import dev.drover.master.registry.Registry;
import dev.drover.store.api.KvStore;
import dev.drover.store.raft.RaftKvStore;
import dev.drover.store.raft.RaftStats;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Quantiles;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import java.util.List;

/**
 * Registers the store-side metrics of one master: latency of every store call and of every write
 * (commit plus apply, as the API waits for it) and, when the store is a Raft member, that member's
 * role, term, indexes and Ratis' own election, log and snapshot metrics (read through {@link
 * RaftKvStore#stats()}, so nothing here imports Ratis), so a scrape of each master shows who leads,
 * how often leadership changed and how fast its log is.
 */
public final class StoreMetrics {
  /** Latency of every store call made by the object store. */
  public static final String CALLS = "drover_store_request_duration_seconds";

  /** Latency of store writes: from the Txn sent to it committed and applied. */
  public static final String WRITES = "drover_store_apply_duration_seconds";

  /** 1 for the Raft role this member is in, 0 for the others. */
  public static final String ROLE = "drover_raft_role";

  /** The Raft term this member is in. */
  public static final String TERM = "drover_raft_term";

  /** Leader elections this member completed (Ratis' electionCount). */
  public static final String ELECTIONS = "drover_raft_leader_elections_total";

  /** The highest log index this member knows committed. */
  public static final String COMMIT_INDEX = "drover_raft_commit_index";

  /** Time to append one entry to this member's log (Ratis' appendEntryLatency). */
  public static final String LOG_APPEND = "drover_raft_log_append_seconds";

  /** The roles a member reports; the gauge has one series per role so a dashboard sums it. */
  private static final List<String> ROLES = List.of("LEADER", "FOLLOWER", "CANDIDATE", "LISTENER");

  private StoreMetrics() {}

  /**
   * Hooks the timers into {@code store} and, for a Raft member, the Raft collector; returns the
   * write-latency histogram (the console charts it).
   */
  public static Histogram register(Metrics metrics, Registry store, KvStore kv) {
    Histogram calls = metrics.histogram(CALLS, "Latency of store calls made by the object store.");
    Histogram writes =
        metrics.histogram(
            WRITES,
            "Latency of store writes, from sent to committed and applied (what a mutating API call"
                + " waits for).");
    store.onStoreCall(n -> calls.observe(n / 1e9));
    store.onStoreWrite(n -> writes.observe(n / 1e9));
    if (kv instanceof RaftKvStore raft) {
      metrics.registry().register(new RaftCollector(raft));
    }
    return writes;
  }

  /**
   * This master's role in the replicated store, for ClusterInfo: LEADER or FOLLOWER (a candidate is
   * a voter between terms), LEARNER for a listener, UNSPECIFIED when the store is not a Raft
   * member.
   */
  public static MasterRole masterRole(KvStore kv) {
    if (!(kv instanceof RaftKvStore raft)) {
      return MasterRole.MASTER_ROLE_UNSPECIFIED;
    }
    return switch (raft.role()) {
      case "LEADER" -> MasterRole.MASTER_ROLE_LEADER;
      case "FOLLOWER", "CANDIDATE" -> MasterRole.MASTER_ROLE_FOLLOWER;
      case "LISTENER" -> MasterRole.MASTER_ROLE_LEARNER;
      default -> MasterRole.MASTER_ROLE_UNSPECIFIED;
    };
  }

  /** The Raft member's numbers, read once per scrape and turned into metric families. */
  private record RaftCollector(RaftKvStore raft) implements MultiCollector {
    @Override
    public MetricSnapshots collect() {
      RaftStats s = raft.stats();
      GaugeSnapshot.Builder role =
          GaugeSnapshot.builder()
              .name(ROLE)
              .help("1 for the Raft role this master's store member is in.");
      for (String r : ROLES) {
        role.dataPoint(point(r.equals(s.role()) ? 1 : 0, Labels.of("role", r)));
      }
      return MetricSnapshots.of(
          role.build(),
          gauge(TERM, "The Raft term of this master's store member (-1 when stopped).", s.term()),
          gauge(
              COMMIT_INDEX,
              "The highest Raft log index this member knows committed (-1 when stopped).",
              s.commitIndex()),
          gauge(
              "drover_raft_applied_index",
              "The highest Raft log index applied to this member's state machine.",
              s.appliedIndex()),
          gauge(
              "drover_raft_snapshot_index",
              "The Raft log index of this member's latest snapshot (-1 without one).",
              s.snapshotIndex()),
          counter(ELECTIONS, "Leader elections this member completed.", s.elections()),
          counter(
              "drover_raft_election_timeouts_total",
              "Times this member's election timer ran out (it stopped hearing from a leader).",
              s.electionTimeouts()),
          counter(
              "drover_raft_snapshots_installed_total",
              "Snapshots this member (as leader) installed on followers that were too far behind.",
              s.snapshotsInstalled()),
          summary(LOG_APPEND, "Time to append one entry to this member's Raft log.", s.logAppend()),
          summary(
              "drover_raft_log_sync_seconds",
              "Time to sync (fsync) this member's Raft log.",
              s.logSync()),
          summary(
              "drover_raft_snapshot_seconds",
              "Time to take one snapshot of this member's state machine.",
              s.snapshot()));
    }

    private static GaugeSnapshot.GaugeDataPointSnapshot point(double v, Labels labels) {
      return GaugeSnapshot.GaugeDataPointSnapshot.builder().value(v).labels(labels).build();
    }

    private static GaugeSnapshot gauge(String name, String help, double value) {
      return GaugeSnapshot.builder()
          .name(name)
          .help(help)
          .dataPoint(point(value, Labels.EMPTY))
          .build();
    }

    private static CounterSnapshot counter(String name, String help, long value) {
      return CounterSnapshot.builder()
          .name(name.substring(0, name.length() - "_total".length()))
          .help(help)
          .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().value(value).build())
          .build();
    }

    // Ratis keeps a sliding reservoir, not a sum: the summary carries its count and quantiles.
    private static SummarySnapshot summary(String name, String help, RaftStats.Timing t) {
      return SummarySnapshot.builder()
          .name(name)
          .help(help)
          .dataPoint(
              SummarySnapshot.SummaryDataPointSnapshot.builder()
                  .count(t.count())
                  .quantiles(
                      Quantiles.builder()
                          .quantile(0.5, t.p50Seconds())
                          .quantile(0.99, t.p99Seconds())
                          .build())
                  .build())
          .build();
    }
  }
}
