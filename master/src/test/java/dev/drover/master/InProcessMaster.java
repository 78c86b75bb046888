package dev.drover.master;

import dev.drover.api.v1.ControlServiceGrpc;
import dev.drover.api.v1.NodeServiceGrpc;
import dev.drover.store.KvStores;
import dev.drover.testing.InProcessGrpc;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/** A master on an in-memory store, served through an in-process gRPC server, for tests. */
public final class InProcessMaster implements AutoCloseable {
  public final Master master;
  private final InProcessGrpc grpc;
  public final ManagedChannel channel;

  public InProcessMaster() {
    this(b -> b);
  }

  public InProcessMaster(UnaryOperator<Master.Builder> customize) {
    master =
        customize
            .apply(
                Master.builder()
                    .apiPort(-1)
                    .store(KvStores::inMemory, true)
                    .bookmarkInterval(Duration.ofMillis(300)))
            .start();
    grpc = InProcessGrpc.start(master.services());
    channel = grpc.channel();
  }

  public ControlServiceGrpc.ControlServiceBlockingStub control() {
    return ControlServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  public NodeServiceGrpc.NodeServiceBlockingStub node() {
    return NodeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    grpc.close();
    master.close();
  }
}
