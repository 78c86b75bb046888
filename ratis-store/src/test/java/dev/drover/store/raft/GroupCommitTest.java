package dev.drover.store.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.drover.store.KvStores;
import dev.drover.store.RecordingListener;
import dev.drover.store.api.Keys;
import dev.drover.store.api.KvStoreException;
import dev.drover.store.api.Peer;
import dev.drover.store.api.StoreOptions;
import dev.drover.store.api.Watch;
import dev.drover.store.v1.Compare;
import dev.drover.store.v1.PutRequest;
import dev.drover.store.v1.PutResponse;
import dev.drover.store.v1.RangeRequest;
import dev.drover.store.v1.RangeResponse;
import dev.drover.store.v1.RequestOp;
import dev.drover.store.v1.TxnRequest;
import dev.drover.store.v1.WatchRequest;
import dev.drover.store.v1.WatchResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded Raft store end to end: group commit (concurrent requests sharing log entries and
 * read indexes) keeps every request's own result, order and errors; the network client; automatic
 * compaction; progress notifications.
 */
class GroupCommitTest {
  @TempDir Path dir;

  private static StoreOptions fast() {
    return new StoreOptions()
        .electionTimeout(Duration.ofMillis(300), Duration.ofMillis(600))
        .requestTimeout(Duration.ofSeconds(30));
  }

  @Test
  void concurrentWritesShareEntriesYetEachKeepsItsRevisionOrderAndError() throws Exception {
    // One batch in flight: whatever is submitted while it is out must queue and go together.
    try (RaftKvStore store = KvStores.embedded(dir).options(fast().batchesInFlight(1)).start()) {
      store.put(Keys.of("/warm"), Keys.of("up")).get(30, TimeUnit.SECONDS);
      long indexBefore = store.lastAppliedIndex();
      List<CompletableFuture<PutResponse>> puts = new ArrayList<>();
      CompletableFuture<PutResponse> bad = null;
      for (int i = 0; i < 200; i++) {
        puts.add(store.put(Keys.of("/g/k"), Keys.of(Integer.toString(i))));
        if (i == 100) {
          bad =
              store.put(
                  PutRequest.newBuilder()
                      .setKey(Keys.of("/g/bad"))
                      .setValue(Keys.of("x"))
                      .setLease(9999)
                      .build());
        }
      }
      long last = 1;
      for (CompletableFuture<PutResponse> f : puts) {
        long rev = f.get(60, TimeUnit.SECONDS).getHeader().getRevision();
        // Submission order is apply order: each put's revision is the next one.
        assertThat(rev).isEqualTo(last + 1);
        last = rev;
      }
      CompletableFuture<PutResponse> rejected = bad;
      assertThatThrownBy(() -> rejected.get(60, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .satisfies(
              e -> {
                assertThat(KvStoreException.of(e).kind())
                    .isEqualTo(KvStoreException.Kind.LEASE_NOT_FOUND);
                assertThat(KvStoreException.of(e).field()).isEqualTo("lease");
              });
      RangeResponse r = store.get(Keys.of("/g/k")).get(30, TimeUnit.SECONDS);
      assertThat(r.getKvs(0).getValue()).isEqualTo(Keys.of("199"));
      assertThat(r.getKvs(0).getVersion()).isEqualTo(200);
      assertThat(store.get(Keys.of("/g/bad")).get(30, TimeUnit.SECONDS).getCount()).isZero();
      // 201 requests took fewer log entries than requests: some shared one.
      assertThat(store.lastAppliedIndex() - indexBefore).isLessThan(201);

      // Many reads at once, batched behind one read index, all see the last write.
      List<CompletableFuture<RangeResponse>> gets = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        gets.add(store.get(Keys.of("/g/k")));
      }
      for (CompletableFuture<RangeResponse> g : gets) {
        assertThat(g.get(30, TimeUnit.SECONDS).getKvs(0).getModRevision()).isEqualTo(last);
      }
    }
  }

  @Test
  void networkClientWritesReadsAndTransactsThroughTheMember() throws Exception {
    int port = KvStores.freePort();
    Peer member = new Peer(KvStores.EMBEDDED_ID, "127.0.0.1", port);
    try (RaftKvStore store = KvStores.embedded(dir, port).options(fast()).start();
        RaftKvClient client = KvStores.client(List.of(member), fast())) {
      long rev =
          client
              .put(Keys.of("/c/a"), Keys.of("1"))
              .get(30, TimeUnit.SECONDS)
              .getHeader()
              .getRevision();
      assertThat(store.get(Keys.of("/c/a")).get(30, TimeUnit.SECONDS).getKvs(0).getValue())
          .isEqualTo(Keys.of("1"));
      assertThat(client.currentRevision()).isEqualTo(rev);
      var txn =
          client
              .txn(
                  TxnRequest.newBuilder()
                      .addCompare(
                          Compare.newBuilder()
                              .setKey(Keys.of("/c/a"))
                              .setTarget(Compare.CompareTarget.MOD)
                              .setModRevision(rev))
                      .addSuccess(
                          RequestOp.newBuilder()
                              .setRequestPut(
                                  PutRequest.newBuilder()
                                      .setKey(Keys.of("/c/a"))
                                      .setValue(Keys.of("2"))))
                      .build())
              .get(30, TimeUnit.SECONDS);
      assertThat(txn.getSucceeded()).isTrue();
      var read =
          client
              .range(
                  RangeRequest.newBuilder().setKey(Keys.of("/c/a")).setSerializable(true).build())
              .get(30, TimeUnit.SECONDS);
      assertThat(read.getKvs(0).getValue()).isEqualTo(Keys.of("2"));
      assertThat(read.getHeader().getRevision()).isEqualTo(rev + 1);
      assertThatThrownBy(() -> client.put(Keys.of(""), Keys.of("v")).get(30, TimeUnit.SECONDS))
          .satisfies(e -> assertThat(KvStoreException.of(e).field()).isEqualTo("key"));
      assertThatThrownBy(
              () ->
                  client.watch(
                      WatchRequest.newBuilder().setKey(Keys.of("/c/a")).build(),
                      new RecordingListener()))
          .isInstanceOf(UnsupportedOperationException.class);
      client.close();
      assertThatThrownBy(() -> client.get(Keys.of("/c/a")).get(30, TimeUnit.SECONDS))
          .satisfies(
              e ->
                  assertThat(KvStoreException.of(e).kind())
                      .isEqualTo(KvStoreException.Kind.UNAVAILABLE));
    }
  }

  @Test
  void automaticCompactionKeepsTheRetainedRevisionsAndDropsOlderOnes() throws Exception {
    try (RaftKvStore store =
        KvStores.embedded(dir).options(fast().autoCompactRetention(20)).start()) {
      for (int i = 1; i <= 60; i++) {
        store.put(Keys.of("/ac/k"), Keys.of("v" + i)).get(30, TimeUnit.SECONDS);
      }
      // The policy keeps at least 20 revisions and compacts in steps of 2.
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> store.mvcc().compactRevision() >= 60 - 20 - 2);
      assertThat(store.mvcc().compactRevision()).isLessThanOrEqualTo(60 - 20);
      assertThatThrownBy(
              () ->
                  store
                      .range(
                          RangeRequest.newBuilder()
                              .setKey(Keys.of("/ac/k"))
                              .setRevision(10)
                              .build())
                      .get(30, TimeUnit.SECONDS))
          .satisfies(
              e -> {
                assertThat(KvStoreException.of(e).kind())
                    .isEqualTo(KvStoreException.Kind.COMPACTED);
                assertThat(KvStoreException.of(e).compactRevision()).isGreaterThanOrEqualTo(38);
              });
      var old =
          store
              .range(RangeRequest.newBuilder().setKey(Keys.of("/ac/k")).setRevision(45).build())
              .get(30, TimeUnit.SECONDS);
      assertThat(old.getKvs(0).getValue()).isEqualTo(Keys.of("v45"));
    }
  }

  @Test
  void idleWatchersGetProgressNotificationsAtTheCurrentRevision() throws Exception {
    try (RaftKvStore store =
        KvStores.embedded(dir)
            .options(fast().progressNotifyInterval(Duration.ofMillis(200)))
            .start()) {
      store.put(Keys.of("/pn/a"), Keys.of("1")).get(30, TimeUnit.SECONDS);
      long rev =
          store
              .put(Keys.of("/other"), Keys.of("2"))
              .get(30, TimeUnit.SECONDS)
              .getHeader()
              .getRevision();
      RecordingListener l = new RecordingListener();
      try (Watch w =
          store.watch(
              WatchRequest.newBuilder()
                  .setKey(Keys.of("/pn/"))
                  .setRangeEnd(Keys.prefixEnd(Keys.of("/pn/")))
                  .setStartRevision(1)
                  .setProgressNotify(true)
                  .build(),
              l)) {
        w.request(Long.MAX_VALUE);
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> l.responses.stream().anyMatch(WatchResponse::getProgressNotify));
        WatchResponse p =
            l.responses.stream().filter(WatchResponse::getProgressNotify).findFirst().orElseThrow();
        assertThat(p.getHeader().getRevision()).isEqualTo(rev);
        assertThat(p.getEventsCount()).isZero();
        assertThat(l.revisions()).containsExactly(1L);
      }
    }
  }
}
