package dev.drover.master;

import static dev.drover.master.Fixtures.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.drover.api.v1.AgentServiceGrpc;
import dev.drover.api.v1.ControlServiceGrpc;
import dev.drover.api.v1.CreateRequest;
import dev.drover.api.v1.DaemonEndpoint;
import dev.drover.api.v1.LogChunk;
import dev.drover.api.v1.LogStream;
import dev.drover.api.v1.LogsRequest;
import dev.drover.api.v1.Node;
import dev.drover.api.v1.NodeServiceGrpc;
import dev.drover.api.v1.NodeStatus;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.RegisterNodeRequest;
import dev.drover.store.KvStores;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The master's Logs call proxies the stream of the node agent that runs the pod: a fake
 * AgentService on a real port stands in for the agent, so the test sees what the master asks the
 * agent, what the client gets back, that follow keeps streaming, and that a cancel or a master
 * shutdown reaches the agent.
 */
class LogsProxyTest {
  /** An agent whose Logs sends two lines, then (with follow) whatever the test pushes. */
  static final class FakeAgent extends AgentServiceGrpc.AgentServiceImplBase {
    final LinkedBlockingQueue<LogsRequest> requests = new LinkedBlockingQueue<>();
    final AtomicReference<ServerCallStreamObserver<LogChunk>> follower = new AtomicReference<>();
    final AtomicBoolean cancelled = new AtomicBoolean();

    @Override
    public void logs(LogsRequest request, StreamObserver<LogChunk> out) {
      requests.add(request);
      if (request.getContainer().equals("sidecar")) {
        out.onError(
            Status.NOT_FOUND
                .withDescription("container sidecar has not started")
                .asRuntimeException());
        return;
      }
      ServerCallStreamObserver<LogChunk> call = (ServerCallStreamObserver<LogChunk>) out;
      call.setOnCancelHandler(() -> cancelled.set(true));
      call.onNext(chunk("line 1\n"));
      call.onNext(chunk("line 2\n"));
      if (request.getFollow()) {
        follower.set(call);
      } else {
        call.onCompleted();
      }
    }
  }

  static LogChunk chunk(String text) {
    return LogChunk.newBuilder()
        .setData(ByteString.copyFromUtf8(text))
        .setStream(LogStream.LOG_STREAM_STDOUT)
        .build();
  }

  FakeAgent agent;
  Server agentServer;
  Master master;
  ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    agent = new FakeAgent();
    agentServer =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(agent)
            .build()
            .start();
    master =
        Master.builder()
            .apiPort(0)
            .store(KvStores::inMemory, true)
            .scheduler(false)
            .controllers(false)
            .start();
    channel = ManagedChannelBuilder.forTarget(master.apiAddress()).usePlaintext().build();
    NodeServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(30, TimeUnit.SECONDS)
        .register(
            RegisterNodeRequest.newBuilder()
                .setNode(
                    Node.newBuilder()
                        .setMetadata(ObjectMeta.newBuilder().setName("n-logs"))
                        .setStatus(
                            NodeStatus.newBuilder()
                                .putCapacity("cpu", "2")
                                .putCapacity("memory", "4Gi")
                                .setDaemonEndpoint(
                                    DaemonEndpoint.newBuilder()
                                        .setAddress("127.0.0.1")
                                        .setPort(agentServer.getPort()))))
                .build());
    Object p = pod("default", "web-1");
    Object bound =
        p.toBuilder()
            .setPod(
                p.getPod().toBuilder()
                    .setSpec(
                        p.getPod().getSpec().toBuilder()
                            .setNodeName("n-logs")
                            .addContainers(
                                dev.drover.api.v1.Container.newBuilder()
                                    .setName("sidecar")
                                    .setImage("127.0.0.1:5000/busybox:1"))))
            .build();
    api().create(CreateRequest.newBuilder().setObject(bound).build());
    // Logs are resolved from the master's cache: wait until it holds the pod and the node.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                master
                    .cache()
                    .get(dev.drover.api.v1.Kind.KIND_POD, "default", "web-1")
                    .isPresent());
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    master.close();
    agentServer.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
  }

  ControlServiceGrpc.ControlServiceBlockingStub api() {
    return ControlServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  /**
   * Follows the logs of web-1/main, collecting text; returns the call to cancel and the outcome.
   */
  private CompletableFuture<Status> follow(
      List<String> lines, AtomicReference<ClientCallStreamObserver<LogsRequest>> call) {
    CompletableFuture<Status> end = new CompletableFuture<>();
    ControlServiceGrpc.newStub(channel)
        .withDeadlineAfter(60, TimeUnit.SECONDS)
        .logs(
            LogsRequest.newBuilder().setPod("web-1").setContainer("main").setFollow(true).build(),
            new ClientResponseObserver<LogsRequest, LogChunk>() {
              @Override
              public void beforeStart(ClientCallStreamObserver<LogsRequest> requestStream) {
                call.set(requestStream);
              }

              @Override
              public void onNext(LogChunk value) {
                lines.add(value.getData().toString(StandardCharsets.UTF_8));
              }

              @Override
              public void onError(Throwable t) {
                end.complete(Status.fromThrowable(t));
              }

              @Override
              public void onCompleted() {
                end.complete(Status.OK);
              }
            });
    return end;
  }

  @Test
  void logsReturnTheAgentsLinesForTheResolvedContainer() throws Exception {
    Iterator<LogChunk> it =
        api()
            .logs(
                LogsRequest.newBuilder()
                    .setPod("web-1")
                    .setContainer("main")
                    .setTailLines(5)
                    .build());
    List<String> lines = new ArrayList<>();
    it.forEachRemaining(c -> lines.add(c.getData().toString(StandardCharsets.UTF_8)));
    assertThat(lines).containsExactly("line 1\n", "line 2\n");
    LogsRequest asked = agent.requests.poll(10, TimeUnit.SECONDS);
    assertThat(asked).isNotNull();
    // The master resolved the namespace and passed the options through unchanged.
    assertThat(asked.getNamespace()).isEqualTo("default");
    assertThat(asked.getPod()).isEqualTo("web-1");
    assertThat(asked.getContainer()).isEqualTo("main");
    assertThat(asked.getTailLines()).isEqualTo(5);
    assertThat(asked.getFollow()).isFalse();
  }

  @Test
  void followKeepsStreamingUntilTheClientCancelsWhichReachesTheAgent() {
    List<String> lines = new CopyOnWriteArrayList<>();
    AtomicReference<ClientCallStreamObserver<LogsRequest>> call = new AtomicReference<>();
    CompletableFuture<Status> end = follow(lines, call);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> lines.size() == 2 && agent.follower.get() != null);
    agent.follower.get().onNext(chunk("line 3\n"));
    agent.follower.get().onNext(chunk("line 4\n"));
    await().atMost(Duration.ofSeconds(30)).until(() -> lines.size() == 4);
    assertThat(lines).containsExactly("line 1\n", "line 2\n", "line 3\n", "line 4\n");
    assertThat(end).isNotDone();
    call.get().cancel("done reading", null);
    await().atMost(Duration.ofSeconds(30)).untilTrue(agent.cancelled);
  }

  @Test
  void anAgentErrorKeepsItsCodeAndSaysItCameFromTheAgent() {
    StatusRuntimeException e =
        org.assertj.core.api.Assertions.catchThrowableOfType(
            () ->
                api()
                    .logs(LogsRequest.newBuilder().setPod("web-1").setContainer("sidecar").build())
                    .hasNext(),
            StatusRuntimeException.class);
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(e.getStatus().getDescription())
        .startsWith("node agent:")
        .contains("sidecar has not started");
  }

  @Test
  void aMasterShutdownEndsAFollowWithUnavailableAndCancelsTheAgentStream() throws Exception {
    List<String> lines = new CopyOnWriteArrayList<>();
    AtomicReference<ClientCallStreamObserver<LogsRequest>> call = new AtomicReference<>();
    CompletableFuture<Status> end = follow(lines, call);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> lines.size() == 2 && agent.follower.get() != null);
    master.close();
    // UNAVAILABLE (not CANCELLED) tells the client the call may be made again on another master.
    assertThat(end.get(30, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    await().atMost(Duration.ofSeconds(30)).untilTrue(agent.cancelled);
  }
}
