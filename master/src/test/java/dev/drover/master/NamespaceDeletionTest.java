package dev.drover.master;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.drover.api.Kinds;
import dev.drover.api.v1.ConfigMap;
import dev.drover.api.v1.DeleteRequest;
import dev.drover.api.v1.DeleteResponse;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Namespace;
import dev.drover.api.v1.NamespacePhase;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Secret;
import dev.drover.master.registry.Registry;
import dev.drover.store.api.Keys;
import dev.drover.store.v1.RangeRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Deleting a large namespace (issue 20): the Delete call only marks it Terminating and returns at
 * once, and the namespace controller of the active master removes its ~13,000 objects and then the
 * namespace itself, in time linear in the objects.
 */
class NamespaceDeletionTest {
  /** Objects put in the namespace, as in the report of the slow deletion. */
  static final int OBJECTS = Integer.getInteger("drover.test.namespaceObjects", 13_000);

  InProcessMaster m;

  @BeforeEach
  void start() {
    // No scheduler: the pods stay unbound, so nothing waits for a node to stop containers.
    m = new InProcessMaster(b -> b.scheduler(false));
  }

  @AfterEach
  void stop() throws Exception {
    m.close();
  }

  private long stored(Kind kind, String ns) {
    var prefix = Registry.prefix(kind, ns);
    return m.master
        .objects()
        .await(
            m.master
                .kv()
                .range(
                    RangeRequest.newBuilder()
                        .setKey(prefix)
                        .setRangeEnd(Keys.prefixEnd(prefix))
                        .setCountOnly(true)
                        .build()))
        .getCount();
  }

  private static Object namespace(String name) {
    return Kinds.wrap(
        Namespace.newBuilder().setMetadata(ObjectMeta.newBuilder().setName(name)).build());
  }

  private static Object object(int i) {
    ObjectMeta meta = ObjectMeta.newBuilder().setNamespace("bulk").setName("o-" + i).build();
    return switch (i % 3) {
      case 0 -> Fixtures.pod("bulk", "o-" + i);
      case 1 -> Kinds.wrap(ConfigMap.newBuilder().setMetadata(meta).putData("k", "v").build());
      default -> Kinds.wrap(Secret.newBuilder().setMetadata(meta).build());
    };
  }

  @Test
  void deletingANamespaceOfThirteenThousandObjectsReturnsAtOnceAndEmptiesItInTheBackground() {
    Registry objects = m.master.objects();
    objects.create(namespace("bulk"), false);
    List<Object> batch = new ArrayList<>();
    for (int i = 0; i < OBJECTS; i++) {
      batch.add(object(i));
      if (batch.size() == Registry.MAX_CREATES_PER_TXN || i == OBJECTS - 1) {
        objects.createAll(batch);
        batch.clear();
      }
    }
    long before =
        stored(Kind.KIND_POD, "bulk")
            + stored(Kind.KIND_CONFIG_MAP, "bulk")
            + stored(Kind.KIND_SECRET, "bulk");
    assertThat(before).isEqualTo(OBJECTS);
    await().atMost(Duration.ofSeconds(30)).until(() -> m.master.isActive());
    // The Delete answers once the watch cache holds its own write: let it take in the creates
    // first, as it long has when a namespace that old is deleted.
    long created = m.master.kv().currentRevision();
    assertThat(m.master.cache().waitForRevision(created, Duration.ofSeconds(30))).isTrue();

    // The first Delete of a JVM loads and compiles its whole path (a few hundred ms on a busy
    // machine, whatever the namespace holds): deleting a small namespace first leaves the size as
    // the only difference the measured call could see.
    objects.create(namespace("warm"), false);
    objects.create(Fixtures.pod("warm", "p"), false);
    m.control()
        .delete(DeleteRequest.newBuilder().setKind(Kind.KIND_NAMESPACE).setName("warm").build());
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> objects.get(Kind.KIND_NAMESPACE, "", "warm").isEmpty());
    long start = System.nanoTime();
    DeleteResponse r =
        m.control()
            .withDeadlineAfter(1, TimeUnit.SECONDS)
            .delete(
                DeleteRequest.newBuilder().setKind(Kind.KIND_NAMESPACE).setName("bulk").build());
    long deleteMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertThat(deleteMillis).isLessThan(1_000);
    assertThat(r.getDeletedImmediately()).isFalse();
    assertThat(r.getObject().getNamespace().getStatus().getPhase())
        .isEqualTo(NamespacePhase.NAMESPACE_PHASE_TERMINATING);

    await()
        .atMost(Duration.ofSeconds(50))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> objects.get(Kind.KIND_NAMESPACE, "", "bulk").isEmpty());
    long goneMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    for (Kind kind : Kinds.all()) {
      if (Kinds.isNamespaced(kind)) {
        assertThat(stored(kind, "bulk")).as("%s left in bulk", kind).isZero();
      }
    }
    System.out.printf(
        "namespace of %d objects: Delete returned in %d ms, namespace gone after %d ms%n",
        OBJECTS, deleteMillis, goneMillis);
  }
}
