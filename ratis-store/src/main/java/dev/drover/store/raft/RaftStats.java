package dev.drover.store.raft;

/**
 * What one store member's Raft layer reports, as plain numbers read from Ratis' own metrics and its
 * log, so that callers outside this module (the master's Prometheus registry) need not import
 * Ratis. Counts are totals since the member started; timings are Ratis' sliding reservoirs.
 *
 * @param role LEADER, FOLLOWER, CANDIDATE, LISTENER, or UNKNOWN when not running
 * @param term the current term, -1 when not running
 * @param commitIndex the highest log index known committed, -1 when not running
 * @param appliedIndex the highest index applied to the state machine
 * @param snapshotIndex the index of the latest snapshot here, -1 without one
 * @param elections elections this member started (it became a candidate)
 * @param electionTimeouts times this member's election timer ran out
 * @param snapshotsInstalled snapshots installed on followers (on the leader) since the start
 * @param logAppend time to append one entry to the local log
 * @param logSync time to sync (fsync) the local log
 * @param snapshot time to take one snapshot of the state machine
 */
public record RaftStats(
    String role,
    long term,
    long commitIndex,
    long appliedIndex,
    long snapshotIndex,
    long elections,
    long electionTimeouts,
    long snapshotsInstalled,
    Timing logAppend,
    Timing logSync,
    Timing snapshot) {

  /**
   * A Ratis timer: how many times it ran, and the median and 99th percentile of its recent runs in
   * seconds (0 when it never ran).
   */
  public record Timing(long count, double p50Seconds, double p99Seconds) {
    /** A timer that never ran (or that Ratis has not created yet). */
    public static final Timing NONE = new Timing(0, 0, 0);
  }
}
