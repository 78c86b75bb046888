package dev.drover.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.drover.store.api.Keys;
import dev.drover.store.api.KvStoreException;
import dev.drover.store.api.StoreOptions;
import dev.drover.store.api.Watch;
import dev.drover.store.v1.CompactionRequest;
import dev.drover.store.v1.Event;
import dev.drover.store.v1.WatchRequest;
import dev.drover.store.v1.WatchResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The watch contract against the in-memory store (the same hub serves every Raft member). */
class InMemoryWatchTest {
  private final InMemoryKvStore store =
      new InMemoryKvStore(
              new StoreOptions()
                  .autoCompactRetention(0)
                  .progressNotifyInterval(Duration.ofMillis(100)))
          .start();

  @AfterEach
  void close() {
    store.close();
  }

  private void put(String k, String v) throws Exception {
    store.put(Keys.of(k), Keys.of(v)).get(10, TimeUnit.SECONDS);
  }

  private static WatchRequest prefix(String p, long start) {
    return WatchRequest.newBuilder()
        .setKey(Keys.of(p))
        .setRangeEnd(Keys.prefixEnd(Keys.of(p)))
        .setStartRevision(start)
        .build();
  }

  @Test
  void replaysHistoryThenFollowsLiveWritesInOrderWithoutGaps() throws Exception {
    for (int i = 1; i <= 30; i++) {
      put("/w/" + (i % 3), "v" + i);
    }
    RecordingListener l = new RecordingListener();
    Watch w = store.watch(prefix("/w/", 5), l);
    w.request(Long.MAX_VALUE);
    for (int i = 31; i <= 60; i++) {
      put("/w/" + (i % 3), "v" + i);
      put("/other", "x");
    }
    List<Long> expected =
        LongStream.concat(
                LongStream.rangeClosed(5, 30), LongStream.iterate(31, r -> r + 2).limit(30))
            .boxed()
            .collect(Collectors.toList());
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(l.revisions()).isEqualTo(expected));
    assertThat(w.nextRevision()).isGreaterThan(89);
  }

  @Test
  void deliversOnlyAsMuchAsRequested() throws Exception {
    RecordingListener l = new RecordingListener();
    Watch w = store.watch(prefix("/b/", 0), l);
    for (int i = 0; i < 5; i++) {
      put("/b/" + i, "v");
    }
    w.request(1);
    await().atMost(Duration.ofSeconds(30)).until(() -> l.responses.size() == 1);
    // With no further demand nothing more arrives, even though more revisions exist.
    put("/b/x", "v");
    w.request(1);
    await().atMost(Duration.ofSeconds(30)).until(() -> l.responses.size() == 2);
    assertThat(l.responses).hasSize(2);
    w.request(100);
    await().atMost(Duration.ofSeconds(30)).until(() -> l.events().size() == 6);
    assertThat(l.revisions()).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
  }

  @Test
  void compactedStartRevisionIsAnExplicitError() throws Exception {
    for (int i = 0; i < 10; i++) {
      put("/c/" + i, "v");
    }
    store.compact(CompactionRequest.newBuilder().setRevision(6).build()).get(10, TimeUnit.SECONDS);
    RecordingListener l = new RecordingListener();
    store.watch(prefix("/c/", 3), l).request(10);
    await().atMost(Duration.ofSeconds(30)).until(() -> l.error != null);
    assertThat(l.error.kind()).isEqualTo(KvStoreException.Kind.COMPACTED);
    assertThat(l.error.compactRevision()).isEqualTo(6);
    assertThat(l.responses).isEmpty();
  }

  @Test
  void slowWatcherOvertakenByCompactionGetsCompactedNotASkip() throws Exception {
    RecordingListener l = new RecordingListener();
    Watch w = store.watch(prefix("/s/", 1), l);
    for (int i = 0; i < 10; i++) {
      put("/s/" + i, "v");
    }
    store.compact(CompactionRequest.newBuilder().setRevision(8).build()).get(10, TimeUnit.SECONDS);
    w.request(5);
    await().atMost(Duration.ofSeconds(30)).until(() -> l.error != null);
    assertThat(l.error.kind()).isEqualTo(KvStoreException.Kind.COMPACTED);
    assertThat(l.events()).isEmpty();
  }

  @Test
  void progressNotificationsCarryTheCurrentRevision() throws Exception {
    put("/p/a", "1");
    put("/elsewhere", "2");
    RecordingListener l = new RecordingListener();
    Watch w = store.watch(prefix("/p/", 0).toBuilder().setProgressNotify(true).build(), l);
    w.request(Long.MAX_VALUE);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> l.responses.stream().anyMatch(WatchResponse::getProgressNotify));
    WatchResponse p =
        l.responses.stream().filter(WatchResponse::getProgressNotify).findFirst().orElseThrow();
    assertThat(p.getHeader().getRevision()).isEqualTo(2);
    assertThat(p.getEventsCount()).isZero();
  }

  @Test
  void deleteEventsCarryThePreviousValueWhenAsked() throws Exception {
    put("/d/a", "old");
    RecordingListener l = new RecordingListener();
    store.watch(prefix("/d/", 0).toBuilder().setPrevKv(true).build(), l).request(10);
    store.delete(Keys.of("/d/a")).get(10, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(30)).until(() -> l.events().size() == 1);
    Event e = l.events().get(0);
    assertThat(e.getType()).isEqualTo(Event.EventType.DELETE);
    assertThat(e.getKv().getModRevision()).isEqualTo(2);
    assertThat(e.getPrevKv().getValue()).isEqualTo(Keys.of("old"));
  }

  @Test
  void aWatchOpenedWhileTheStoreClosesStillEndsWithUnavailable() throws Exception {
    for (int i = 0; i < 20; i++) {
      InMemoryKvStore closing = new InMemoryKvStore(new StoreOptions()).start();
      RecordingListener l = new RecordingListener();
      CompletableFuture<Void> closed = CompletableFuture.runAsync(closing::close);
      try {
        closing.watch(prefix("/r/", 0), l);
      } catch (KvStoreException e) {
        // The store was closed before the watch was asked for: refused at once.
        assertThat(e.kind()).isEqualTo(KvStoreException.Kind.UNAVAILABLE);
        continue;
      } finally {
        closed.get(30, TimeUnit.SECONDS);
      }
      await().atMost(Duration.ofSeconds(30)).until(() -> l.error != null);
      assertThat(l.error.kind()).isEqualTo(KvStoreException.Kind.UNAVAILABLE);
    }
  }

  @Test
  void closingTheStoreEndsWatchesWithUnavailable() throws Exception {
    RecordingListener l = new RecordingListener();
    store.watch(prefix("/x/", 0), l).request(1);
    store.close();
    await().atMost(Duration.ofSeconds(30)).until(() -> l.error != null);
    assertThat(l.error.kind()).isEqualTo(KvStoreException.Kind.UNAVAILABLE);
  }
}
