package dev.drover.master;

import static dev.drover.master.Fixtures.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.drover.api.v1.ControlServiceGrpc;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.ListRequest;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.WatchEvent;
import dev.drover.api.v1.WatchEventType;
import dev.drover.api.v1.WatchRequest;
import dev.drover.client.DroverClient;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A watch on one master keeps delivering when another master of the cluster goes away: the Raft
 * leader in one case, a follower in the other. Checked twice on the surviving master A: on a plain
 * gRPC stream (which must see every write, with no error and no end: nothing hides a stall behind a
 * resume) and through {@link DroverClient} pointed at A alone.
 *
 * <p>(A report said an API watch on a surviving master once stopped delivering, with no error, when
 * another master crashed; the loss here is a master's close, the in-process stand-in for a crash:
 * its API and store member stop and its peers' connections to it fail.)
 */
class WatchSurvivesPeerLossTest {
  private static final int BEFORE = 10;
  private static final int AFTER = 20;

  @TempDir Path dir;
  RaftCluster cluster;
  ManagedChannel channel;

  @AfterEach
  void stop() {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void watchOnAFollowerKeepsDeliveringWhenTheLeaderIsLost() throws Exception {
    cluster =
        new RaftCluster(
            dir,
            b -> b.bookmarkInterval(Duration.ofMillis(300)).scheduler(false).controllers(false));
    Master leader = cluster.leader();
    List<Master> followers = cluster.running().stream().filter(m -> m != leader).toList();
    watchKeepsDelivering(followers.get(0), leader, followers.get(1), "leader-loss");
  }

  @Test
  void watchOnAFollowerKeepsDeliveringWhenAnotherFollowerIsLost() throws Exception {
    cluster =
        new RaftCluster(
            dir,
            b -> b.bookmarkInterval(Duration.ofMillis(300)).scheduler(false).controllers(false));
    Master leader = cluster.leader();
    List<Master> followers = cluster.running().stream().filter(m -> m != leader).toList();
    watchKeepsDelivering(followers.get(0), followers.get(1), leader, "follower-loss");
  }

  /**
   * Watches pods on {@code watched}, writes {@link #BEFORE} pods through {@code writeVia}, stops
   * {@code victim}, writes {@link #AFTER} more and checks both watches saw every pod once, in
   * order, and the plain stream neither failed nor ended.
   */
  private void watchKeepsDelivering(Master watched, Master victim, Master writeVia, String prefix) {
    List<String> raw = new CopyOnWriteArrayList<>();
    List<String> viaClient = new CopyOnWriteArrayList<>();
    AtomicReference<String> ended = new AtomicReference<>();
    try (DroverClient writer =
            DroverClient.builder()
                .endpoints(List.of(writeVia.apiAddress(), watched.apiAddress()))
                .deadline(Duration.ofSeconds(20))
                .build();
        DroverClient watcher =
            DroverClient.builder()
                .endpoints(List.of(watched.apiAddress()))
                .deadline(Duration.ofSeconds(20))
                .build()) {
      long from =
          watcher
              .listAll(
                  ListRequest.newBuilder().setKind(Kind.KIND_POD).setNamespace("default").build())
              .getResourceVersion();
      channel = ManagedChannelBuilder.forTarget(watched.apiAddress()).usePlaintext().build();
      ControlServiceGrpc.newStub(channel)
          .watch(
              WatchRequest.newBuilder()
                  .setKind(Kind.KIND_POD)
                  .setNamespace("default")
                  .setResourceVersion(from)
                  .setAllowBookmarks(true)
                  .build(),
              new StreamObserver<>() {
                @Override
                public void onNext(WatchEvent e) {
                  if (e.getType() == WatchEventType.WATCH_EVENT_TYPE_ADDED) {
                    raw.add(e.getObject().getPod().getMetadata().getName());
                  } else if (e.getType() == WatchEventType.WATCH_EVENT_TYPE_ERROR) {
                    ended.compareAndSet(null, "ERROR event " + e.getError());
                  }
                }

                @Override
                public void onError(Throwable t) {
                  ended.compareAndSet(null, "onError " + t);
                }

                @Override
                public void onCompleted() {
                  ended.compareAndSet(null, "onCompleted");
                }
              });
      DroverClient.WatchStream stream =
          watcher
              .pods()
              .watch(
                  "default",
                  from,
                  new DroverClient.WatchListener() {
                    @Override
                    public void onEvent(WatchEvent e) {
                      if (e.getType() == WatchEventType.WATCH_EVENT_TYPE_ADDED) {
                        viaClient.add(e.getObject().getPod().getMetadata().getName());
                      }
                    }
                  });
      List<String> expected = new ArrayList<>();
      for (int i = 0; i < BEFORE + AFTER; i++) {
        if (i == BEFORE) {
          await()
              .atMost(Duration.ofSeconds(30))
              .until(() -> raw.size() >= BEFORE && viaClient.size() >= BEFORE);
          cluster.stop(victim);
        }
        String name = prefix + "-" + i;
        Pod written =
            RaftFailoverTest.persist(
                () -> writer.pods().create(pod("default", name).getPod()),
                () -> writer.pods().get("default", name),
                p -> true);
        assertThat(written.getMetadata().getName()).isEqualTo(name);
        expected.add(name);
      }
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> raw.size() >= expected.size() && viaClient.size() >= expected.size());
      assertThat(ended.get()).as("the plain watch stream on the surviving master").isNull();
      assertThat(raw).containsExactlyElementsOf(expected);
      assertThat(viaClient).containsExactlyElementsOf(expected);
      stream.close();
    }
  }
}
