package dev.drover.store.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.drover.store.api.Keys;
import dev.drover.store.api.KvStoreException;
import dev.drover.store.v1.LeaseGrantRequest;
import dev.drover.store.v1.LeaseKeepAliveRequest;
import dev.drover.store.v1.LeaseTimeToLiveRequest;
import dev.drover.store.v1.PutRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Leases on a 3-member cluster: expiry by the leader, keepalive, refresh on leader change. */
class ClusterLeaseTest {
  @TempDir Path dir;

  private static long grant(RaftKvStore via, long ttl) throws Exception {
    return via.leaseGrant(LeaseGrantRequest.newBuilder().setTtl(ttl).build())
        .get(30, TimeUnit.SECONDS)
        .getId();
  }

  private static void put(RaftKvStore via, String key, long lease) throws Exception {
    via.put(
            PutRequest.newBuilder()
                .setKey(Keys.of(key))
                .setValue(Keys.of("v"))
                .setLease(lease)
                .build())
        .get(30, TimeUnit.SECONDS);
  }

  private static long count(RaftKvStore via, String prefix) throws Exception {
    return via.getPrefix(Keys.of(prefix)).get(30, TimeUnit.SECONDS).getCount();
  }

  private static long remaining(RaftKvStore via, long id) throws Exception {
    return via.leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setId(id).build())
        .get(30, TimeUnit.SECONDS)
        .getTtl();
  }

  @Test
  void expiryDeletesAttachedKeysOnEveryMember() throws Exception {
    try (TestCluster cluster = new TestCluster(dir, 3, TestCluster::testOptions).startAll()) {
      RaftKvStore via = cluster.follower();
      long id = grant(via, 1);
      put(via, "/lease/a", id);
      put(via, "/lease/b", id);
      put(via, "/keep/c", 0);
      await().atMost(Duration.ofSeconds(60)).until(() -> count(via, "/lease/") == 0);
      for (RaftKvStore m : cluster.members()) {
        await().atMost(Duration.ofSeconds(30)).until(() -> m.mvcc().liveView().size() == 1);
      }
      assertThat(count(via, "/keep/")).isEqualTo(1);
      var ttl = via.leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setId(id).build());
      await().atMost(Duration.ofSeconds(30)).until(ttl::isDone);
      assertThat(KvStoreException.of(ttl.handle((r, e) -> e).join()).kind())
          .isEqualTo(KvStoreException.Kind.LEASE_NOT_FOUND);
    }
  }

  @Test
  void keepAliveKeepsKeysAndLeaderChangeRefreshesInsteadOfExpiring() throws Exception {
    try (TestCluster cluster = new TestCluster(dir, 3, TestCluster::testOptions).startAll()) {
      RaftKvStore via = cluster.follower();
      long kept = grant(via, 2);
      put(via, "/kept/a", kept);
      java.util.concurrent.ScheduledExecutorService keeper =
          java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
      try {
        keeper.scheduleAtFixedRate(
            () -> via.leaseKeepAlive(LeaseKeepAliveRequest.newBuilder().setId(kept).build()),
            0,
            500,
            TimeUnit.MILLISECONDS);
        // Three TTLs with keepalives: the key stays.
        await()
            .during(Duration.ofSeconds(6))
            .atMost(Duration.ofSeconds(30))
            .until(() -> count(via, "/kept/") == 1);
      } finally {
        keeper.shutdownNow();
        keeper.awaitTermination(10, TimeUnit.SECONDS);
      }

      long ttl = 20;
      long granted = System.nanoTime();
      long idle = grant(via, ttl);
      long grantedBy = System.nanoTime();
      put(via, "/idle/a", idle);
      // Let most of the TTL run out on the current leader's clock, then change leaders.
      await().atMost(Duration.ofSeconds(60)).until(() -> remaining(via, idle) <= 6);
      // The member to stop is the one leading now, whose clock ran the lease down: a stall
      // longer than the election timeout since the test began (400-800 ms, a loaded machine's
      // GC pause) may have moved the leadership, and `via` with it.
      RaftKvStore leader = cluster.leader();
      long stoppedAt = System.nanoTime();
      // The lease was applied after `granted` and had at most six seconds left.
      assertThat(stoppedAt - granted).isGreaterThan(TimeUnit.SECONDS.toNanos(ttl - 6 - 1));
      cluster.stop(leader.id());
      RaftKvStore next = cluster.leader();
      assertThat(next.id()).isNotEqualTo(leader.id());
      RaftKvStore reader = cluster.members().stream().filter(m -> m != next).findFirst().get();
      // Go past the deadline the lease had under the old leader (applied before `grantedBy`).
      long originalDeadline = grantedBy + TimeUnit.SECONDS.toNanos(ttl + 1);
      await().atMost(Duration.ofSeconds(60)).until(() -> System.nanoTime() >= originalDeadline);
      // The new leader was elected after the stop and restarted the lease at its full TTL, so
      // its deadline is at least stoppedAt + ttl. Measured against that (not against scheduling
      // luck), the remaining TTL when the answer arrives is bounded below; a lease that kept
      // its old deadline would report 0 here. Ask through every survivor: whichever member a
      // client reaches, the answer must be the leader's.
      for (RaftKvStore m : cluster.members()) {
        long left = remaining(m, idle);
        long answeredBy = System.nanoTime();
        long atLeast =
            (stoppedAt + TimeUnit.SECONDS.toNanos(ttl) - answeredBy) / TimeUnit.SECONDS.toNanos(1);
        assertThat(left)
            .as("remaining TTL asked through %s", m.id())
            .isGreaterThanOrEqualTo(Math.max(1, atLeast))
            .isLessThanOrEqualTo(ttl);
      }
      assertThat(count(reader, "/idle/")).isEqualTo(1);
      // Without keepalives it still expires under the new leader.
      await().atMost(Duration.ofSeconds(60)).until(() -> count(reader, "/idle/") == 0);
      await().atMost(Duration.ofSeconds(60)).until(() -> count(reader, "/kept/") == 0);
    }
  }
}
