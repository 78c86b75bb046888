package dev.drover.store.raft;

import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.server.RaftServerConfigKeys;

/**
 * How much Raft log a member keeps when it purges the log up to a snapshot it took: the last {@link
 * #SNAPSHOT_INTERVALS_KEPT} snapshot intervals of entries stay, so a follower that fell a little
 * behind (restarted, paused, cut off for a moment) is caught up with AppendEntries, as etcd does
 * with its catch-up entries, and only a follower further behind gets an InstallSnapshot.
 *
 * <p>Why it matters beyond the bytes sent: in Ratis 3.2 a follower chains each append on the one
 * before it, and once one fails every later AppendEntries fails with the same exception until the
 * process restarts. An InstallSnapshot that arrives while accepted entries are still queued is what
 * makes one fail: it purges the follower's log, and the next queued entry no longer follows the log
 * ("Difference between entry index and RaftLog's latest snapshot index"). With the log purged right
 * up to each snapshot, a leader sent that InstallSnapshot to a follower only a few hundred entries
 * behind and still receiving entries (soak, seed 20261206, after a power-off).
 */
final class LogRetention {
  /** Snapshot intervals of entries kept behind the last entry when the log is purged. */
  static final int SNAPSHOT_INTERVALS_KEPT = 4;

  private LogRetention() {}

  /** Entries kept behind the last one when the log is purged, for a given snapshot interval. */
  static long keptEntries(long snapshotEveryEntries) {
    return Math.min(snapshotEveryEntries, Long.MAX_VALUE / SNAPSHOT_INTERVALS_KEPT)
        * SNAPSHOT_INTERVALS_KEPT;
  }

  /** Sets the purge of {@code p}'s server to keep {@link #keptEntries(long)} entries. */
  static void configure(RaftProperties p, long snapshotEveryEntries) {
    RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
    RaftServerConfigKeys.Log.setPurgePreservationLogNum(p, keptEntries(snapshotEveryEntries));
  }
}
