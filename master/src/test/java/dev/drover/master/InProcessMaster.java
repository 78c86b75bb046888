package dev.drover.master;

import dev.drover.api.v1.ControlServiceGrpc;
import dev.drover.api.v1.NodeServiceGrpc;
import dev.drover.store.KvStores;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/** A master on an in-memory store, served through an in-process gRPC server, for tests. */
public final class InProcessMaster implements AutoCloseable {
  public final Master master;
  private final Server server;
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
    String name = InProcessServerBuilder.generateName();
    InProcessServerBuilder sb = InProcessServerBuilder.forName(name).directExecutor();
    master.services().forEach(sb::addService);
    try {
      server = sb.build().start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  public ControlServiceGrpc.ControlServiceBlockingStub control() {
    return ControlServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  public NodeServiceGrpc.NodeServiceBlockingStub node() {
    return NodeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow();
    server.shutdownNow();
    server.awaitTermination(10, TimeUnit.SECONDS);
    master.close();
  }
}
