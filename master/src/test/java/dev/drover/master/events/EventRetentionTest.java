package dev.drover.master.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.api.v1.Event;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.ObjectReference;
import dev.drover.master.store.ObjectStore;
import dev.drover.master.wiring.RulesValidator;
import dev.drover.store.KvStores;
import dev.drover.store.api.KvStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The events' retention limit: {@link EventRecorder#expire} removes only events last seen before
 * it.
 */
class EventRetentionTest {
  private final AtomicLong now =
      new AtomicLong(Instant.parse("2026-01-01T00:00:00Z").toEpochMilli());
  private final Clock clock =
      new Clock() {
        @Override
        public ZoneId getZone() {
          return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
          return this;
        }

        @Override
        public Instant instant() {
          return Instant.ofEpochMilli(now.get());
        }
      };

  private static Event event(String pod, String reason) {
    return Event.newBuilder()
        .setInvolvedObject(
            ObjectReference.newBuilder()
                .setKind(Kind.KIND_POD)
                .setNamespace("default")
                .setName(pod)
                .setUid(pod + "-uid"))
        .setReason(reason)
        .setMessage("m")
        .build();
  }

  @Test
  void expireRemovesOnlyEventsLastSeenBeforeTheLimitAndARepeatKeepsOneAlive() {
    KvStore kv = KvStores.inMemory();
    try {
      ObjectStore store = new ObjectStore(kv, new RulesValidator(), clock, Duration.ofSeconds(10));
      store.ensureNamespace("default");
      EventRecorder events = new EventRecorder(store, clock, Duration.ofMinutes(10));
      String old =
          events.record(event("old-pod", "BackOff")).event().getEvent().getMetadata().getName();
      now.addAndGet(Duration.ofHours(2).toMillis());
      String recent =
          events.record(event("new-pod", "Pulled")).event().getEvent().getMetadata().getName();

      assertThat(events.expire(Duration.ofHours(1))).isEqualTo(1);
      assertThat(store.get(Kind.KIND_EVENT, "default", old)).isEmpty();
      assertThat(store.get(Kind.KIND_EVENT, "default", recent)).isPresent();

      // Seen again 50 minutes later: its last time moves, so 30 minutes on it is still kept.
      now.addAndGet(Duration.ofMinutes(50).toMillis());
      events.record(event("new-pod", "Pulled"));
      now.addAndGet(Duration.ofMinutes(30).toMillis());
      assertThat(events.expire(Duration.ofHours(1))).isZero();
      assertThat(store.get(Kind.KIND_EVENT, "default", recent)).isPresent();
      // And once it is older than the limit, it goes.
      now.addAndGet(Duration.ofMinutes(31).toMillis());
      assertThat(events.expire(Duration.ofHours(1))).isEqualTo(1);
      assertThat(store.get(Kind.KIND_EVENT, "default", recent)).isEmpty();
    } finally {
      kv.close();
    }
  }
}
