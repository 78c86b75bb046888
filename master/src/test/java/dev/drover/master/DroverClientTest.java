package dev.drover.master;

import static dev.drover.master.Fixtures.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.drover.api.v1.ConfigMap;
import dev.drover.api.v1.ControlServiceGrpc;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.ListRequest;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.WatchEvent;
import dev.drover.api.v1.WatchEventType;
import dev.drover.client.DroverClient;
import dev.drover.master.metrics.MetricsInterceptor;
import dev.drover.store.KvStores;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * DroverClient against a real master: listAll pages a large listing, a compare-and-swap retried
 * after a lost answer reports "outcome unknown" rather than a conflict, and a watch whose stream
 * deadline passes resumes on the same master without losing or repeating events.
 */
class DroverClientTest {
  Master master;

  @BeforeEach
  void start() {
    master =
        Master.builder()
            .apiPort(0)
            .store(KvStores::inMemory, true)
            .scheduler(false)
            .controllers(false)
            .start();
  }

  @AfterEach
  void stop() {
    master.close();
  }

  private long calls(String method, String code) {
    return master
        .metrics()
        .counterValue(
            MetricsInterceptor.REQUESTS,
            "method",
            "drover.v1.ControlService/" + method,
            "code",
            code);
  }

  @Test
  void listAllPagesALargeListingIntoOneConsistentSnapshot() {
    try (DroverClient c = DroverClient.builder().endpoint(master.apiAddress()).build()) {
      int n = DroverClient.LIST_PAGE * 2 + 1;
      for (int i = 0; i < n; i++) {
        c.configMaps()
            .create(
                ConfigMap.newBuilder()
                    .setMetadata(ObjectMeta.newBuilder().setName("cm-" + i))
                    .putData("i", Integer.toString(i))
                    .build());
      }
      long before = calls("List", "OK");
      var all =
          c.listAll(
              ListRequest.newBuilder()
                  .setKind(Kind.KIND_CONFIG_MAP)
                  .setNamespace("default")
                  .build());
      assertThat(all.getItemsList()).hasSize(n);
      assertThat(all.getItemsList())
          .extracting(o -> o.getConfigMap().getMetadata().getName())
          .doesNotHaveDuplicates();
      assertThat(calls("List", "OK") - before).isEqualTo(3);
    }
  }

  /** Lets the first Update through to the server but loses its answer, as a dying master would. */
  static final class LoseFirstUpdateAnswer implements ClientInterceptor {
    final AtomicInteger updates = new AtomicInteger();

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(
        MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
      boolean lose =
          method
                  .getFullMethodName()
                  .equals(ControlServiceGrpc.getUpdateMethod().getFullMethodName())
              && updates.incrementAndGet() == 1;
      return new SimpleForwardingClientCall<>(next.newCall(method, options)) {
        @Override
        public void start(Listener<R> listener, Metadata headers) {
          super.start(
              !lose
                  ? listener
                  : new SimpleForwardingClientCallListener<R>(listener) {
                    @Override
                    public void onMessage(R message) {
                      // Dropped: the write happened, the client never hears of it.
                    }

                    @Override
                    public void onClose(Status status, Metadata trailers) {
                      super.onClose(
                          Status.UNAVAILABLE.withDescription("connection lost"), trailers);
                    }
                  },
              headers);
        }
      };
    }
  }

  @Test
  void aRetriedCompareAndSwapThatConflictsWithItselfReportsAnUnknownOutcome() {
    LoseFirstUpdateAnswer lossy = new LoseFirstUpdateAnswer();
    try (DroverClient c =
        DroverClient.builder()
            .endpoint(master.apiAddress())
            .channelFactory(
                t -> ManagedChannelBuilder.forTarget(t).usePlaintext().intercept(lossy).build())
            .build()) {
      ConfigMap cm =
          c.configMaps()
              .create(
                  ConfigMap.newBuilder()
                      .setMetadata(ObjectMeta.newBuilder().setName("once"))
                      .putData("n", "0")
                      .build());
      StatusRuntimeException e =
          catchThrowableOfType(
              () -> c.configMaps().update(cm.toBuilder().putData("n", "1").build()),
              StatusRuntimeException.class);
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(e.getStatus().getDescription()).contains("outcome unknown");
      assertThat(lossy.updates.get()).isEqualTo(2);
      // The first attempt did apply, exactly once.
      ConfigMap now = c.configMaps().get("default", "once");
      assertThat(now.getDataOrThrow("n")).isEqualTo("1");
      assertThat(calls("Update", "OK")).isEqualTo(1);
      assertThat(calls("Update", "ABORTED")).isEqualTo(1);
    }
  }

  @Test
  void asyncCallsFailOverAndRetryAsTheBlockingOnesDo() throws Exception {
    LoseFirstUpdateAnswer lossy = new LoseFirstUpdateAnswer();
    try (DroverClient c =
        DroverClient.builder()
            // The first endpoint refuses connections: reads and CAS writes move to the second.
            .endpoint("127.0.0.1:1")
            .endpoint(master.apiAddress())
            .channelFactory(
                t -> ManagedChannelBuilder.forTarget(t).usePlaintext().intercept(lossy).build())
            .build()) {
      ConfigMap cm =
          ConfigMap.newBuilder()
              .setMetadata(ObjectMeta.newBuilder().setName("async").setNamespace("default"))
              .putData("n", "0")
              .build();
      // A create is never retried: against the dead endpoint it fails, and says so.
      ExecutionException refused =
          catchThrowableOfType(
              () -> c.async().create(dev.drover.api.Kinds.wrap(cm)).get(),
              ExecutionException.class);
      assertThat(Status.fromThrowable(refused.getCause()).getCode())
          .isEqualTo(Status.Code.UNAVAILABLE);
      // That failure moved the client on; the create now lands on the live master.
      var created = c.async().create(dev.drover.api.Kinds.wrap(cm)).get(10, TimeUnit.SECONDS);
      assertThat(created.getConfigMap().getMetadata().getResourceVersion()).isPositive();
      var listed =
          c.async()
              .list(ListRequest.newBuilder().setKind(Kind.KIND_CONFIG_MAP).build())
              .get(10, TimeUnit.SECONDS);
      assertThat(listed.getItemsList())
          .extracting(o -> o.getConfigMap().getMetadata().getName())
          .contains("async");
      // A CAS whose answer is lost is retried, conflicts with itself: outcome unknown.
      ExecutionException unknown =
          catchThrowableOfType(
              () ->
                  c.async()
                      .update(
                          dev.drover.api.Kinds.wrap(
                              created.getConfigMap().toBuilder().putData("n", "1").build()))
                      .get(10, TimeUnit.SECONDS),
              ExecutionException.class);
      Status status = Status.fromThrowable(unknown.getCause());
      assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(status.getDescription()).contains("outcome unknown");
      assertThat(c.configMaps().get("default", "async").getDataOrThrow("n")).isEqualTo("1");
    }
  }

  /** Counts the Watch and WatchBatched calls a client starts. */
  static final class CountWatches implements ClientInterceptor {
    final AtomicInteger started = new AtomicInteger();

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(
        MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
      String name = method.getFullMethodName();
      if (name.equals(ControlServiceGrpc.getWatchMethod().getFullMethodName())
          || name.equals(ControlServiceGrpc.getWatchBatchedMethod().getFullMethodName())) {
        started.incrementAndGet();
      }
      return next.newCall(method, options);
    }
  }

  /**
   * Plays a master from before WatchBatched: that method fails with UNIMPLEMENTED; counts Watch
   * calls.
   */
  static final class NoBatchedWatch implements ClientInterceptor {
    final AtomicInteger batchedRefused = new AtomicInteger();
    final AtomicInteger watches = new AtomicInteger();

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(
        MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
      if (method
          .getFullMethodName()
          .equals(ControlServiceGrpc.getWatchBatchedMethod().getFullMethodName())) {
        batchedRefused.incrementAndGet();
        return new ClientCall<>() {
          @Override
          public void start(Listener<R> listener, Metadata headers) {
            listener.onClose(
                Status.UNIMPLEMENTED.withDescription("unknown method"), new Metadata());
          }

          @Override
          public void request(int numMessages) {}

          @Override
          public void cancel(String message, Throwable cause) {}

          @Override
          public void halfClose() {}

          @Override
          public void sendMessage(Q message) {}
        };
      }
      if (method
          .getFullMethodName()
          .equals(ControlServiceGrpc.getWatchMethod().getFullMethodName())) {
        watches.incrementAndGet();
      }
      return next.newCall(method, options);
    }
  }

  /**
   * Watches pods in default from the current version, adding every event but bookmarks to {@code
   * seen}.
   */
  private static DroverClient.WatchStream watchPodsFromNow(DroverClient c, List<WatchEvent> seen) {
    long from =
        c.listAll(ListRequest.newBuilder().setKind(Kind.KIND_POD).build()).getResourceVersion();
    return c.pods()
        .watch(
            "default",
            from,
            new DroverClient.WatchListener() {
              @Override
              public void onEvent(WatchEvent e) {
                if (e.getType() != WatchEventType.WATCH_EVENT_TYPE_BOOKMARK) {
                  seen.add(e);
                }
              }
            });
  }

  @Test
  void aWatchFallsBackToPerEventWatchOnAMasterWithoutWatchBatched() {
    NoBatchedWatch old = new NoBatchedWatch();
    try (DroverClient c =
        DroverClient.builder()
            .endpoint(master.apiAddress())
            .channelFactory(
                t -> ManagedChannelBuilder.forTarget(t).usePlaintext().intercept(old).build())
            .build()) {
      List<WatchEvent> seen = new CopyOnWriteArrayList<>();
      DroverClient.WatchStream w = watchPodsFromNow(c, seen);
      c.create(pod("default", "fallback-0"));
      c.create(pod("default", "fallback-1"));
      await().atMost(Duration.ofSeconds(30)).until(() -> seen.size() >= 2);
      assertThat(seen)
          .extracting(e -> e.getObject().getPod().getMetadata().getName())
          .containsExactly("fallback-0", "fallback-1");
      assertThat(old.batchedRefused.get()).isEqualTo(1);
      assertThat(old.watches.get()).isGreaterThanOrEqualTo(1);
      w.close();
    }
  }

  @Test
  void aWatchResumesOnTheSameMasterWhenItsStreamDeadlinePasses() {
    CountWatches watches = new CountWatches();
    try (DroverClient c =
        DroverClient.builder()
            .endpoint(master.apiAddress())
            .watchTimeout(Duration.ofMillis(700))
            .channelFactory(
                t -> ManagedChannelBuilder.forTarget(t).usePlaintext().intercept(watches).build())
            .build()) {
      List<WatchEvent> seen = new CopyOnWriteArrayList<>();
      DroverClient.WatchStream w = watchPodsFromNow(c, seen);
      for (int i = 0; i < 5; i++) {
        c.create(pod("default", "deadline-" + i));
        int expected = i + 1;
        await().atMost(Duration.ofSeconds(30)).until(() -> seen.size() >= expected);
        // The next write goes to a later stream: wait for the client to open one.
        int streams = watches.started.get();
        await().atMost(Duration.ofSeconds(30)).until(() -> watches.started.get() > streams);
      }
      assertThat(seen)
          .extracting(e -> e.getObject().getPod().getMetadata().getName())
          .containsExactlyElementsOf(IntStream.range(0, 5).mapToObj(i -> "deadline-" + i).toList());
      assertThat(watches.started.get()).isGreaterThanOrEqualTo(6);
      assertThat(c.currentEndpoint()).isEqualTo(master.apiAddress());
      w.close();
    }
  }
}
