package dev.drover.store.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.drover.store.api.Keys;
import dev.drover.store.api.KvStoreException;
import dev.drover.store.api.Watch;
import dev.drover.store.api.WatchListener;
import dev.drover.store.v1.Event;
import dev.drover.store.v1.RangeRequest;
import dev.drover.store.v1.RangeResponse;
import dev.drover.store.v1.WatchRequest;
import dev.drover.store.v1.WatchResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The watch contract on a 3-member cluster while leaders are stopped and history is compacted:
 * every watcher (served by followers as well as the leader, moving to another member when its
 * member dies) sees each revision exactly once, in order, with no gap; a watcher that falls behind
 * compaction gets COMPACTED with the compact revision.
 */
class ClusterWatchTest {
  private static final String PREFIX = "/w/";

  @TempDir Path dir;

  /**
   * A watcher that follows /w/ and, when its member goes away, resumes on another from the next
   * revision.
   */
  static final class ResilientWatcher implements WatchListener {
    final TestCluster cluster;
    final List<Event> events = new ArrayList<>();
    final List<String> problems = new ArrayList<>();
    volatile String memberId;
    volatile long nextRevision;
    volatile Watch watch;
    volatile int reconnects;

    ResilientWatcher(TestCluster cluster, String memberId, long start) {
      this.cluster = cluster;
      this.memberId = memberId;
      this.nextRevision = start;
    }

    synchronized void open() {
      RaftKvStore m = cluster.member(memberId);
      if (m == null) {
        m = cluster.members().get(0);
        memberId = m.id();
      }
      watch =
          m.watch(
              WatchRequest.newBuilder()
                  .setKey(Keys.of(PREFIX))
                  .setRangeEnd(Keys.prefixEnd(Keys.of(PREFIX)))
                  .setStartRevision(nextRevision)
                  .build(),
              this);
      watch.request(Long.MAX_VALUE);
    }

    @Override
    public synchronized void onNext(WatchResponse r) {
      for (Event e : r.getEventsList()) {
        events.add(e);
        nextRevision = e.getKv().getModRevision() + 1;
      }
    }

    @Override
    public void onError(KvStoreException e) {
      if (e.kind() != KvStoreException.Kind.UNAVAILABLE) {
        synchronized (this) {
          problems.add(e.toString());
        }
        return;
      }
      reconnects++;
      // Resume from the revision after the last delivered, on the most up-to-date member (a
      // member still catching up may jump ahead by snapshot install, and then rightly answer
      // COMPACTED for revisions it never held).
      Thread t =
          new Thread(
              () -> {
                await().atMost(Duration.ofSeconds(60)).until(() -> !cluster.members().isEmpty());
                synchronized (this) {
                  memberId =
                      cluster.members().stream()
                          .max(java.util.Comparator.comparingLong(RaftKvStore::currentRevision))
                          .orElseThrow()
                          .id();
                  open();
                }
              });
      t.setDaemon(true);
      t.start();
    }

    synchronized List<Long> revisions() {
      List<Long> out = new ArrayList<>();
      for (Event e : events) {
        out.add(e.getKv().getModRevision());
      }
      return out;
    }
  }

  @Test
  void watchersSeeEveryRevisionOnceInOrderAcrossLeaderStopsAndCompaction() throws Exception {
    try (TestCluster cluster =
        new TestCluster(
                dir,
                3,
                () -> TestCluster.testOptions().autoCompactRetention(250).snapshotEveryEntries(200))
            .startAll()) {
      cluster.leader();
      List<ResilientWatcher> watchers = new ArrayList<>();
      for (RaftKvStore m : cluster.members()) {
        ResilientWatcher w = new ResilientWatcher(cluster, m.id(), 1);
        w.open();
        watchers.add(w);
      }
      Map<Long, String> acked = new ConcurrentHashMap<>();
      AtomicInteger count = new AtomicInteger();
      AtomicBoolean stop = new AtomicBoolean();
      List<Thread> writers = new ArrayList<>();
      for (int w = 0; w < 3; w++) {
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
                    String key = PREFIX + writer + "/" + (seq % 20);
                    String value = "w" + writer + "-" + seq++;
                    try {
                      long rev =
                          members
                              .get(seq % members.size())
                              .put(Keys.of(key), Keys.of(value))
                              .get(30, TimeUnit.SECONDS)
                              .getHeader()
                              .getRevision();
                      acked.put(rev, key + "=" + value);
                      count.incrementAndGet();
                    } catch (Exception e) {
                      // unacknowledged: may or may not be in the history
                    }
                  }
                });
        t.start();
        writers.add(t);
      }
      for (int round = 0; round < 2; round++) {
        int before = count.get();
        await().atMost(Duration.ofSeconds(90)).until(() -> count.get() >= before + 120);
        RaftKvStore l = cluster.leader();
        cluster.stop(l.id());
        int atStop = count.get();
        await().atMost(Duration.ofSeconds(90)).until(() -> count.get() >= atStop + 60);
        cluster.start(l.id());
      }
      stop.set(true);
      for (Thread t : writers) {
        t.join(60_000);
      }
      RaftKvStore last = cluster.leader();
      long finalRev =
          last.get(Keys.of("/none")).get(30, TimeUnit.SECONDS).getHeader().getRevision();
      for (ResilientWatcher w : watchers) {
        await()
            .atMost(Duration.ofSeconds(60))
            .untilAsserted(
                () ->
                    assertThat(w.nextRevision)
                        .as(
                            "watcher now on %s after %d reconnects, problems %s",
                            w.memberId, w.reconnects, w.problems)
                        .isGreaterThan(finalRev));
      }

      // Merge: every watcher reports the same event at a given revision.
      TreeMap<Long, String> merged = new TreeMap<>();
      for (ResilientWatcher w : watchers) {
        assertThat(w.problems).isEmpty();
        for (Event e : w.events) {
          String seen =
              e.getKv().getKey().toStringUtf8() + "=" + e.getKv().getValue().toStringUtf8();
          String other = merged.putIfAbsent(e.getKv().getModRevision(), seen);
          assertThat(other == null || other.equals(seen))
              .as("revision %d", e.getKv().getModRevision())
              .isTrue();
        }
      }
      // Every acknowledged write is in the merged history, at its revision.
      for (Map.Entry<Long, String> a : acked.entrySet()) {
        assertThat(merged.get(a.getKey())).isEqualTo(a.getValue());
      }
      // Each watcher: strictly increasing and gap-free (every revision writes /w/).
      for (ResilientWatcher w : watchers) {
        List<Long> revs = w.revisions();
        assertThat(revs).isNotEmpty();
        for (int i = 0; i < revs.size(); i++) {
          assertThat(revs.get(i)).as("watcher on %s, position %d", w.memberId, i).isEqualTo(1L + i);
        }
        assertThat(revs.get(revs.size() - 1)).isEqualTo(finalRev);
      }
      assertThat(watchers.stream().mapToInt(w -> w.reconnects).sum()).isGreaterThan(0);

      // A watcher that takes one response and then stops asking is overtaken by compaction,
      // and is told so explicitly.
      dev.drover.store.RecordingListener lagging = new dev.drover.store.RecordingListener();
      Watch slow =
          last.watch(
              WatchRequest.newBuilder()
                  .setKey(Keys.of(PREFIX))
                  .setRangeEnd(Keys.prefixEnd(Keys.of(PREFIX)))
                  .setStartRevision(finalRev - 5)
                  .build(),
              lagging);
      slow.request(1);
      await().atMost(Duration.ofSeconds(30)).until(() -> lagging.responses.size() == 1);
      long delivered = lagging.responses.get(0).getHeader().getRevision();
      List<java.util.concurrent.CompletableFuture<?>> late = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        late.add(last.put(Keys.of(PREFIX + "late/" + (i % 10)), Keys.of("v" + i)));
        if (late.size() == 16) {
          for (var f : late) {
            f.get(30, TimeUnit.SECONDS);
          }
          late.clear();
        }
      }
      for (var f : late) {
        f.get(30, TimeUnit.SECONDS);
      }
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> last.mvcc().compactRevision() > delivered + 1);
      slow.request(Long.MAX_VALUE);
      await().atMost(Duration.ofSeconds(60)).until(() -> lagging.error != null);
      assertThat(lagging.error.kind()).isEqualTo(KvStoreException.Kind.COMPACTED);
      assertThat(lagging.error.compactRevision()).isGreaterThan(delivered + 1);
      assertThat(lagging.revisions()).allMatch(r -> r <= delivered);
      // Its recovery: re-list at the current revision, then watch from the next one.
      RangeResponse list =
          last.range(
                  RangeRequest.newBuilder()
                      .setKey(Keys.of(PREFIX))
                      .setRangeEnd(Keys.prefixEnd(Keys.of(PREFIX)))
                      .build())
              .get(30, TimeUnit.SECONDS);
      assertThat(list.getCount()).isEqualTo(70);
    }
  }
}
