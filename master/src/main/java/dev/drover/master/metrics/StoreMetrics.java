package dev.drover.master.metrics;

import dev.drover.api.v1.MasterRole;
import dev.drover.master.store.ObjectStore;
import dev.drover.store.api.KvStore;
import dev.drover.store.raft.RaftKvStore;
import java.util.List;

/**
 * Registers the store-side metrics of one master: latency of every store call and of every write
 * (commit plus apply, as the API waits for it) and, when the store is a Raft member, that member's
 * role and term, so a scrape of each master shows who leads and how often leadership changed.
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

  /** The roles a member reports; the gauge has one series per role so a dashboard sums it. */
  private static final List<String> ROLES = List.of("LEADER", "FOLLOWER", "CANDIDATE", "LISTENER");

  private StoreMetrics() {}

  /** Hooks the timers into {@code store} and, for a Raft member, the role and term gauges. */
  public static void register(Metrics metrics, ObjectStore store, KvStore kv) {
    store.onStoreCall(
        n -> metrics.observe(CALLS, "Latency of store calls made by the object store.", "", n));
    store.onStoreWrite(
        n ->
            metrics.observe(
                WRITES,
                "Latency of store writes, from sent to committed and applied (what a mutating API call waits for).",
                "",
                n));
    if (kv instanceof RaftKvStore raft) {
      for (String r : ROLES) {
        metrics.gauge(
            ROLE,
            "1 for the Raft role this master's store member is in.",
            "role=" + Metrics.quote(r),
            () -> r.equals(raft.role()) ? 1 : 0);
      }
      metrics.gauge(
          TERM,
          "The Raft term of this master's store member (-1 when stopped).",
          "",
          raft::currentTerm);
    }
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
}
