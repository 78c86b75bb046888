package dev.drover.master;

import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.api.v1.Event;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectReference;
import dev.drover.master.events.EventSeries;
import dev.drover.master.registry.Registry;
import dev.drover.store.InMemoryKvStore;
import dev.drover.store.KvStores;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Events recorded many at once (as the scheduler does for its bindings): new ones are created many
 * to a Txn, identical ones merge into one with their counts added, and one that is stored already
 * is merged into, as a single record would.
 */
class EventSeriesTest {
  InMemoryKvStore kv;
  Registry store;
  EventSeries events;
  final AtomicInteger writes = new AtomicInteger();

  @BeforeEach
  void start() {
    kv = KvStores.inMemory();
    store = Fixtures.objectStore(kv);
    store.namespaces().ensure("default");
    store.onStoreWrite(nanos -> writes.incrementAndGet());
    events = new EventSeries(store, Clock.systemUTC(), Duration.ofMinutes(10));
  }

  @AfterEach
  void stop() {
    kv.close();
  }

  private static Event scheduled(String pod) {
    return Event.newBuilder()
        .setInvolvedObject(
            ObjectReference.newBuilder()
                .setKind(Kind.KIND_POD)
                .setNamespace("default")
                .setName(pod)
                .setUid("uid-" + pod))
        .setReason("Scheduled")
        .setMessage("Successfully assigned default/" + pod + " to n1")
        .build();
  }

  private List<Event> stored() {
    return store.list(Kind.KIND_EVENT, "default").stream().map(Object::getEvent).toList();
  }

  @Test
  void manyNewEventsTakeOneWrite() {
    List<Event> burst = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      burst.add(scheduled("p" + i));
    }
    writes.set(0);
    assertThat(events.recordAll(burst)).isEqualTo(50);
    assertThat(writes.get()).isEqualTo(1);
    assertThat(stored()).hasSize(50).allSatisfy(e -> assertThat(e.getCount()).isEqualTo(1));
  }

  @Test
  void identicalEventsMergeAndAStoredOneIsCountedOn() {
    events.record(scheduled("old"));
    assertThat(events.recordAll(List.of(scheduled("old"), scheduled("new"), scheduled("new"))))
        .isEqualTo(2);
    List<Event> all = stored();
    assertThat(all).hasSize(2);
    assertThat(all)
        .filteredOn(e -> e.getInvolvedObject().getName().equals("old"))
        .singleElement()
        .satisfies(e -> assertThat(e.getCount()).isEqualTo(2));
    assertThat(all)
        .filteredOn(e -> e.getInvolvedObject().getName().equals("new"))
        .singleElement()
        .satisfies(e -> assertThat(e.getCount()).isEqualTo(2));
  }

  @Test
  void aBadEventIsSkippedWithoutLosingTheOthers() {
    Event noReason = scheduled("x").toBuilder().clearReason().build();
    assertThat(events.recordAll(List.of(noReason, scheduled("y")))).isEqualTo(1);
    assertThat(stored())
        .singleElement()
        .satisfies(e -> assertThat(e.getInvolvedObject().getName()).isEqualTo("y"));
  }
}
