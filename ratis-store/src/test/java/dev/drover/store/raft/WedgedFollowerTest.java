package dev.drover.store.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.reflect.Field;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.ratis.server.raftlog.RaftLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A follower whose log refuses one append because another thread holds the log's single-runner
 * slot, as happened in the fault harness to a leader frozen with appends in flight and resumed as a
 * follower ("Already running a method by ..."). In Ratis 3.2.0 every later follower append then
 * failed with that same exception until the process restarted; the member must instead catch up
 * again by itself, and no acknowledged write may be lost.
 */
class WedgedFollowerTest {
  @TempDir Path dir;

  /** The thread that Ratis' log runner of {@code log} believes is running one of its methods. */
  @SuppressWarnings("unchecked")
  private static AtomicReference<Thread> runnerOf(RaftLog log) throws Exception {
    Class<?> base = log.getClass();
    while (base.getSuperclass() != Object.class && !base.getSimpleName().equals("RaftLogBase")) {
      base = base.getSuperclass();
    }
    Field runnerField = base.getDeclaredField("runner");
    runnerField.setAccessible(true);
    Object runner = runnerField.get(log);
    Field threadField = runner.getClass().getDeclaredField("runner");
    threadField.setAccessible(true);
    return (AtomicReference<Thread>) threadField.get(runner);
  }

  @Test
  void aFollowerWhoseAppendFailedOnceCatchesUpAndKeepsEveryAcknowledgedWrite() throws Exception {
    try (TestCluster cluster = new TestCluster(dir, 3, TestCluster::testOptions).startAll();
        ClusterFailoverTest.Writers writers = new ClusterFailoverTest.Writers(cluster, 2)) {
      RaftKvStore follower = cluster.follower();
      await().atMost(Duration.ofSeconds(60)).until(() -> writers.ackCount.get() >= 50);

      // Another "thread" holds the follower log's runner while the leader's appends arrive: the
      // next follower append fails the runner check, and Ratis chains every later one on it.
      AtomicReference<Thread> runner = runnerOf(follower.division().getRaftLog());
      Thread frozenLeaderAppend = new Thread(() -> {}, "frozen-leader-append");
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> runner.compareAndSet(null, frozenLeaderAppend));
      AtomicReference<CompletableFuture<Void>> chain =
          WedgedAppendReset.appendChain(follower.division());
      try {
        await()
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(5))
            .until(() -> chain.get().isCompletedExceptionally());
      } finally {
        runner.compareAndSet(frozenLeaderAppend, null);
      }
      long wedgedAt = follower.lastAppliedIndex();

      // The group goes on with the two others; the follower must get entries again, well within
      // the time the fault harness allows a member to catch up.
      int acked = writers.ackCount.get();
      await().atMost(Duration.ofSeconds(60)).until(() -> writers.ackCount.get() >= acked + 100);
      await("the wedged follower applies entries again")
          .atMost(Duration.ofSeconds(15))
          .until(() -> follower.lastAppliedIndex() > wedgedAt + 50);
      writers.close();
      assertThat(writers.violation.get()).isNull();
      await("the wedged follower reaches the leader")
          .atMost(Duration.ofSeconds(15))
          .until(() -> follower.lastAppliedIndex() >= cluster.leader().lastAppliedIndex());
      assertThat(follower.mvcc().liveView()).isEqualTo(cluster.leader().mvcc().liveView());
      ClusterFailoverTest.assertAllAckedReadable(follower, writers.acked);
    }
  }
}
