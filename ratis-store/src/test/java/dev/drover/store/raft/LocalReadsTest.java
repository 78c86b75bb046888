package dev.drover.store.raft;

import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.store.KvStores;
import dev.drover.store.api.Keys;
import dev.drover.store.api.Peer;
import dev.drover.store.api.StoreOptions;
import dev.drover.store.v1.RangeResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Linearizable reads served by a member itself: across a leader's loss, and while not a voter. */
class LocalReadsTest {
  @TempDir Path dir;

  private static String value(RangeResponse r) {
    return r.getKvs(0).getValue().toStringUtf8();
  }

  /**
   * With the shipped options, a read started through a follower just after the leader stopped
   * answers with the last acknowledged write soon after the new leader is elected. Sent to the
   * leader a Ratis client last knew, it waited out the client's 4 s request timeout and a channel
   * shutdown first: 7.2-7.3 s after the stop, about 5 s after the election.
   */
  @Test
  void aReadThroughAFollowerAnswersSoonAfterTheNextLeaderIsElected() throws Exception {
    try (TestCluster c = new TestCluster(dir, 3, StoreOptions::new).startAll()) {
      RaftKvStore leader = c.leader();
      RaftKvStore follower = c.follower();
      follower.put(Keys.of("/k"), Keys.of("v1")).get(30, TimeUnit.SECONDS);
      leader.put(Keys.of("/k"), Keys.of("v2")).get(30, TimeUnit.SECONDS);
      assertThat(value(follower.get(Keys.of("/k")).get(30, TimeUnit.SECONDS))).isEqualTo("v2");

      c.stop(leader.id());
      CompletableFuture<RangeResponse> read = follower.get(Keys.of("/k"));
      RaftKvStore next = c.leader();
      long elected = System.nanoTime();

      assertThat(value(read.get(30, TimeUnit.SECONDS))).isEqualTo("v2");
      Duration afterElection = Duration.ofNanos(System.nanoTime() - elected);
      assertThat(next.id()).isNotEqualTo(leader.id());
      assertThat(afterElection).isLessThan(Duration.ofMillis(2500));
    }
  }

  /**
   * A member started with a configuration that names it, in a group that never added it, knows no
   * leader and cannot get a read index: its reads go through its client to the group's leader.
   */
  @Test
  void aMemberTheGroupHasNotAddedReadsThroughTheLeader() throws Exception {
    try (TestCluster c = new TestCluster(dir, 3, TestCluster::testOptions).startAll()) {
      c.leader().put(Keys.of("/k"), Keys.of("v1")).get(30, TimeUnit.SECONDS);
      List<Peer> four = new ArrayList<>(c.peers());
      Peer extra = new Peer("m4", "127.0.0.1", KvStores.freePort());
      four.add(extra);
      try (RaftKvStore outsider =
          KvStores.cluster(extra.id(), four, dir.resolve(extra.id()))
              .options(TestCluster.testOptions())
              .start()) {
        assertThat(value(outsider.get(Keys.of("/k")).get(30, TimeUnit.SECONDS))).isEqualTo("v1");
      }
    }
  }
}
