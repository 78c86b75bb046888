package dev.drover.master.controller.namespace;

import static dev.drover.testing.TestObjects.container;
import static dev.drover.testing.TestObjects.pod;
import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.api.v1.ConfigMap;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Namespace;
import dev.drover.api.v1.NamespacePhase;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.Secret;
import dev.drover.master.controller.DeleteOptions;
import dev.drover.master.controller.Harness;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class NamespaceControllerTest {
  private final Harness h = new Harness();

  private Namespace namespace(String name, String... specFinalizers) {
    Namespace.Builder ns =
        Namespace.newBuilder().setMetadata(ObjectMeta.newBuilder().setName(name));
    for (String f : specFinalizers) {
      ns.getSpecBuilder().addFinalizers(f);
    }
    return h.cluster.create(ns.build());
  }

  private void configMaps(String ns, int count) {
    for (int i = 0; i < count; i++) {
      h.cluster.create(
          ConfigMap.newBuilder()
              .setMetadata(
                  ObjectMeta.newBuilder().setNamespace(ns).setName(String.format("cm-%05d", i)))
              .build());
    }
  }

  private Optional<Namespace> stored(String name) {
    return h.cluster.fetch(Kind.KIND_NAMESPACE, "", name);
  }

  private long count(Kind kind, String ns) {
    return h.cluster.stored(kind).stream()
        .filter(o -> dev.drover.api.ApiObjects.meta(o).getNamespace().equals(ns))
        .count();
  }

  private void deleteNamespace(String name) {
    h.cluster.delete(Kind.KIND_NAMESPACE, "", name, DeleteOptions.background());
  }

  @Test
  void emptiesATerminatingNamespaceKindByKindAPageAtATimeThenRemovesIt() {
    h.add(new NamespaceController(h.context()));
    namespace("team");
    namespace("other");
    configMaps("team", 1_200);
    configMaps("other", 3);
    h.cluster.create(pod("team", "web", container("c", "i")).build());
    h.cluster.create(
        Secret.newBuilder()
            .setMetadata(ObjectMeta.newBuilder().setNamespace("team").setName("token"))
            .build());
    h.settle();
    assertThat(h.cluster.pageReads()).as("an active namespace is left alone").isZero();

    deleteNamespace("team");
    h.settle();

    assertThat(stored("team")).isEmpty();
    assertThat(count(Kind.KIND_CONFIG_MAP, "team")).isZero();
    assertThat(count(Kind.KIND_POD, "team")).isZero();
    assertThat(count(Kind.KIND_SECRET, "team")).isZero();
    assertThat(count(Kind.KIND_CONFIG_MAP, "other")).isEqualTo(3);
    assertThat(stored("other")).isPresent();
    // One page per kind, and 1,200 config maps take three pages of 500: linear in the objects.
    assertThat(h.cluster.pageReads()).isEqualTo(NamespaceController.NAMESPACED.size() + 2);
  }

  @Test
  void aPodOnANodeHoldsTheNamespaceUntilItsNodeConfirmsTermination() {
    h.add(new NamespaceController(h.context()));
    h.cluster.boundPodsWaitForAgent(true);
    namespace("team");
    Pod bound =
        pod("team", "web", container("c", "i"))
            .setSpec(
                pod("team", "web", container("c", "i")).getSpec().toBuilder().setNodeName("n1"))
            .build();
    h.cluster.create(bound);
    configMaps("team", 2);

    deleteNamespace("team");
    h.settle();

    assertThat(stored("team"))
        .get()
        .satisfies(
            ns ->
                assertThat(ns.getStatus().getPhase())
                    .isEqualTo(NamespacePhase.NAMESPACE_PHASE_TERMINATING));
    assertThat(count(Kind.KIND_CONFIG_MAP, "team")).isZero();
    Pod waiting = h.cluster.stored(Kind.KIND_POD, "team", "web");
    assertThat(waiting.getMetadata().hasDeletionTime()).isTrue();

    h.cluster.confirmTermination("team", "web");
    h.settle();
    assertThat(stored("team")).as("removal is gathered for a moment first").isPresent();
    h.advance(NamespaceController.GATHER);
    assertThat(stored("team")).isEmpty();
  }

  @Test
  void aNamespaceWithFinalizersIsEmptiedButStaysUntilTheyAreRemoved() {
    h.add(new NamespaceController(h.context()));
    namespace("held", "example.com/hold");
    configMaps("held", 2);

    deleteNamespace("held");
    h.settle();
    assertThat(count(Kind.KIND_CONFIG_MAP, "held")).isZero();
    Namespace ns = stored("held").orElseThrow();
    assertThat(ns.getMetadata().hasDeletionTime()).isTrue();

    h.cluster.update(ns.toBuilder().setSpec(ns.getSpec().toBuilder().clearFinalizers()).build());
    h.settle();
    assertThat(stored("held")).isEmpty();
  }

  @Test
  void aControllerStartingOnAHalfDeletedNamespaceFinishesIt() {
    namespace("team");
    configMaps("team", 5);
    // Marked while no controller ran, as when the active master changed.
    deleteNamespace("team");
    assertThat(count(Kind.KIND_CONFIG_MAP, "team")).isEqualTo(5);

    h.add(new NamespaceController(h.context()));
    h.settle();
    assertThat(stored("team")).isEmpty();
    assertThat(count(Kind.KIND_CONFIG_MAP, "team")).isZero();
  }
}
