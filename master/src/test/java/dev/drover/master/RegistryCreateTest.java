package dev.drover.master;

import static dev.drover.master.Fixtures.pod;
import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Namespace;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.master.api.ApiErrors;
import dev.drover.master.registry.InvalidObjectException;
import dev.drover.master.registry.Registry;
import dev.drover.store.InMemoryKvStore;
import dev.drover.store.KvStores;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The create path: once a namespace was seen active, a create in it is one store call (a Txn that
 * compares the key absent and the namespace at the version seen), and a namespace that changed
 * since, was deleted or is being deleted, whether through this store or another master over the
 * same key-value store, still fails the create precisely and writes nothing.
 */
class RegistryCreateTest {
  InMemoryKvStore kv;
  Registry store;

  /** A second master's object store over the same key-value store. */
  Registry other;

  final AtomicInteger calls = new AtomicInteger();

  @BeforeEach
  void start() {
    kv = KvStores.inMemory();
    store = Fixtures.objectStore(kv);
    other = Fixtures.objectStore(kv);
    store.onStoreCall(nanos -> calls.incrementAndGet());
    store.namespaces().ensure("default");
  }

  @AfterEach
  void stop() {
    kv.close();
  }

  private static Object namespace(String name, String... finalizers) {
    Namespace.Builder ns =
        Namespace.newBuilder().setMetadata(ObjectMeta.newBuilder().setName(name));
    for (String f : finalizers) {
      ns.getSpecBuilder().addFinalizers(f);
    }
    return Object.newBuilder().setNamespace(ns).build();
  }

  private boolean exists(String ns, String name) {
    return other.get(Kind.KIND_POD, ns, name).isPresent();
  }

  @Test
  void aCreateInAKnownNamespaceIsOneStoreCall() {
    store.create(namespace("team"), false);
    store.create(pod("team", "first"), false);
    calls.set(0);
    Object second = store.create(pod("team", "second"), false);
    assertThat(calls.get()).isEqualTo(1);
    assertThat(second.getPod().getMetadata().getResourceVersion()).isPositive();
    assertThat(second.getPod().getMetadata().getUid()).isNotEmpty();
    assertThat(exists("team", "second")).isTrue();
  }

  @Test
  void aDuplicateCreateFailsWithAlreadyExistsAndChangesNothing() {
    Object first = store.create(pod("default", "dup"), false);
    assertThat(Fixtures.failureCode(() -> store.create(pod("default", "dup"), false)))
        .isEqualTo(Status.Code.ALREADY_EXISTS);
    assertThat(other.require(Kind.KIND_POD, "default", "dup")).isEqualTo(first);
  }

  @Test
  void aNamespaceBeingDeletedElsewhereRefusesNewObjects() {
    store.create(namespace("doomed", "example.com/hold"), false);
    store.create(pod("doomed", "before"), false);
    // Another master marks the namespace as being deleted; this store still remembers it active.
    other.delete(Kind.KIND_NAMESPACE, "", "doomed", Registry.DeleteOptions.plain(), null);
    assertThat(
            other
                .require(Kind.KIND_NAMESPACE, "", "doomed")
                .getNamespace()
                .getMetadata()
                .hasDeletionTime())
        .isTrue();
    // Forbidden, as Kubernetes answers a create in a terminating namespace.
    assertThat(Fixtures.failureCode(() -> store.create(pod("doomed", "after"), false)))
        .isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(exists("doomed", "after")).isFalse();
  }

  @Test
  void aNamespaceRemovedElsewhereIsNotFoundAndARecreatedOneWorks() {
    store.create(namespace("gone"), false);
    store.create(pod("gone", "before"), false);
    // Delete marks it; then what the namespace controller does: empty it and remove it.
    other.delete(Kind.KIND_NAMESPACE, "", "gone", Registry.DeleteOptions.plain(), null);
    other.namespaces().deleteBatch(other.namespaces().page(Kind.KIND_POD, "gone", "", 10));
    assertThat(other.namespaces().finishIfEmpty("gone")).isTrue();
    assertThat(other.get(Kind.KIND_NAMESPACE, "", "gone")).isEmpty();
    assertThat(Fixtures.failureCode(() -> store.create(pod("gone", "after"), false)))
        .isEqualTo(Status.Code.NOT_FOUND);
    assertThat(exists("gone", "after")).isFalse();

    other.create(namespace("gone"), false);
    Object again = store.create(pod("gone", "again"), false);
    assertThat(again.getPod().getMetadata().getNamespace()).isEqualTo("gone");
    assertThat(exists("gone", "again")).isTrue();
  }

  @Test
  void aNamespaceChangedElsewhereCostsOneRetryNotAFailure() {
    store.create(namespace("busy"), false);
    store.create(pod("busy", "before"), false);
    other.mutate(
        Kind.KIND_NAMESPACE,
        "",
        "busy",
        0,
        o ->
            o.toBuilder()
                .setNamespace(
                    o.getNamespace().toBuilder()
                        .setMetadata(
                            o.getNamespace().getMetadata().toBuilder().putLabels("team", "blue")))
                .build());
    assertThat(store.create(pod("busy", "after"), false).getPod().getMetadata().getName())
        .isEqualTo("after");
    assertThat(exists("busy", "after")).isTrue();
  }

  @Test
  void createAllWritesEveryObjectInOneTxnOrNone() {
    store.create(pod("default", "seen"), false);
    calls.set(0);
    List<Object> made = store.createAll(List.of(pod("default", "a"), pod("default", "b")));
    assertThat(calls.get()).isEqualTo(1);
    assertThat(made).extracting(o -> o.getPod().getMetadata().getName()).containsExactly("a", "b");
    assertThat(made.get(0).getPod().getMetadata().getResourceVersion()).isPositive();

    // One exists already: nothing of the group is written.
    assertThat(
            Fixtures.failureCode(
                () -> store.createAll(List.of(pod("default", "c"), pod("default", "a")))))
        .isEqualTo(Status.Code.ALREADY_EXISTS);
    assertThat(exists("default", "c")).isFalse();

    // One is invalid: the error names it by its place, and nothing is written.
    Object bad = pod("default", "Not_A_Name");
    InvalidObjectException invalid =
        Assertions.assertThrows(
            InvalidObjectException.class, () -> store.createAll(List.of(pod("default", "d"), bad)));
    StatusRuntimeException e = ApiErrors.of(invalid);
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(io.grpc.protobuf.StatusProto.fromThrowable(e).getDetailsList().toString())
        .contains("objects[1].");
    assertThat(exists("default", "d")).isFalse();

    assertThat(
            Fixtures.failureCode(
                () -> store.createAll(List.of(pod("default", "e"), pod("default", "e")))))
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(exists("default", "e")).isFalse();
  }
}
