package dev.drover.bench.api;

import dev.drover.api.v1.ConfigMap;
import dev.drover.api.v1.ControlServiceGrpc;
import dev.drover.api.v1.CreateRequest;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.ListRequest;
import dev.drover.api.v1.Namespace;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.bench.MasterProcesses;
import dev.drover.bench.Poll;
import dev.drover.client.Channels;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * Drover under {@link ApiBench}: three masters as separate processes ({@link MasterProcesses}:
 * {@code drover master}, shipped JVM options, scheduler and controllers on as shipped), written
 * through the control API with one gRPC channel per master. A write creates a ConfigMap in the
 * round's namespace (a kind no controller touches, so the only writes are the benchmark's); the
 * version it got is the created object's resource_version.
 */
final class DroverApiSide implements ApiSide {
  private final MasterProcesses masters;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final String value;

  DroverApiSide(Path dir, int valueBytes) {
    this.value = "x".repeat(valueBytes);
    masters = new MasterProcesses(dir, 3).startAll();
    for (String e : masters.endpoints()) {
      channels.add(Channels.plaintext(e));
    }
  }

  @Override
  public String name() {
    return "drover";
  }

  @Override
  public List<String> endpoints() {
    return masters.endpoints();
  }

  @Override
  public String watchTarget(int round) {
    return "bench-r" + round;
  }

  @Override
  public long prepare(int round) {
    Object ns =
        Object.newBuilder()
            .setNamespace(
                Namespace.newBuilder()
                    .setMetadata(ObjectMeta.newBuilder().setName(watchTarget(round))))
            .build();
    Poll.retry(
        Duration.ofSeconds(180),
        () -> {
          try {
            stub(0).create(CreateRequest.newBuilder().setObject(ns).build());
          } catch (StatusRuntimeException e) {
            // A create answered too late for its deadline may have landed.
            if (e.getStatus().getCode() != Status.Code.ALREADY_EXISTS) {
              throw e;
            }
          }
        });
    for (int m = 0; m < channels.size(); m++) {
      int member = m;
      Poll.until(
          "master " + (member + 1) + " answers",
          Duration.ofSeconds(180),
          () -> stub(member).list(configMaps(round)).getResourceVersion() >= 0);
    }
    return stub(0).list(configMaps(round)).getResourceVersion();
  }

  private ListRequest configMaps(int round) {
    return ListRequest.newBuilder()
        .setKind(Kind.KIND_CONFIG_MAP)
        .setNamespace(watchTarget(round))
        .setLimit(1)
        .build();
  }

  private ControlServiceGrpc.ControlServiceBlockingStub stub(int member) {
    return ControlServiceGrpc.newBlockingStub(channels.get(member))
        .withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  /** Value {@code index} of round {@code round} as the API stores it (etcd gets its bytes). */
  Object object(int round, int index) {
    return Object.newBuilder()
        .setConfigMap(
            ConfigMap.newBuilder()
                .setMetadata(
                    ObjectMeta.newBuilder()
                        .setNamespace(watchTarget(round))
                        .setName(String.format("cm-%06d", index)))
                .putData("v", value))
        .build();
  }

  @Override
  public void write(int round, int index, int member, BiConsumer<Long, Throwable> done) {
    ControlServiceGrpc.newStub(channels.get(member))
        .withDeadlineAfter(30, TimeUnit.SECONDS)
        .create(
            CreateRequest.newBuilder().setObject(object(round, index)).build(),
            new StreamObserver<>() {
              @Override
              public void onNext(Object o) {
                done.accept(o.getConfigMap().getMetadata().getResourceVersion(), null);
              }

              @Override
              public void onError(Throwable t) {
                done.accept(null, t);
              }

              @Override
              public void onCompleted() {}
            });
  }

  @Override
  public long serverCpuNanos() {
    return ApiSide.cpuNanos(List.copyOf(masters.processes().values()));
  }

  @Override
  public long serverRssBytes() {
    return ApiSide.rssBytes(List.copyOf(masters.processes().values()));
  }

  @Override
  public void close() {
    channels.forEach(ManagedChannel::shutdownNow);
    masters.close();
  }
}
