package dev.drover.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.drover.store.api.Keys;
import dev.drover.store.api.KvStoreException;
import dev.drover.store.api.StoreOptions;
import dev.drover.store.v1.LeaseGrantRequest;
import dev.drover.store.v1.LeaseKeepAliveRequest;
import dev.drover.store.v1.LeaseTimeToLiveRequest;
import dev.drover.store.v1.PutRequest;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Lease expiry, keepalive and TTL queries on the in-memory store. */
class InMemoryLeaseTest {
  private final InMemoryKvStore store =
      new InMemoryKvStore(new StoreOptions().leaseCheckInterval(Duration.ofMillis(50))).start();

  @AfterEach
  void close() {
    store.close();
  }

  private long grant(long ttl) throws Exception {
    return store
        .leaseGrant(LeaseGrantRequest.newBuilder().setTtl(ttl).build())
        .get(10, TimeUnit.SECONDS)
        .getId();
  }

  private void putWithLease(String key, long lease) throws Exception {
    store
        .put(
            PutRequest.newBuilder()
                .setKey(Keys.of(key))
                .setValue(Keys.of("v"))
                .setLease(lease)
                .build())
        .get(10, TimeUnit.SECONDS);
  }

  @Test
  void expiryDeletesAttachedKeys() throws Exception {
    long id = grant(1);
    putWithLease("/l/a", id);
    putWithLease("/l/b", id);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> store.getPrefix(Keys.of("/l/")).get(10, TimeUnit.SECONDS).getCount() == 0);
    var err = store.leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setId(id).build());
    await().atMost(Duration.ofSeconds(30)).until(err::isDone);
    assertThat(err.isCompletedExceptionally()).isTrue();
    assertThat(KvStoreException.of(err.handle((r, e) -> e).join()).kind())
        .isEqualTo(KvStoreException.Kind.LEASE_NOT_FOUND);
  }

  @Test
  void keepAliveKeepsKeysBeyondTheTtl() throws Exception {
    long id = grant(2);
    putWithLease("/k/a", id);
    ScheduledExecutorService keeper = Executors.newSingleThreadScheduledExecutor();
    try {
      keeper.scheduleAtFixedRate(
          () -> store.leaseKeepAlive(LeaseKeepAliveRequest.newBuilder().setId(id).build()),
          0,
          400,
          TimeUnit.MILLISECONDS);
      // For three TTLs the key must stay the whole time.
      await()
          .during(Duration.ofSeconds(6))
          .atMost(Duration.ofSeconds(30))
          .until(() -> store.get(Keys.of("/k/a")).get(10, TimeUnit.SECONDS).getCount() == 1);
    } finally {
      keeper.shutdownNow();
      keeper.awaitTermination(10, TimeUnit.SECONDS);
    }
    var ttl =
        store
            .leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setId(id).setKeys(true).build())
            .get(10, TimeUnit.SECONDS);
    assertThat(ttl.getGrantedTtl()).isEqualTo(2);
    assertThat(ttl.getTtl()).isBetween(1L, 2L);
    assertThat(ttl.getKeysList()).containsExactly(Keys.of("/k/a"));
  }
}
