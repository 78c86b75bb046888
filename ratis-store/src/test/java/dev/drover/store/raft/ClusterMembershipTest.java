package dev.drover.store.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.drover.store.KvStores;
import dev.drover.store.api.Keys;
import dev.drover.store.api.Peer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Growing a 3-member group to 5 at run time, then removing a member, with the same code. */
class ClusterMembershipTest {
  @TempDir Path dir;

  @Test
  void addTwoMembersThenRemoveOne() throws Exception {
    List<RaftKvStore> extra = new ArrayList<>();
    try (TestCluster cluster = new TestCluster(dir, 3, TestCluster::testOptions).startAll()) {
      RaftKvStore leader = cluster.leader();
      for (int i = 0; i < 30; i++) {
        leader.put(Keys.of("/m/" + i), Keys.of("v" + i)).get(30, TimeUnit.SECONDS);
      }
      List<Peer> five = new ArrayList<>(cluster.peers());
      five.add(new Peer("m4", "127.0.0.1", KvStores.freePort()));
      five.add(new Peer("m5", "127.0.0.1", KvStores.freePort()));
      for (Peer p : five.subList(3, 5)) {
        extra.add(
            KvStores.cluster(p.id(), five, dir.resolve(p.id()))
                .options(TestCluster.testOptions())
                .start());
      }
      cluster.follower().setMembers(five).get(60, TimeUnit.SECONDS);
      List<RaftKvStore> all = new ArrayList<>(cluster.members());
      all.addAll(extra);
      for (RaftKvStore m : all) {
        await().atMost(Duration.ofSeconds(60)).until(() -> m.memberIds().size() == 5);
      }
      for (RaftKvStore m : extra) {
        await().atMost(Duration.ofSeconds(60)).until(() -> m.currentRevision() == 30);
        assertThat(m.mvcc().liveView()).isEqualTo(cluster.leader().mvcc().liveView());
      }

      // Remove one of the original members; writes go on and reach the new ones.
      RaftKvStore gone = cluster.follower();
      List<Peer> four = new ArrayList<>(five);
      four.removeIf(p -> p.id().equals(gone.id()));
      extra.get(0).setMembers(four).get(60, TimeUnit.SECONDS);
      cluster.stop(gone.id());
      long rev =
          extra
              .get(1)
              .put(Keys.of("/m/after"), Keys.of("x"))
              .get(30, TimeUnit.SECONDS)
              .getHeader()
              .getRevision();
      assertThat(rev).isEqualTo(31);
      for (RaftKvStore m : extra) {
        await().atMost(Duration.ofSeconds(60)).until(() -> m.currentRevision() == 31);
        assertThat(m.memberIds()).hasSize(4).doesNotContain(gone.id());
      }
    } finally {
      for (RaftKvStore m : extra) {
        m.close();
      }
    }
  }
}
