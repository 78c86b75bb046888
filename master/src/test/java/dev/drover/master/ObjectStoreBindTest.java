package dev.drover.master;

import static dev.drover.master.Fixtures.pod;
import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.api.v1.Object;
import dev.drover.master.store.ObjectStore;
import dev.drover.master.store.StructuralValidator;
import dev.drover.store.InMemoryKvStore;
import dev.drover.store.KvStores;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The scheduler's bind: a compare-and-swap that sets spec.node_name once. */
class ObjectStoreBindTest {
  InMemoryKvStore kv;
  ObjectStore store;

  @BeforeEach
  void start() {
    kv = KvStores.inMemory();
    store = new ObjectStore(kv, new StructuralValidator(), Clock.systemUTC(), Duration.ofSeconds(10));
    store.ensureNamespace("default");
  }

  @AfterEach
  void stop() {
    kv.close();
  }

  private static Status.Code code(Runnable r) {
    return Assertions.assertThrows(StatusRuntimeException.class, r::run).getStatus().getCode();
  }

  @Test
  void bindSetsTheNodeOnceAndOnlyAtTheExpectedVersion() {
    Object p = store.create(pod("default", "to-bind"), false);
    long rv = p.getPod().getMetadata().getResourceVersion();
    String uid = p.getPod().getMetadata().getUid();
    assertThat(code(() -> store.bind("default", "to-bind", "other-uid", "n1", 0))).isEqualTo(Status.Code.FAILED_PRECONDITION);
    Object bound = store.bind("default", "to-bind", uid, "n1", rv);
    assertThat(bound.getPod().getSpec().getNodeName()).isEqualTo("n1");
    assertThat(bound.getPod().getMetadata().getResourceVersion()).isGreaterThan(rv);
    // A deposed scheduler still holding the old version cannot bind again.
    assertThat(code(() -> store.bind("default", "to-bind", uid, "n2", rv))).isEqualTo(Status.Code.ABORTED);
    assertThat(code(() -> store.bind("default", "to-bind", uid, "n2", 0))).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(store.require(dev.drover.api.v1.Kind.KIND_POD, "default", "to-bind").getPod().getSpec().getNodeName())
        .isEqualTo("n1");
  }
}
