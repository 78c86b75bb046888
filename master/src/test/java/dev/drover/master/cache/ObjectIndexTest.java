package dev.drover.master.cache;

import static dev.drover.master.cache.TestPods.app;
import static dev.drover.master.cache.TestPods.delete;
import static dev.drover.master.cache.TestPods.name;
import static dev.drover.master.cache.TestPods.onNode;
import static dev.drover.master.cache.TestPods.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.drover.api.ApiObjects;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Object;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The index alone: applying store batches, selector lists, the window and older snapshots. */
class ObjectIndexTest {
  private final ObjectIndex index = new ObjectIndex(3);

  @Test
  void aNodesPodsAreWhatAScanOfEveryPodFindsAfterBindsMovesAndDeletes() {
    index.apply(List.of(onNode("p0", "n1", 1), onNode("p1", "n2", 2), onNode("p2", "", 3)), 0);
    index.apply(List.of(onNode("p2", "n1", 4), onNode("p1", "n1", 5), delete("a", "p0", 6)), 0);
    index.apply(List.of(onNode("p3", "n2", 7)), 0);

    for (String node : List.of("n1", "n2", "n3")) {
      List<Object> scan =
          index.list(Kind.KIND_POD, o -> node.equals(o.getPod().getSpec().getNodeName()));
      assertThat(index.listPodsOn(node)).containsExactlyElementsOf(scan);
    }
    assertThat(index.listPodsOn("n1")).extracting(TestPods::name).containsExactly("p1", "p2");
    assertThat(index.listPodsOn("n2")).extracting(TestPods::name).containsExactly("p3");
    assertThat(index.listPodsOn("n3")).isEmpty();
  }

  @Test
  void listReturnsTheObjectsTheSelectorPassesInNamespaceAndNameOrder() {
    index.apply(
        List.of(
            put("b", "web-1", "web", 10),
            put("a", "db-0", "db", 11),
            put("a", "web-0", "web", 12),
            put("b", "web-0", "web", 13)),
        0);

    List<Object> web = index.list(Kind.KIND_POD, o -> app(o).equals("web"));

    assertThat(web)
        .extracting(o -> ApiObjects.meta(o).getNamespace() + "/" + name(o))
        .containsExactly("a/web-0", "b/web-0", "b/web-1");
    assertThat(index.list(Kind.KIND_POD, o -> false)).isEmpty();
    assertThat(index.list(Kind.KIND_NODE, o -> true)).isEmpty();
    assertThat(index.size()).isEqualTo(4);
    assertThat(index.size(Kind.KIND_POD)).isEqualTo(4);
  }

  @Test
  void aDeletionCarriesTheLastStateAtTheDeletingRevision() {
    index.apply(List.of(put("a", "web-0", "web", 5)), 0);

    List<Change> changes = index.apply(List.of(delete("a", "web-0", 6), delete("a", "gone", 6)), 0);

    // Deleting what the index does not hold is no change.
    assertThat(changes).hasSize(1);
    Change c = changes.get(0);
    assertThat(c.deleted()).isTrue();
    assertThat(ApiObjects.meta(c.object()).getResourceVersion()).isEqualTo(6);
    assertThat(ApiObjects.meta(c.previous()).getResourceVersion()).isEqualTo(5);
    assertThat(index.get(Kind.KIND_POD, "a", "web-0")).isEmpty();
    assertThat(index.revision()).isEqualTo(6);
  }

  @Test
  void everyChangeOfOneTxnIsKeptUnderItsSharedRevision() {
    index.apply(List.of(put("a", "p0", "web", 7), put("a", "p1", "web", 7)), 0);

    assertThat(index.changesAfter(Kind.KIND_POD, 6))
        .extracting(Change::sortKey)
        .containsExactly(ObjectIndex.sortKey("a", "p0"), ObjectIndex.sortKey("a", "p1"));
    assertThat(index.changesAfter(Kind.KIND_POD, 7)).isEmpty();
  }

  @Test
  void aProgressNotificationMovesTheRevisionWithoutChanges() {
    assertThat(index.apply(List.of(), 40)).isEmpty();

    assertThat(index.revision()).isEqualTo(40);
    assertThat(index.awaitRevision(40, Duration.ZERO, () -> false, () -> {})).isTrue();
    assertThat(index.awaitRevision(41, Duration.ofMillis(20), () -> false, () -> {})).isFalse();
  }

  @Test
  void aRevisionOlderThanTheWindowIsExpired() {
    for (long rev = 1; rev <= 5; rev++) {
      index.apply(List.of(put("a", "p" + rev, "web", rev)), 0);
    }

    // The window keeps 3 changes (3, 4, 5): from 2 on can be resumed, 1 cannot.
    assertThat(index.changesAfter(Kind.KIND_POD, 2)).hasSize(3);
    assertThatThrownBy(() -> index.changesAfter(Kind.KIND_POD, 1))
        .isInstanceOf(ExpiredException.class)
        .hasMessageContaining("resource_version 1 of KIND_POD is older than the cache keeps");
  }

  @Test
  void anOlderSnapshotUndoesTheLaterChanges() {
    index.apply(List.of(put("a", "p0", "v1", 1), put("a", "p1", "v1", 2)), 0);
    index.apply(List.of(put("a", "p0", "v2", 3), delete("a", "p1", 4), put("a", "p2", "v1", 5)), 0);

    NavigableMap<String, Object> at2 = index.objectsAt(Kind.KIND_POD, 2);

    assertThat(at2.values()).extracting(TestPods::app).containsExactly("v1", "v1");
    assertThat(at2.values()).extracting(TestPods::name).containsExactly("p0", "p1");
    assertThat(index.objectsAt(Kind.KIND_POD, 0).values())
        .extracting(TestPods::name)
        .containsExactly("p0", "p2");
    assertThatThrownBy(() -> index.objectsAt(Kind.KIND_POD, 9))
        .isInstanceOf(ExpiredException.class)
        .hasMessageContaining("newer than this master has seen (5)");
  }

  @Test
  void resetReplacesTheObjectsAndForgetsTheWindow() {
    index.apply(List.of(put("a", "old", "web", 1)), 0);
    TreeMap<String, Object> pods = new TreeMap<>();
    pods.put(ObjectIndex.sortKey("a", "new"), TestPods.pod("a", "new", "web", 8));

    Map<Kind, NavigableMap<String, Object>> before = index.reset(Map.of(Kind.KIND_POD, pods), 9);

    assertThat(before.get(Kind.KIND_POD)).containsOnlyKeys(ObjectIndex.sortKey("a", "old"));
    assertThat(index.list(Kind.KIND_POD, o -> true))
        .extracting(TestPods::name)
        .containsExactly("new");
    assertThat(index.revision()).isEqualTo(9);
    assertThatThrownBy(() -> index.changesAfter(Kind.KIND_POD, 8))
        .isInstanceOf(ExpiredException.class);
  }
}
