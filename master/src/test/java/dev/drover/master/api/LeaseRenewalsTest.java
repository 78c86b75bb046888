package dev.drover.master.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.util.Timestamps;
import dev.drover.api.ApiObjects;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.LeaseSpec;
import dev.drover.master.registry.InvalidObjectException;
import dev.drover.master.registry.Registry;
import dev.drover.master.registry.StoreUnavailableException;
import dev.drover.master.registry.StructuralValidator;
import dev.drover.store.InMemoryKvStore;
import dev.drover.store.KvStores;
import dev.drover.testing.FakeClock;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Group commit of node lease renewals: renewals queued while a batch is in flight share the next
 * store Txn, and each gets the outcome the single path ({@link LeaseRenewals#renewNow}) would give
 * it: a lease released or deleted while its renewal waited is taken back or created, and a failure
 * reaches exactly its callers.
 */
class LeaseRenewalsTest {
  static final String NS = NodeServiceImpl.NODE_LEASE_NAMESPACE;

  InMemoryKvStore kv;
  FakeClock clock;
  Registry store;
  LeaseRenewals renewals;

  /** Holds the writer thread after its first store write, until opened. */
  final CountDownLatch flushing = new CountDownLatch(1);

  final CountDownLatch open = new CountDownLatch(1);
  final AtomicBoolean holding = new AtomicBoolean();

  @BeforeEach
  void start() {
    kv = KvStores.inMemory();
    clock = new FakeClock();
    store = new Registry(kv, new StructuralValidator(), clock, Duration.ofSeconds(10));
    store.namespaces().ensure(NS);
    store.onStoreWrite(
        nanos -> {
          if (Thread.currentThread().getName().equals("node-lease-renewals")
              && holding.compareAndSet(true, false)) {
            flushing.countDown();
            try {
              open.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        });
    renewals = new LeaseRenewals(store, clock, Duration.ofSeconds(6));
  }

  @AfterEach
  void stop() {
    open.countDown();
    renewals.close();
    kv.close();
  }

  /** Starts a batch of one renewal of {@code node} and holds it after its write. */
  private CompletableFuture<Long> holdABatch(String node) throws InterruptedException {
    // A renewal at an unchanged time changes nothing and writes nothing.
    clock.advance(Duration.ofSeconds(1));
    holding.set(true);
    CompletableFuture<Long> first = renewals.renew(node);
    assertThat(flushing.await(30, TimeUnit.SECONDS)).isTrue();
    return first;
  }

  private LeaseSpec spec(String node) {
    return store.require(Kind.KIND_LEASE, NS, node).getLease().getSpec();
  }

  // A lease's spec apart from its holder, who differs between a node and its twin.
  private LeaseSpec butHolder(String node) {
    return spec(node).toBuilder().clearHolderIdentity().build();
  }

  private static long get(CompletableFuture<Long> f) throws Exception {
    return f.get(30, TimeUnit.SECONDS);
  }

  @Test
  void renewalsQueuedWhileABatchIsInFlightShareOneStoreWrite() throws Exception {
    int nodes = 60;
    for (int i = 0; i < nodes; i++) {
      renewals.renewNow("n" + i);
    }
    long created = clock.millis();
    CompletableFuture<Long> first = holdABatch("n0");
    long afterFirst = kv.currentRevision();
    List<CompletableFuture<Long>> rest = new ArrayList<>();
    for (int i = 1; i < nodes; i++) {
      rest.add(renewals.renew("n" + i));
    }
    open.countDown();

    assertThat(get(first)).isEqualTo(afterFirst);
    for (CompletableFuture<Long> f : rest) {
      assertThat(get(f)).isEqualTo(afterFirst + 1);
    }
    assertThat(kv.currentRevision())
        .as("59 renewals written in one store write")
        .isEqualTo(afterFirst + 1);
    for (int i = 0; i < nodes; i++) {
      LeaseSpec s = spec("n" + i);
      assertThat(Timestamps.toMillis(s.getRenewTime()))
          .isEqualTo(clock.millis())
          .isGreaterThan(created);
      assertThat(s.getHolderIdentity()).isEqualTo("n" + i);
    }
  }

  @Test
  void aLoneRenewalIsOneWriteAndTwoBeatsOfOneNodeShareTheirRenewal() throws Exception {
    renewals.renewNow("solo");
    renewals.renewNow("twice");
    clock.advance(Duration.ofSeconds(1));
    long before = kv.currentRevision();
    assertThat(get(renewals.renew("solo"))).isEqualTo(before + 1);
    assertThat(kv.currentRevision()).isEqualTo(before + 1);

    CompletableFuture<Long> first = holdABatch("solo");
    CompletableFuture<Long> a = renewals.renew("twice");
    CompletableFuture<Long> b = renewals.renew("twice");
    open.countDown();
    get(first);
    assertThat(get(a)).isEqualTo(get(b)).isEqualTo(kv.currentRevision());
  }

  @Test
  void aLeaseReleasedOrDeletedWhileItsRenewalWaitsEndsAsTheSinglePathLeavesIt() throws Exception {
    for (String n : List.of("rel", "rel-single", "del", "del-single", "kept")) {
      renewals.renewNow(n);
    }
    CompletableFuture<Long> first = holdABatch("kept");
    List<CompletableFuture<Long>> queued =
        List.of(renewals.renew("rel"), renewals.renew("del"), renewals.renew("kept"));
    // While they wait: "rel" released (as a lost session releases it), "del" deleted; the twins
    // the same, renewed by the single path.
    for (String n : List.of("rel", "rel-single")) {
      store.mutate(
          Kind.KIND_LEASE,
          NS,
          n,
          0,
          cur ->
              cur.toBuilder()
                  .setLease(
                      cur.getLease().toBuilder()
                          .setSpec(cur.getLease().getSpec().toBuilder().setHolderIdentity("")))
                  .build());
    }
    String delUid = ApiObjects.meta(store.require(Kind.KIND_LEASE, NS, "del")).getUid();
    for (String n : List.of("del", "del-single")) {
      store.delete(Kind.KIND_LEASE, NS, n, Registry.DeleteOptions.plain(), o -> o);
    }
    renewals.renewNow("rel-single");
    renewals.renewNow("del-single");
    open.countDown();
    get(first);
    for (CompletableFuture<Long> f : queued) {
      get(f);
    }

    assertThat(butHolder("rel")).isEqualTo(butHolder("rel-single"));
    assertThat(spec("rel").getHolderIdentity()).isEqualTo("rel");
    assertThat(spec("rel").getLeaseTransitions()).isEqualTo(1);
    assertThat(spec("rel").getAcquireTime()).isEqualTo(spec("rel").getRenewTime());
    assertThat(butHolder("del")).isEqualTo(butHolder("del-single"));
    assertThat(spec("del").getHolderIdentity()).isEqualTo("del");
    assertThat(ApiObjects.meta(store.require(Kind.KIND_LEASE, NS, "del")).getUid())
        .as("created anew")
        .isNotEqualTo(delUid);
    assertThat(spec("kept").getHolderIdentity()).isEqualTo("kept");
    assertThat(Timestamps.toMillis(spec("kept").getRenewTime())).isEqualTo(clock.millis());
  }

  @Test
  void aFailureReachesExactlyItsCallers() throws Exception {
    renewals.renewNow("good");
    CompletableFuture<Long> first = holdABatch("good");
    CompletableFuture<Long> bad = renewals.renew("Not_A_Name");
    CompletableFuture<Long> good = renewals.renew("good");
    open.countDown();
    get(first);
    assertThat(get(good)).isEqualTo(kv.currentRevision());
    assertThatThrownBy(() -> get(bad))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(InvalidObjectException.class)
        .hasMessageContaining("Not_A_Name");

    kv.close();
    assertThatThrownBy(() -> get(renewals.renew("good")))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(StoreUnavailableException.class);
  }

  @Test
  void closingFailsWhatWaitsAndRefusesNewRenewals() throws Exception {
    renewals.renewNow("a");
    CompletableFuture<Long> first = holdABatch("a");
    CompletableFuture<Long> waiting = renewals.renew("a");
    renewals.close();
    open.countDown();
    for (CompletableFuture<Long> f : List.of(waiting, renewals.renew("a"))) {
      assertThatThrownBy(() -> get(f))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOf(StatusRuntimeException.class)
          .satisfies(
              e ->
                  assertThat(((StatusRuntimeException) e).getStatus().getCode())
                      .isEqualTo(Status.Code.UNAVAILABLE));
    }
    assertThat(first).isDone();
  }
}
