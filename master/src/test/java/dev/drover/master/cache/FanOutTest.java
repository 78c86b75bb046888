package dev.drover.master.cache;

import static dev.drover.master.cache.TestPods.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.drover.api.v1.Kind;
import dev.drover.api.v1.WatchEvent;
import dev.drover.api.v1.WatchEventType;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The fan-out over an index fed by hand: delivery, shared frames and the bounded backlog. */
class FanOutTest {
  private final ObjectIndex index = new ObjectIndex(100);
  private final FanOut fanOut = new FanOut(index, 2, Duration.ofHours(1), 3);

  @AfterEach
  void stop() throws InterruptedException {
    fanOut.shutdown();
    fanOut.awaitTermination(10);
  }

  private static WatchCache.WatchSpec pods(long from) {
    return new WatchCache.WatchSpec(Kind.KIND_POD, "", o -> true, from, false, false);
  }

  /** Applies a store batch and hands its changes over, as the feed does. */
  private void write(ObjectIndex.Update... updates) {
    fanOut.publish(index.apply(List.of(updates), 0), index.revision());
  }

  @Test
  void everyChangeOfATxnReachesEveryWatcherAsTheSameFrames() {
    List<WatchFrame> a = new CopyOnWriteArrayList<>();
    List<WatchFrame> b = new CopyOnWriteArrayList<>();
    fanOut.register(pods(0), a::addAll, () -> true);
    fanOut.register(pods(0), b::addAll, () -> true);

    write(put("a", "p0", "web", 3), put("a", "p1", "web", 3), put("a", "p2", "web", 3));

    await().until(() -> a.size() == 3 && b.size() == 3);
    assertThat(a)
        .extracting(f -> f.event().getType())
        .containsOnly(WatchEventType.WATCH_EVENT_TYPE_ADDED);
    for (int i = 0; i < 3; i++) {
      assertThat(a.get(i)).isSameAs(b.get(i));
    }
    assertThat(fanOut.offeredUpTo(3)).isTrue();
    assertThat(fanOut.watchers()).hasSize(2);
  }

  @Test
  void aResumedWatchReplaysTheWindowThenFollows() {
    write(put("a", "p0", "web", 1));
    write(put("a", "p0", "db", 2));
    List<WatchEvent> seen = new CopyOnWriteArrayList<>();

    fanOut.register(pods(1), batch -> batch.forEach(f -> seen.add(f.event())), () -> true);
    write(put("a", "p1", "web", 4));

    await().until(() -> seen.size() == 2);
    assertThat(seen).extracting(WatchEvent::getResourceVersion).containsExactly(2L, 4L);
    assertThat(seen.get(0).getType()).isEqualTo(WatchEventType.WATCH_EVENT_TYPE_MODIFIED);
  }

  @Test
  void aWatcherThatStopsReadingIsExpiredPastItsBacklog() {
    AtomicBoolean ready = new AtomicBoolean(false);
    List<WatchEvent> seen = new CopyOnWriteArrayList<>();
    CacheWatcher w =
        fanOut.register(pods(0), batch -> batch.forEach(f -> seen.add(f.event())), ready::get);

    for (int i = 0; i < 5; i++) {
      write(put("a", "p" + i, "web", 10 + i));
    }
    await().until(() -> fanOut.offeredUpTo(14));
    ready.set(true);
    w.resume();

    await().until(() -> !seen.isEmpty());
    // The backlog (3) overflowed: what waited was dropped for the one Expired event.
    assertThat(seen).hasSize(1);
    assertThat(seen.get(0).getType()).isEqualTo(WatchEventType.WATCH_EVENT_TYPE_ERROR);
    assertThat(seen.get(0).getError().getReason()).isEqualTo("Expired");
    assertThat(fanOut.watchers()).isEmpty();
  }
}
