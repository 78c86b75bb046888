package dev.drover.store.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.drover.store.api.Keys;
import dev.drover.store.v1.KeyValue;
import dev.drover.store.v1.PutResponse;
import dev.drover.store.v1.RangeResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three members on loopback: leader loss under load, snapshot catch-up, full restarts. */
class ClusterFailoverTest {
  @TempDir Path dir;

  /** Writers that put unique keys through given members and record what was acknowledged. */
  static final class Writers implements AutoCloseable {
    final Map<String, Long> acked = new ConcurrentHashMap<>();
    final AtomicInteger ackCount = new AtomicInteger();
    final AtomicReference<String> violation = new AtomicReference<>();
    final AtomicBoolean stop = new AtomicBoolean();

    /** Highest revision acknowledged so far: a write started later must get a higher one. */
    final java.util.concurrent.atomic.AtomicLong maxAcked =
        new java.util.concurrent.atomic.AtomicLong();

    final List<Thread> threads = new ArrayList<>();

    Writers(TestCluster cluster, int n) {
      for (int w = 0; w < n; w++) {
        final int writer = w;
        Thread t =
            new Thread(
                () -> {
                  int seq = 0;
                  while (!stop.get()) {
                    List<RaftKvStore> members = cluster.members();
                    if (members.isEmpty()) {
                      continue;
                    }
                    RaftKvStore via = members.get((writer + seq) % members.size());
                    String key = "/load/" + writer + "/" + seq;
                    long floor = maxAcked.get();
                    try {
                      PutResponse r =
                          via.put(Keys.of(key), Keys.of("v" + seq)).get(30, TimeUnit.SECONDS);
                      long rev = r.getHeader().getRevision();
                      if (rev <= floor) {
                        violation.compareAndSet(
                            null,
                            key
                                + " got revision "
                                + rev
                                + " though "
                                + floor
                                + " was acknowledged before it started");
                      }
                      maxAcked.accumulateAndGet(rev, Math::max);
                      acked.put(key, rev);
                      ackCount.incrementAndGet();
                    } catch (Exception e) {
                      // Not acknowledged: it may or may not have applied; nothing is asserted about
                      // it.
                    }
                    seq++;
                  }
                },
                "writer-" + w);
        t.start();
        threads.add(t);
      }
    }

    @Override
    public void close() throws InterruptedException {
      stop.set(true);
      for (Thread t : threads) {
        t.join(60_000);
      }
    }
  }

  static void assertAllAckedReadable(RaftKvStore via, Map<String, Long> acked) throws Exception {
    RangeResponse all = via.getPrefix(Keys.of("/load/")).get(30, TimeUnit.SECONDS);
    Map<String, KeyValue> found = new ConcurrentHashMap<>();
    for (KeyValue kv : all.getKvsList()) {
      found.put(kv.getKey().toStringUtf8(), kv);
    }
    for (Map.Entry<String, Long> e : acked.entrySet()) {
      assertThat(found).as("acknowledged write %s", e.getKey()).containsKey(e.getKey());
      assertThat(found.get(e.getKey()).getModRevision()).isEqualTo(e.getValue());
    }
  }

  @Test
  void leaderStopUnderWriteLoadKeepsAcknowledgedWritesAndRevisionsMonotonic() throws Exception {
    try (TestCluster cluster = new TestCluster(dir, 3, TestCluster::testOptions).startAll()) {
      cluster.leader();
      AtomicBoolean monitorStop = new AtomicBoolean();
      AtomicReference<String> backwards = new AtomicReference<>();
      Thread monitor =
          new Thread(
              () -> {
                // Per running member instance: its applied revision never decreases.
                Map<RaftKvStore, Long> seen = new java.util.IdentityHashMap<>();
                while (!monitorStop.get()) {
                  for (RaftKvStore m : cluster.members()) {
                    long rev = m.currentRevision();
                    Long prev = seen.put(m, rev);
                    if (prev != null && rev < prev) {
                      backwards.compareAndSet(null, m.id() + " went from " + prev + " to " + rev);
                    }
                  }
                  java.util.concurrent.locks.LockSupport.parkNanos(200_000);
                }
              });
      monitor.start();
      try (Writers writers = new Writers(cluster, 4)) {
        await().atMost(Duration.ofSeconds(60)).until(() -> writers.ackCount.get() >= 50);
        RaftKvStore first = cluster.leader();
        cluster.stop(first.id());
        int atStop = writers.ackCount.get();
        await().atMost(Duration.ofSeconds(60)).until(() -> writers.ackCount.get() >= atStop + 50);
        RaftKvStore second = cluster.leader();
        assertThat(second.id()).isNotEqualTo(first.id());
        cluster.start(first.id());
        int atRestart = writers.ackCount.get();
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> writers.ackCount.get() >= atRestart + 50);
        writers.close();
        assertThat(writers.violation.get()).isNull();
        assertAllAckedReadable(cluster.leader(), writers.acked);
      } finally {
        monitorStop.set(true);
        monitor.join();
      }
      assertThat(backwards.get()).isNull();
    }
  }

  private static void putAll(RaftKvStore via, String prefix, int n, int valueBytes)
      throws Exception {
    String pad = "x".repeat(valueBytes);
    List<java.util.concurrent.CompletableFuture<PutResponse>> pending = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      pending.add(via.put(Keys.of(prefix + i), Keys.of(pad + i)));
      if (pending.size() >= 32) {
        for (var f : pending) {
          f.get(30, TimeUnit.SECONDS);
        }
        pending.clear();
      }
    }
    for (var f : pending) {
      f.get(30, TimeUnit.SECONDS);
    }
  }

  /**
   * Regression test for the soak's member that never caught up (seed 20261206): a follower that
   * missed three snapshots' worth of entries, but fewer than {@link LogRetention#keptEntries}, is
   * caught up from the leader's log, so the leader sends it no InstallSnapshot (which, racing with
   * queued appends, wedged that member's Ratis log). Before the fix the leader purged its log up to
   * each snapshot, past where the follower stopped.
   */
  @Test
  void followerMissingFewerEntriesThanTheKeptLogCatchesUpFromTheLog() throws Exception {
    int every = 50;
    try (TestCluster cluster =
        new TestCluster(
                dir,
                3,
                () ->
                    TestCluster.testOptions()
                        .snapshotEveryEntries(every)
                        .logSegmentBytes(16 * 1024))
            .startAll()) {
      putAll(cluster.leader(), "/before/", 20, 200);
      RaftKvStore follower = cluster.follower();
      String fid = follower.id();
      await().atMost(Duration.ofSeconds(60)).until(() -> follower.currentRevision() == 20);
      long appliedBefore = follower.lastAppliedIndex();
      cluster.stop(fid);

      RaftKvStore leader = cluster.leader();
      // One entry per put (nothing to batch with): three snapshots after the stop. The purge
      // after the second one is done once the third one exists (both run on the same thread).
      int missed = 0;
      while (leader.latestSnapshotIndex() <= appliedBefore + 3L * every) {
        assertThat(missed).as("puts written without passing three snapshots").isLessThan(1_000);
        putAll(leader, "/missed/" + missed + "/", 1, 200);
        missed++;
      }
      assertThat(leader.lastAppliedIndex() - appliedBefore)
          .as("entries the follower missed")
          .isLessThan(LogRetention.keptEntries(every));
      assertThat(leader.logStartIndex())
          .as("the leader's first log entry after three snapshots")
          .isLessThanOrEqualTo(appliedBefore + 1);

      long expected = 20 + missed;
      RaftKvStore back = cluster.start(fid);
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  back.lastAppliedIndex() >= leader.lastAppliedIndex()
                      && back.currentRevision() == expected);
      assertThat(back.logStartIndex())
          .as("the follower's log still starts before where it stopped (no snapshot installed)")
          .isLessThanOrEqualTo(appliedBefore + 1);
      assertThat(back.mvcc().liveView()).isEqualTo(leader.mvcc().liveView());
    }
  }

  @Test
  void followerMissingMoreThanTwoSnapshotsCatchesUpBySnapshotInstall() throws Exception {
    try (TestCluster cluster =
        new TestCluster(
                dir,
                3,
                () -> TestCluster.testOptions().snapshotEveryEntries(50).logSegmentBytes(16 * 1024))
            .startAll()) {
      putAll(cluster.leader(), "/before/", 20, 50);
      RaftKvStore follower = cluster.follower();
      String fid = follower.id();
      await().atMost(Duration.ofSeconds(60)).until(() -> follower.currentRevision() == 20);
      long appliedBefore = follower.lastAppliedIndex();
      cluster.stop(fid);

      RaftKvStore leader = cluster.leader();
      // Write until the leader has snapshotted more than twice (every 50 entries) and purged
      // the log the follower would need. Concurrent puts share log entries (group commit), so
      // how many puts that takes depends on the batching; count entries, not puts.
      int missed = 0;
      while (!(leader.latestSnapshotIndex() > appliedBefore + 100
          && leader.logStartIndex() > appliedBefore + 1)) {
        assertThat(missed).as("puts written without passing two snapshots").isLessThan(20_000);
        putAll(leader, "/missed/" + missed + "/", 100, 200);
        missed += 100;
      }
      long expected = 20 + missed;

      RaftKvStore back = cluster.start(fid);
      await()
          .atMost(Duration.ofSeconds(90))
          .until(
              () ->
                  back.lastAppliedIndex() >= leader.lastAppliedIndex()
                      && back.currentRevision() == expected);
      // Caught up from a snapshot the leader sent: its own latest snapshot is past where it
      // stopped.
      assertThat(back.latestSnapshotIndex()).isGreaterThan(appliedBefore + 100);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> back.lastAppliedIndex() == leader.lastAppliedIndex());
      assertThat(back.mvcc().snapshot(0, 0)).isEqualTo(leader.mvcc().snapshot(0, 0));
      assertThat(back.mvcc().liveView())
          .hasSize((int) expected)
          .isEqualTo(leader.mvcc().liveView());
    }
  }

  @Test
  void fullClusterRestartLosesNoAcknowledgedWrite() throws Exception {
    Map<String, Long> acked = new ConcurrentHashMap<>();
    long maxRev = 0;
    List<dev.drover.store.api.Peer> peers;
    try (TestCluster cluster =
        new TestCluster(dir, 3, () -> TestCluster.testOptions().snapshotEveryEntries(40))
            .startAll()) {
      cluster.leader();
      int i = 0;
      for (RaftKvStore via : cluster.members()) {
        for (int j = 0; j < 40; j++, i++) {
          String key = "/load/" + i;
          long rev =
              via.put(Keys.of(key), Keys.of("v" + i))
                  .get(30, TimeUnit.SECONDS)
                  .getHeader()
                  .getRevision();
          acked.put(key, rev);
          maxRev = Math.max(maxRev, rev);
        }
      }
      peers = cluster.peers();
      // Everything stops at once; the next cluster reuses the same directories and ports.
      cluster.close();
      TestCluster again = new TestCluster(dir, peers, TestCluster::testOptions);
      try (again) {
        again.startAll();
        RaftKvStore leader = again.leader();
        assertAllAckedReadable(leader, acked);
        long next =
            leader
                .put(Keys.of("/after"), Keys.of("x"))
                .get(30, TimeUnit.SECONDS)
                .getHeader()
                .getRevision();
        assertThat(next).isGreaterThan(maxRev);
        for (RaftKvStore m : again.members()) {
          await().atMost(Duration.ofSeconds(60)).until(() -> m.currentRevision() == next);
        }
      }
    }
  }
}
