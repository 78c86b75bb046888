package dev.drover.master;

import static dev.drover.master.Fixtures.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.drover.api.v1.ControlServiceGrpc;
import dev.drover.api.v1.CreateRequest;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Namespace;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.WatchEvent;
import dev.drover.api.v1.WatchEventBatch;
import dev.drover.api.v1.WatchEventType;
import dev.drover.api.v1.WatchRequest;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Watch streams honour gRPC flow control: a client that stops reading is not fed into the master's
 * transport buffers without bound; its events wait in the cache's bounded backlog, and past the
 * limit it is told to re-list.
 */
class WatchFlowControlTest {
  static final int BACKLOG = 40;
  static InProcessMaster m;

  @BeforeAll
  static void start() {
    m = new InProcessMaster(b -> b.watcherBacklog(BACKLOG).scheduler(false).controllers(false));
  }

  @AfterAll
  static void stop() throws Exception {
    m.close();
  }

  @Test
  void aWatcherThatStopsReadingIsToldToRelistInsteadOfBuffering() {
    List<WatchEvent> got = new CopyOnWriteArrayList<>();
    AtomicReference<ClientCallStreamObserver<WatchRequest>> call = new AtomicReference<>();
    AtomicBoolean completed = new AtomicBoolean();
    ControlServiceGrpc.newStub(m.channel)
        .watch(
            WatchRequest.newBuilder().setKind(Kind.KIND_POD).setNamespace("default").build(),
            new ClientResponseObserver<WatchRequest, WatchEvent>() {
              @Override
              public void beforeStart(ClientCallStreamObserver<WatchRequest> requestStream) {
                // Read one event, then nothing until the test asks for more.
                requestStream.disableAutoRequestWithInitial(1);
                call.set(requestStream);
              }

              @Override
              public void onNext(WatchEvent e) {
                got.add(e);
              }

              @Override
              public void onError(Throwable t) {
                completed.set(true);
              }

              @Override
              public void onCompleted() {
                completed.set(true);
              }
            });
    int writes = BACKLOG * 4;
    for (int i = 0; i < writes; i++) {
      m.control().create(CreateRequest.newBuilder().setObject(pod("default", "fc-" + i)).build());
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> got.size() >= 1);
    call.get().request(Integer.MAX_VALUE);
    await().atMost(Duration.ofSeconds(30)).untilTrue(completed);
    WatchEvent last = got.get(got.size() - 1);
    assertThat(last.getType()).isEqualTo(WatchEventType.WATCH_EVENT_TYPE_ERROR);
    assertThat(last.getError().getReason()).isEqualTo("Expired");
    assertThat(last.getError().getMessage())
        .contains("fell more than " + BACKLOG + " events behind");
    // Held back, not buffered: far fewer events reached the client than were written.
    assertThat(got.size()).isLessThan(writes);
  }

  @Test
  void eventsThatWaitedForABatchedWatcherGoOutTogether() {
    List<WatchEventBatch> got = new CopyOnWriteArrayList<>();
    AtomicReference<ClientCallStreamObserver<WatchRequest>> call = new AtomicReference<>();
    m.control()
        .create(
            CreateRequest.newBuilder()
                .setObject(
                    Object.newBuilder()
                        .setNamespace(
                            Namespace.newBuilder()
                                .setMetadata(ObjectMeta.newBuilder().setName("fc-batched"))))
                .build());
    ControlServiceGrpc.newStub(m.channel)
        .watchBatched(
            WatchRequest.newBuilder().setKind(Kind.KIND_POD).setNamespace("fc-batched").build(),
            new ClientResponseObserver<WatchRequest, WatchEventBatch>() {
              @Override
              public void beforeStart(ClientCallStreamObserver<WatchRequest> requestStream) {
                requestStream.disableAutoRequestWithInitial(1);
                call.set(requestStream);
              }

              @Override
              public void onNext(WatchEventBatch b) {
                got.add(b);
              }

              @Override
              public void onError(Throwable t) {}

              @Override
              public void onCompleted() {}
            });
    // Ten separate writes (ten Txns): the first goes out at once, the other nine wait for the
    // client, which reads nothing more until they are all written.
    int writes = 10;
    long last = 0;
    for (int i = 0; i < writes; i++) {
      last =
          m.control()
              .create(CreateRequest.newBuilder().setObject(pod("fc-batched", "b-" + i)).build())
              .getPod()
              .getMetadata()
              .getResourceVersion();
    }
    long lastWrite = last;
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> got.size() >= 1 && m.master.cache().offeredUpTo(lastWrite));
    call.get().request(Integer.MAX_VALUE);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> got.stream().mapToInt(WatchEventBatch::getEventsCount).sum() >= writes);
    assertThat(
            got.stream()
                .flatMap(b -> b.getEventsList().stream())
                .map(e -> e.getObject().getPod().getMetadata().getName()))
        .containsExactlyElementsOf(IntStream.range(0, writes).mapToObj(i -> "b-" + i).toList());
    // What waited went out as one message, not nine.
    assertThat(got).hasSize(2);
    call.get().cancel("done", null);
  }
}
