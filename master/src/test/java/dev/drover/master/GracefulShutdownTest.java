package dev.drover.master;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.drover.api.v1.ControlServiceGrpc;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.WatchEvent;
import dev.drover.api.v1.WatchRequest;
import dev.drover.store.KvStores;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Closing a master drains its streams: an open watch ends with UNAVAILABLE (resume elsewhere), not
 * by a cut.
 */
class GracefulShutdownTest {
  @Test
  void closingAMasterEndsItsWatchStreamsWithUnavailable() throws Exception {
    Master m =
        Master.builder()
            .apiPort(0)
            .store(KvStores::inMemory, true)
            .scheduler(false)
            .controllers(false)
            .start();
    ManagedChannel ch = ManagedChannelBuilder.forTarget(m.apiAddress()).usePlaintext().build();
    try {
      AtomicReference<Status> ended = new AtomicReference<>();
      ControlServiceGrpc.newStub(ch)
          .watch(
              WatchRequest.newBuilder().setKind(Kind.KIND_POD).setNamespace("default").build(),
              new StreamObserver<WatchEvent>() {
                @Override
                public void onNext(WatchEvent e) {}

                @Override
                public void onError(Throwable t) {
                  ended.compareAndSet(null, Status.fromThrowable(t));
                }

                @Override
                public void onCompleted() {
                  ended.compareAndSet(null, Status.OK);
                }
              });
      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () ->
                  m.metrics()
                      .render()
                      .lines()
                      .anyMatch(
                          l ->
                              l.startsWith("drover_watchers ")
                                  && Double.parseDouble(l.substring(16).trim()) >= 1));

      CompletableFuture<Void> closing = CompletableFuture.runAsync(m::close);
      await().atMost(Duration.ofSeconds(20)).until(() -> ended.get() != null);
      assertThat(ended.get().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(ended.get().getDescription()).contains("shutting down");
      closing.get(60, TimeUnit.SECONDS);
    } finally {
      ch.shutdownNow();
      m.close();
    }
  }
}
