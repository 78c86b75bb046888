package dev.drover.master;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.drover.api.ApiObjects;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Lease;
import dev.drover.api.v1.LeaseSpec;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.master.cache.WatchCache;
import dev.drover.master.registry.InvalidObjectException;
import dev.drover.master.registry.NotFoundException;
import dev.drover.master.registry.Registry;
import dev.drover.master.registry.StructuralValidator;
import dev.drover.store.InMemoryKvStore;
import dev.drover.store.KvStores;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Registry#mutateEach}: several read-modify-writes in one store Txn, each guarded by its own
 * compare, each with the outcome a single {@link Registry#mutate} would give it, also when another
 * writer changes or deletes one of them between the read and the Txn.
 */
class RegistryMutateEachTest {
  static final String NS = "leases";

  InMemoryKvStore kv;
  Registry store;

  /** Another master's registry over the same key-value store: the concurrent writer. */
  Registry other;

  @BeforeEach
  void start() {
    kv = KvStores.inMemory();
    store = Fixtures.objectStore(kv);
    other = Fixtures.objectStore(kv);
    store.namespaces().ensure(NS);
  }

  @AfterEach
  void stop() {
    kv.close();
  }

  private Object lease(String name) {
    return store.create(
        Object.newBuilder()
            .setLease(
                Lease.newBuilder()
                    .setMetadata(ObjectMeta.newBuilder().setName(name).setNamespace(NS))
                    .setSpec(LeaseSpec.newBuilder().setHolderIdentity(name)))
            .build(),
        false);
  }

  private static Object withHolder(Object o, String holder) {
    return o.toBuilder()
        .setLease(
            o.getLease().toBuilder()
                .setSpec(o.getLease().getSpec().toBuilder().setHolderIdentity(holder)))
        .build();
  }

  private static long rv(Object o) {
    return ApiObjects.meta(o).getResourceVersion();
  }

  @Test
  void writesEveryObjectInOneTxnAsOrdinaryUpdatesTheWatchCacheSees() throws Exception {
    Map<String, UnaryOperator<Object>> changes = new LinkedHashMap<>();
    for (String n : List.of("a", "b", "c", "d")) {
      lease(n);
      changes.put(n, cur -> withHolder(cur, n + "-renewed"));
    }
    WatchCache cache =
        new WatchCache(kv, new WatchCache.Options(1000, Duration.ofSeconds(5), 1000)).start();
    try {
      long before = kv.currentRevision();
      Map<String, Registry.Outcome> out = store.mutateEach(Kind.KIND_LEASE, NS, changes);

      assertThat(kv.currentRevision()).isEqualTo(before + 1);
      assertThat(out.keySet()).containsExactly("a", "b", "c", "d");
      cache.waitForRevision(before + 1, Duration.ofSeconds(10));
      for (String n : out.keySet()) {
        Object written = out.get(n).get();
        assertThat(rv(written)).isEqualTo(before + 1);
        assertThat(store.require(Kind.KIND_LEASE, NS, n)).isEqualTo(written);
        assertThat(cache.get(Kind.KIND_LEASE, NS, n)).contains(written);
        assertThat(written.getLease().getSpec().getHolderIdentity()).isEqualTo(n + "-renewed");
      }
    } finally {
      cache.close();
    }
  }

  @Test
  void anObjectChangedBeforeTheTxnRunsItsChangeAgainOnTheNewStateAndTheOthersStayWritten() {
    lease("a");
    Object b0 = lease("b");
    AtomicInteger bRuns = new AtomicInteger();
    Map<String, UnaryOperator<Object>> changes = new LinkedHashMap<>();
    changes.put(
        "a",
        cur -> {
          if (bRuns.get() == 0) {
            // Between the batch's read and its Txn, another writer changes b.
            other.mutate(
                Kind.KIND_LEASE,
                NS,
                "b",
                0,
                o ->
                    o.toBuilder()
                        .setLease(
                            o.getLease().toBuilder()
                                .setSpec(o.getLease().getSpec().toBuilder().setLeaseTransitions(7)))
                        .build());
          }
          return withHolder(cur, "a2");
        });
    changes.put(
        "b",
        cur -> {
          bRuns.incrementAndGet();
          return withHolder(cur, "b2");
        });

    Map<String, Registry.Outcome> out = store.mutateEach(Kind.KIND_LEASE, NS, changes);

    assertThat(bRuns).hasValue(2);
    Object b = out.get("b").get();
    assertThat(b.getLease().getSpec().getHolderIdentity()).isEqualTo("b2");
    assertThat(b.getLease().getSpec().getLeaseTransitions())
        .as("the other writer's change is kept, not overwritten")
        .isEqualTo(7);
    assertThat(rv(b)).isGreaterThan(rv(b0) + 1);
    assertThat(store.require(Kind.KIND_LEASE, NS, "b")).isEqualTo(b);
    assertThat(store.require(Kind.KIND_LEASE, NS, "a")).isEqualTo(out.get("a").get());
    assertThat(out.get("a").get().getLease().getSpec().getHolderIdentity()).isEqualTo("a2");
  }

  @Test
  void anObjectDeletedBeforeTheTxnOrMissingIsNotFoundAndTheOthersAreWritten() {
    lease("a");
    lease("b");
    Map<String, UnaryOperator<Object>> changes = new LinkedHashMap<>();
    AtomicInteger aRuns = new AtomicInteger();
    changes.put(
        "a",
        cur -> {
          if (aRuns.getAndIncrement() == 0) {
            other.delete(Kind.KIND_LEASE, NS, "b", Registry.DeleteOptions.plain(), o -> o);
          }
          return withHolder(cur, "a2");
        });
    changes.put("b", cur -> withHolder(cur, "b2"));
    changes.put("never", cur -> withHolder(cur, "x"));

    Map<String, Registry.Outcome> out = store.mutateEach(Kind.KIND_LEASE, NS, changes);

    assertThat(out.get("a").get().getLease().getSpec().getHolderIdentity()).isEqualTo("a2");
    assertThat(out.get("b").failure()).isInstanceOf(NotFoundException.class);
    assertThat(out.get("never").failure()).isInstanceOf(NotFoundException.class);
    assertThat(store.get(Kind.KIND_LEASE, NS, "b")).isEmpty();
    assertThat(store.get(Kind.KIND_LEASE, NS, "never")).isEmpty();
  }

  @Test
  void anInvalidChangeFailsAloneAndAnUnchangedObjectIsNotWritten() {
    Object a = lease("a");
    lease("b");
    lease("c");
    Map<String, UnaryOperator<Object>> changes = new LinkedHashMap<>();
    changes.put("a", cur -> cur);
    changes.put(
        "b",
        cur ->
            cur.toBuilder()
                .setLease(
                    cur.getLease().toBuilder()
                        .setMetadata(
                            cur.getLease().getMetadata().toBuilder()
                                .putAnnotations(
                                    "big", "x".repeat(StructuralValidator.MAX_OBJECT_BYTES + 1))))
                .build());
    changes.put("c", cur -> withHolder(cur, "c2"));
    long before = kv.currentRevision();

    Map<String, Registry.Outcome> out = store.mutateEach(Kind.KIND_LEASE, NS, changes);

    assertThat(out.get("a").get()).isEqualTo(a);
    assertThat(out.get("b").failure()).isInstanceOf(InvalidObjectException.class);
    assertThatThrownBy(() -> out.get("b").get()).isInstanceOf(InvalidObjectException.class);
    assertThat(rv(out.get("c").get())).isEqualTo(before + 1);
    assertThat(kv.currentRevision()).isEqualTo(before + 1);
  }

  @Test
  void refusesMoreObjectsThanOneTxnHolds() {
    Map<String, UnaryOperator<Object>> changes = new LinkedHashMap<>();
    for (int i = 0; i <= Registry.MAX_MUTATIONS_PER_TXN; i++) {
      changes.put("n" + i, cur -> cur);
    }
    assertThatThrownBy(() -> store.mutateEach(Kind.KIND_LEASE, NS, changes))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(String.valueOf(Registry.MAX_MUTATIONS_PER_TXN));
  }
}
