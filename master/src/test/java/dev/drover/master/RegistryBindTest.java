package dev.drover.master;

import static dev.drover.master.Fixtures.pod;
import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.api.v1.ConditionStatus;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Object;
import dev.drover.master.registry.PodStrategy.BindResult;
import dev.drover.master.registry.PodStrategy.PodBinding;
import dev.drover.master.registry.Registry;
import dev.drover.store.InMemoryKvStore;
import dev.drover.store.KvStores;
import dev.drover.testing.TestObjects;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The scheduler's bind: a compare-and-swap that sets spec.node_name once; batched, many such
 * compare-and-swaps in few transactions, where a pod that conflicts, is gone or names a missing
 * node fails alone and the others are bound.
 */
class RegistryBindTest {
  InMemoryKvStore kv;
  Registry store;

  @BeforeEach
  void start() {
    kv = KvStores.inMemory();
    store = Fixtures.objectStore(kv);
    store.namespaces().ensure("default");
  }

  @AfterEach
  void stop() {
    kv.close();
  }

  @Test
  void bindSetsTheNodeOnceAndOnlyAtTheExpectedVersion() {
    Object p = store.create(pod("default", "to-bind"), false);
    long rv = p.getPod().getMetadata().getResourceVersion();
    String uid = p.getPod().getMetadata().getUid();
    assertThat(
            Fixtures.failureCode(
                () -> store.pods().bind("default", "to-bind", "other-uid", "n1", 0)))
        .isEqualTo(Status.Code.FAILED_PRECONDITION);
    Object bound = store.pods().bind("default", "to-bind", uid, "n1", rv);
    assertThat(bound.getPod().getSpec().getNodeName()).isEqualTo("n1");
    assertThat(bound.getPod().getMetadata().getResourceVersion()).isGreaterThan(rv);
    // A deposed scheduler still holding the old version cannot bind again.
    assertThat(Fixtures.failureCode(() -> store.pods().bind("default", "to-bind", uid, "n2", rv)))
        .isEqualTo(Status.Code.ABORTED);
    assertThat(Fixtures.failureCode(() -> store.pods().bind("default", "to-bind", uid, "n2", 0)))
        .isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(
            store
                .require(dev.drover.api.v1.Kind.KIND_POD, "default", "to-bind")
                .getPod()
                .getSpec()
                .getNodeName())
        .isEqualTo("n1");
  }

  @Test
  void oneBadBindingOfABatchDoesNotFailTheOthers() {
    createNodes();
    Object fine1 = store.create(pod("default", "fine1"), false);
    Object stale = store.create(pod("default", "stale"), false);
    Object gone = store.create(pod("default", "gone"), false);
    Object noNode = store.create(pod("default", "no-node"), false);
    Object fine2 = store.create(pod("default", "fine2"), false);
    // Someone else writes "stale" after the scheduler saw it; "gone" is deleted.
    store.mutate(
        Kind.KIND_POD,
        "default",
        "stale",
        0,
        o ->
            o.toBuilder()
                .setPod(
                    o.getPod().toBuilder()
                        .setMetadata(
                            o.getPod().getMetadata().toBuilder().putLabels("touched", "yes")))
                .build());
    store.delete(Kind.KIND_POD, "default", "gone", Registry.DeleteOptions.plain(), o -> o);

    List<BindResult> results =
        store
            .pods()
            .bindAll(
                List.of(
                    new PodBinding(fine1, "n1"),
                    new PodBinding(stale, "n1"),
                    new PodBinding(gone, "n2"),
                    new PodBinding(noNode, "missing"),
                    new PodBinding(fine2, "n2")));

    assertThat(results)
        .containsExactly(
            BindResult.BOUND,
            BindResult.CONFLICT,
            BindResult.POD_GONE,
            BindResult.NODE_GONE,
            BindResult.BOUND);
    assertThat(nodeOf("fine1")).isEqualTo("n1");
    assertThat(nodeOf("fine2")).isEqualTo("n2");
    assertThat(nodeOf("stale")).isEmpty();
    assertThat(nodeOf("no-node")).isEmpty();
    assertThat(
            store
                .require(Kind.KIND_POD, "default", "fine1")
                .getPod()
                .getStatus()
                .getConditionsList())
        .anySatisfy(
            c -> {
              assertThat(c.getType()).isEqualTo("PodScheduled");
              assertThat(c.getStatus()).isEqualTo(ConditionStatus.CONDITION_STATUS_TRUE);
            });
    // A second attempt with the old versions binds nothing twice.
    assertThat(store.pods().bindAll(List.of(new PodBinding(fine1, "n2"))))
        .containsExactly(BindResult.CONFLICT);
    assertThat(nodeOf("fine1")).isEqualTo("n1");
  }

  @Test
  void aBatchLargerThanOneTransactionIsSplitAndFullyBound() {
    createNodes();
    List<PodBinding> batch = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      batch.add(
          new PodBinding(store.create(pod("default", "p" + i), false), i % 2 == 0 ? "n1" : "n2"));
    }
    long before = kv.currentRevision();

    List<BindResult> results = store.pods().bindAll(batch);

    assertThat(results).hasSize(300).containsOnly(BindResult.BOUND);
    // 300 pods over two nodes fit in three Txns of at most 128 operations each.
    assertThat(kv.currentRevision() - before).isEqualTo(3);
    for (int i = 0; i < 300; i++) {
      assertThat(nodeOf("p" + i)).isEqualTo(i % 2 == 0 ? "n1" : "n2");
    }
  }

  private String nodeOf(String pod) {
    return store.require(Kind.KIND_POD, "default", pod).getPod().getSpec().getNodeName();
  }

  private void createNodes() {
    store.create(node("n1"), false);
    store.create(node("n2"), false);
  }

  private static Object node(String name) {
    return TestObjects.wrap(TestObjects.node(name, Map.of()));
  }
}
