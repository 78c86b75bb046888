package dev.drover.master;

import static dev.drover.master.Fixtures.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.drover.api.v1.ControlServiceGrpc;
import dev.drover.api.v1.CreateRequest;
import dev.drover.api.v1.DeleteRequest;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.ListRequest;
import dev.drover.api.v1.ListResponse;
import dev.drover.api.v1.Namespace;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.UpdateRequest;
import dev.drover.api.v1.WatchEvent;
import dev.drover.api.v1.WatchEventBatch;
import dev.drover.api.v1.WatchEventType;
import dev.drover.api.v1.WatchRequest;
import dev.drover.master.cache.CacheListener;
import dev.drover.master.cache.WatchCache;
import io.grpc.Context;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Watch semantics through gRPC: resume from a version, initial events, bookmarks, expiry; and the
 * in-process listener API.
 */
class WatchTest {
  static InProcessMaster m;

  @BeforeAll
  static void start() {
    // The API alone: no scheduler or controllers writing to the objects under test.
    m = new InProcessMaster(b -> b.cacheWindow(20).scheduler(false).controllers(false));
    for (String ns : List.of("w1", "w2", "w3", "w4", "w5")) {
      m.control()
          .create(
              CreateRequest.newBuilder()
                  .setObject(
                      Object.newBuilder()
                          .setNamespace(
                              Namespace.newBuilder()
                                  .setMetadata(ObjectMeta.newBuilder().setName(ns))))
                  .build());
    }
  }

  @AfterAll
  static void stop() throws Exception {
    m.close();
  }

  /** Collects a watch's events until cancelled. */
  static final class Recorder implements StreamObserver<WatchEvent> {
    final List<WatchEvent> events = new CopyOnWriteArrayList<>();
    volatile boolean completed;
    final Context.CancellableContext ctx = Context.current().withCancellation();

    Recorder watch(WatchRequest req) {
      ctx.run(() -> ControlServiceGrpc.newStub(m.channel).watch(req, this));
      return this;
    }

    List<WatchEvent> objects() {
      return events.stream()
          .filter(e -> e.getType() != WatchEventType.WATCH_EVENT_TYPE_BOOKMARK)
          .toList();
    }

    @Override
    public void onNext(WatchEvent value) {
      events.add(value);
    }

    @Override
    public void onError(Throwable t) {
      completed = true;
    }

    @Override
    public void onCompleted() {
      completed = true;
    }
  }

  private static Object create(Object o) {
    return m.control().create(CreateRequest.newBuilder().setObject(o).build());
  }

  @Test
  void watchFromAListVersionSeesEveryLaterChangeInOrder() {
    create(pod("w1", "before"));
    ListResponse list =
        m.control()
            .list(ListRequest.newBuilder().setKind(Kind.KIND_POD).setNamespace("w1").build());
    Object a = create(pod("w1", "a"));
    Recorder r =
        new Recorder()
            .watch(
                WatchRequest.newBuilder()
                    .setKind(Kind.KIND_POD)
                    .setNamespace("w1")
                    .setResourceVersion(list.getResourceVersion())
                    .build());
    Object a2 =
        m.control()
            .update(
                UpdateRequest.newBuilder()
                    .setObject(
                        a.toBuilder()
                            .setPod(
                                a.getPod().toBuilder()
                                    .setMetadata(
                                        a.getPod().getMetadata().toBuilder().putLabels("x", "y"))))
                    .build());
    m.control()
        .delete(
            DeleteRequest.newBuilder()
                .setKind(Kind.KIND_POD)
                .setNamespace("w1")
                .setName("a")
                .build());
    create(pod("w2", "other-namespace"));
    await().atMost(Duration.ofSeconds(30)).until(() -> r.objects().size() >= 3);
    List<WatchEvent> ev = r.objects();
    assertThat(ev)
        .extracting(WatchEvent::getType)
        .containsExactly(
            WatchEventType.WATCH_EVENT_TYPE_ADDED,
            WatchEventType.WATCH_EVENT_TYPE_MODIFIED,
            WatchEventType.WATCH_EVENT_TYPE_DELETED);
    assertThat(ev.get(1).getResourceVersion())
        .isEqualTo(a2.getPod().getMetadata().getResourceVersion());
    assertThat(ev.get(0).getResourceVersion()).isLessThan(ev.get(1).getResourceVersion());
    assertThat(ev.get(2).getObject().getPod().getMetadata().getLabelsMap()).containsEntry("x", "y");
    r.ctx.cancel(null);
  }

  @Test
  void initialEventsThenBookmarkThenChanges() {
    create(pod("w3", "one"));
    create(pod("w3", "two"));
    Recorder r =
        new Recorder()
            .watch(
                WatchRequest.newBuilder()
                    .setKind(Kind.KIND_POD)
                    .setNamespace("w3")
                    .setSendInitialEvents(true)
                    .setAllowBookmarks(true)
                    .build());
    await().atMost(Duration.ofSeconds(30)).until(() -> r.events.size() >= 3);
    assertThat(r.events.subList(0, 3))
        .extracting(WatchEvent::getType)
        .containsExactly(
            WatchEventType.WATCH_EVENT_TYPE_ADDED,
            WatchEventType.WATCH_EVENT_TYPE_ADDED,
            WatchEventType.WATCH_EVENT_TYPE_BOOKMARK);
    create(pod("w3", "three"));
    await().atMost(Duration.ofSeconds(30)).until(() -> r.objects().size() == 3);
    // While idle, bookmarks keep arriving and never move backwards.
    int seen = r.events.size();
    await().atMost(Duration.ofSeconds(30)).until(() -> r.events.size() > seen + 1);
    long prev = 0;
    for (WatchEvent e : r.events) {
      assertThat(e.getResourceVersion()).isGreaterThanOrEqualTo(prev);
      prev = e.getResourceVersion();
    }
    r.ctx.cancel(null);
  }

  @Test
  void aVersionOlderThanTheWindowIsExpired() {
    ListResponse list = m.control().list(ListRequest.newBuilder().setKind(Kind.KIND_POD).build());
    for (int i = 0; i < 30; i++) {
      create(pod("w4", "churn-" + i));
    }
    Recorder r =
        new Recorder()
            .watch(
                WatchRequest.newBuilder()
                    .setKind(Kind.KIND_POD)
                    .setResourceVersion(list.getResourceVersion())
                    .build());
    await().atMost(Duration.ofSeconds(30)).until(() -> r.completed);
    assertThat(r.events).hasSize(1);
    assertThat(r.events.get(0).getType()).isEqualTo(WatchEventType.WATCH_EVENT_TYPE_ERROR);
    assertThat(r.events.get(0).getError().getReason()).isEqualTo("Expired");
    assertThat(r.events.get(0).getError().getCode())
        .isEqualTo(io.grpc.Status.Code.OUT_OF_RANGE.value());
    io.grpc.StatusRuntimeException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            io.grpc.StatusRuntimeException.class,
            () ->
                m.control()
                    .list(
                        ListRequest.newBuilder()
                            .setKind(Kind.KIND_POD)
                            .setResourceVersion(list.getResourceVersion())
                            .build()));
    assertThat(e.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.OUT_OF_RANGE);
    assertThat(e.getStatus().getDescription()).contains("Expired");
  }

  @Test
  void listenersSeeExistingObjectsThenChangesAndCacheWaitsForRevisions() throws Exception {
    WatchCache cache = m.master.cache();
    create(pod("w5", "existing"));
    List<String> seen = new CopyOnWriteArrayList<>();
    try (WatchCache.Registration reg =
        cache.addListener(
            Kind.KIND_POD,
            new CacheListener() {
              @Override
              public void onAdd(Object o) {
                if (o.getPod().getMetadata().getNamespace().equals("w5")) {
                  seen.add("add " + o.getPod().getMetadata().getName());
                }
              }

              @Override
              public void onUpdate(Object before, Object after) {
                if (after.getPod().getMetadata().getNamespace().equals("w5")) {
                  seen.add("update " + after.getPod().getMetadata().getName());
                }
              }

              @Override
              public void onDelete(Object last) {
                if (last.getPod().getMetadata().getNamespace().equals("w5")) {
                  seen.add("delete " + last.getPod().getMetadata().getName());
                }
              }
            })) {
      assertThat(seen).containsExactly("add existing");
      Object created = m.master.objects().create(pod("w5", "new"), false);
      assertThat(
              cache.waitForRevision(
                  created.getPod().getMetadata().getResourceVersion(), Duration.ofSeconds(30)))
          .isTrue();
      assertThat(cache.get(Kind.KIND_POD, "w5", "new")).isPresent();
      assertThat(
              cache.list(Kind.KIND_POD, o -> o.getPod().getMetadata().getNamespace().equals("w5")))
          .hasSize(2);
      m.control()
          .delete(
              DeleteRequest.newBuilder()
                  .setKind(Kind.KIND_POD)
                  .setNamespace("w5")
                  .setName("new")
                  .build());
      await().atMost(Duration.ofSeconds(30)).until(() -> seen.size() == 3);
      assertThat(seen).containsExactly("add existing", "add new", "delete new");
    }
    assertThat(cache.waitForRevision(cache.revision() + 1000, Duration.ofMillis(200))).isFalse();
  }

  /** Several objects written by one Txn share a revision; a watcher gets every one of them. */
  @Test
  void everyChangeOfAMultiObjectTxnIsDelivered() {
    create(
        Object.newBuilder()
            .setNamespace(Namespace.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("w6")))
            .build());
    Recorder r =
        new Recorder()
            .watch(
                WatchRequest.newBuilder()
                    .setKind(Kind.KIND_POD)
                    .setNamespace("w6")
                    .setSendInitialEvents(true)
                    .setAllowBookmarks(true)
                    .build());
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                r.events.stream()
                    .anyMatch(e -> e.getType() == WatchEventType.WATCH_EVENT_TYPE_BOOKMARK));
    List<Object> created =
        m.master.objects().createAll(List.of(pod("w6", "x"), pod("w6", "y"), pod("w6", "z")));
    assertThat(created)
        .extracting(o -> o.getPod().getMetadata().getResourceVersion())
        .containsOnly(created.get(0).getPod().getMetadata().getResourceVersion());
    await().atMost(Duration.ofSeconds(30)).until(() -> r.objects().size() >= 3);
    assertThat(r.objects())
        .extracting(e -> e.getObject().getPod().getMetadata().getName())
        .containsExactly("x", "y", "z");
    r.ctx.cancel(null);
  }

  @Test
  void selectorTransitionsArriveAsAddedAndDeleted() {
    Object p = create(pod("w2", "moving"));
    Recorder r =
        new Recorder()
            .watch(
                WatchRequest.newBuilder()
                    .setKind(Kind.KIND_POD)
                    .setNamespace("w2")
                    .setLabelSelector("tier in (front)")
                    .build());
    Object labelled =
        m.control()
            .update(
                UpdateRequest.newBuilder()
                    .setObject(
                        p.toBuilder()
                            .setPod(
                                p.getPod().toBuilder()
                                    .setMetadata(
                                        p.getPod().getMetadata().toBuilder()
                                            .putLabels("tier", "front"))))
                    .build());
    m.control()
        .update(
            UpdateRequest.newBuilder()
                .setObject(
                    labelled.toBuilder()
                        .setPod(
                            labelled.getPod().toBuilder()
                                .setMetadata(
                                    labelled.getPod().getMetadata().toBuilder()
                                        .putLabels("tier", "back"))))
                .build());
    await().atMost(Duration.ofSeconds(30)).until(() -> r.objects().size() >= 2);
    assertThat(r.objects())
        .extracting(WatchEvent::getType)
        .containsExactly(
            WatchEventType.WATCH_EVENT_TYPE_ADDED, WatchEventType.WATCH_EVENT_TYPE_DELETED);
    r.ctx.cancel(null);
  }

  @Test
  void listFiltersByLabelAndFieldSelectorsAndRejectsBadOnes() {
    Object a = pod("w2", "sel-a");
    create(
        a.toBuilder()
            .setPod(
                a.getPod().toBuilder()
                    .setMetadata(a.getPod().getMetadata().toBuilder().putLabels("env", "prod"))
                    .setSpec(a.getPod().getSpec().toBuilder().setNodeName("n1")))
            .build());
    create(pod("w2", "sel-b"));
    ListResponse byLabel =
        m.control()
            .list(
                ListRequest.newBuilder()
                    .setKind(Kind.KIND_POD)
                    .setNamespace("w2")
                    .setLabelSelector("env=prod,app")
                    .build());
    assertThat(byLabel.getItemsList())
        .extracting(o -> o.getPod().getMetadata().getName())
        .containsExactly("sel-a");
    ListResponse byField =
        m.control()
            .list(
                ListRequest.newBuilder()
                    .setKind(Kind.KIND_POD)
                    .setFieldSelector("spec.node_name=n1,metadata.namespace=w2")
                    .build());
    assertThat(byField.getItemsList())
        .extracting(o -> o.getPod().getMetadata().getName())
        .containsExactly("sel-a");
    ListResponse notProd =
        m.control()
            .list(
                ListRequest.newBuilder()
                    .setKind(Kind.KIND_POD)
                    .setNamespace("w2")
                    .setLabelSelector("env notin (prod)")
                    .setFieldSelector("metadata.name!=moving")
                    .build());
    assertThat(notProd.getItemsList())
        .extracting(o -> o.getPod().getMetadata().getName())
        .contains("sel-b")
        .doesNotContain("sel-a");
    io.grpc.StatusRuntimeException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            io.grpc.StatusRuntimeException.class,
            () ->
                m.control()
                    .list(
                        ListRequest.newBuilder()
                            .setKind(Kind.KIND_POD)
                            .setLabelSelector("a in (b")
                            .build()));
    assertThat(Fixtures.violatedFields(e)).containsExactly("label_selector");
    e =
        org.junit.jupiter.api.Assertions.assertThrows(
            io.grpc.StatusRuntimeException.class,
            () ->
                m.control()
                    .list(
                        ListRequest.newBuilder()
                            .setKind(Kind.KIND_POD)
                            .setFieldSelector("spec.image=x")
                            .build()));
    assertThat(Fixtures.violatedFields(e)).containsExactly("field_selector");
  }

  @Test
  void batchedWatchCarriesTheSameEventsAsWatchAndOneTxnInOneMessage() {
    create(
        Object.newBuilder()
            .setNamespace(Namespace.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("w7")))
            .build());
    long from =
        m.control()
            .list(ListRequest.newBuilder().setKind(Kind.KIND_POD).setNamespace("w7").build())
            .getResourceVersion();
    WatchRequest req =
        WatchRequest.newBuilder()
            .setKind(Kind.KIND_POD)
            .setNamespace("w7")
            .setResourceVersion(from)
            .build();
    Recorder single = new Recorder().watch(req);
    List<WatchEventBatch> batches = new CopyOnWriteArrayList<>();
    Context.CancellableContext ctx = Context.current().withCancellation();
    ctx.run(
        () ->
            ControlServiceGrpc.newStub(m.channel)
                .watchBatched(
                    req,
                    new StreamObserver<>() {
                      @Override
                      public void onNext(WatchEventBatch value) {
                        batches.add(value);
                      }

                      @Override
                      public void onError(Throwable t) {}

                      @Override
                      public void onCompleted() {}
                    }));
    List<String> names = List.of("b0", "b1", "b2", "b3", "b4");
    List<Object> created =
        m.master.objects().createAll(names.stream().map(n -> pod("w7", n)).toList());
    Object b0 = created.get(0);
    m.control()
        .update(
            UpdateRequest.newBuilder()
                .setObject(
                    b0.toBuilder()
                        .setPod(
                            b0.getPod().toBuilder()
                                .setMetadata(
                                    b0.getPod().getMetadata().toBuilder().putLabels("x", "y"))))
                .build());
    m.control()
        .delete(
            DeleteRequest.newBuilder()
                .setKind(Kind.KIND_POD)
                .setNamespace("w7")
                .setName("b1")
                .build());
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                single.objects().size() >= 7
                    && batches.stream().mapToInt(WatchEventBatch::getEventsCount).sum() >= 7);
    List<WatchEvent> flat = batches.stream().flatMap(b -> b.getEventsList().stream()).toList();
    assertThat(flat).isEqualTo(single.events);
    assertThat(flat)
        .extracting(WatchEvent::getType)
        .containsExactly(
            WatchEventType.WATCH_EVENT_TYPE_ADDED,
            WatchEventType.WATCH_EVENT_TYPE_ADDED,
            WatchEventType.WATCH_EVENT_TYPE_ADDED,
            WatchEventType.WATCH_EVENT_TYPE_ADDED,
            WatchEventType.WATCH_EVENT_TYPE_ADDED,
            WatchEventType.WATCH_EVENT_TYPE_MODIFIED,
            WatchEventType.WATCH_EVENT_TYPE_DELETED);
    // The five creates are one Txn, so one round of the fan-out: one message carries all of them
    // (and possibly the later changes too, when they were ready before it went out).
    assertThat(batches.get(0).getEventsCount()).isGreaterThanOrEqualTo(5);
    assertThat(batches.get(0).getEventsList().subList(0, 5))
        .extracting(e -> e.getObject().getPod().getMetadata().getName())
        .containsExactlyElementsOf(names);
    single.ctx.cancel(null);
    ctx.cancel(null);
  }
}
