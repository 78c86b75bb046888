package dev.drover.master;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.drover.api.v1.HeartbeatRequest;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.LeaseSpec;
import dev.drover.api.v1.Node;
import dev.drover.api.v1.NodeServiceGrpc;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.RegisterNodeRequest;
import dev.drover.api.v1.WatchEvent;
import dev.drover.api.v1.WatchEventType;
import dev.drover.api.v1.WatchPodsRequest;
import dev.drover.master.api.NodeServiceImpl;
import dev.drover.store.KvStores;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A node agent's session is its pod watch on a network connection: when that connection dies (the
 * agent's process or host is gone), the master releases the node's lease at once, so the node
 * lifecycle controller finds the node after one heartbeat interval; a renewal takes the lease back;
 * an agent that only moved its watch elsewhere keeps its lease.
 */
class NodeSessionReleaseTest {
  /** Past {@code NodeSessions.END_SLACK} (1 s): a watch ended this long ago was moved away. */
  private static final Duration SLACK_PASSED = Duration.ofMillis(1500);

  private Master master;
  private ManagedChannel other;

  @BeforeEach
  void start() {
    master =
        Master.builder()
            .apiPort(0)
            .store(KvStores::inMemory, true)
            .scheduler(false)
            .controllers(false)
            .start();
    other = channel();
  }

  @AfterEach
  void stop() {
    other.shutdownNow();
    master.close();
  }

  private ManagedChannel channel() {
    return ManagedChannelBuilder.forTarget(master.apiAddress()).usePlaintext().build();
  }

  private static NodeServiceGrpc.NodeServiceBlockingStub node(ManagedChannel ch) {
    return NodeServiceGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  private static void register(ManagedChannel ch, String name) {
    node(ch)
        .register(
            RegisterNodeRequest.newBuilder()
                .setNode(Node.newBuilder().setMetadata(ObjectMeta.newBuilder().setName(name)))
                .build());
  }

  /** Opens {@code name}'s pod watch on {@code ch} and waits until the master serves it. */
  private static Context.CancellableContext watch(ManagedChannel ch, String name)
      throws InterruptedException {
    CountDownLatch served = new CountDownLatch(1);
    Context.CancellableContext ctx = Context.current().withCancellation();
    ctx.run(
        () ->
            NodeServiceGrpc.newStub(ch)
                .watchPods(
                    WatchPodsRequest.newBuilder().setNodeName(name).setAllowBookmarks(true).build(),
                    new StreamObserver<WatchEvent>() {
                      @Override
                      public void onNext(WatchEvent e) {
                        if (e.getType() == WatchEventType.WATCH_EVENT_TYPE_BOOKMARK) {
                          served.countDown();
                        }
                      }

                      @Override
                      public void onError(Throwable t) {}

                      @Override
                      public void onCompleted() {}
                    }));
    assertThat(served.await(30, TimeUnit.SECONDS)).as("the watch's first bookmark").isTrue();
    return ctx;
  }

  private LeaseSpec lease(String name) {
    return master
        .objects()
        .require(Kind.KIND_LEASE, NodeServiceImpl.NODE_LEASE_NAMESPACE, name)
        .getLease()
        .getSpec();
  }

  @Test
  void aDeadSessionConnectionReleasesTheLeaseAndARenewalTakesItBack() throws Exception {
    ManagedChannel agent = channel();
    register(agent, "n-gone");
    watch(agent, "n-gone");
    assertThat(lease("n-gone").getHolderIdentity()).isEqualTo("n-gone");

    // The agent's connection goes away without a goodbye of the session (as when its process
    // dies, the kernel closes the socket).
    agent.shutdownNow();

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> lease("n-gone").getHolderIdentity().isEmpty());
    assertThat(lease("n-gone").getLeaseDurationSeconds())
        .as("runs out one heartbeat interval after the connection ended")
        .isEqualTo(2);

    // The agent is back (another connection): its heartbeat holds the lease again.
    node(other).heartbeat(HeartbeatRequest.newBuilder().setNodeName("n-gone").build());
    LeaseSpec back = lease("n-gone");
    assertThat(back.getHolderIdentity()).isEqualTo("n-gone");
    assertThat(back.getLeaseDurationSeconds()).isEqualTo(6);
    assertThat(back.getLeaseTransitions()).isEqualTo(1);
  }

  @Test
  void anAgentThatMovedItsWatchAwayKeepsItsLeaseWhenTheOldConnectionCloses() throws Exception {
    ManagedChannel old = channel();
    register(old, "n-moved");
    Context.CancellableContext first = watch(old, "n-moved");
    first.cancel(null);
    // The slack runs from when the master saw the cancel, not from the client's: its session
    // record ends the stream first, then the cache drops the stream's watcher (the only one).
    await().atMost(Duration.ofSeconds(10)).until(() -> master.cache().watcherCount() == 0);
    long cancelled = System.nanoTime();
    watch(other, "n-moved");
    // The old connection closes well after the slack within which a watch's end counts as the
    // connection's (the premise of this case is that time, not an event).
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> System.nanoTime() - cancelled > SLACK_PASSED.toNanos());
    old.shutdownNow();
    assertThat(old.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(5))
        .until(() -> lease("n-moved").getHolderIdentity().equals("n-moved"));
  }
}
