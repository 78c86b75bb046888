package dev.drover.master;

import static dev.drover.master.Fixtures.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.drover.api.v1.ConfigMap;
import dev.drover.api.v1.ControlServiceGrpc;
import dev.drover.api.v1.CreateRequest;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.ScaleRequest;
import dev.drover.api.v1.UpdateRequest;
import dev.drover.api.v1.UpdateStatusRequest;
import dev.drover.api.v1.WatchRequest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The error codes the other API tests do not reach, on a master with a real port (so gRPC's own
 * message limit is the one a client meets): a conflict names the current version, an oversized
 * object and an oversized message are INVALID_ARGUMENT, and verbs refuse kinds they do not serve.
 */
class ErrorCodesTest {
  static Master master;
  static ManagedChannel channel;

  @BeforeAll
  static void start() {
    master = Fixtures.apiMaster(b -> b);
    channel = ManagedChannelBuilder.forTarget(master.apiAddress()).usePlaintext().build();
  }

  @AfterAll
  static void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    master.close();
  }

  static ControlServiceGrpc.ControlServiceBlockingStub api() {
    return ControlServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  static StatusRuntimeException failure(Runnable r) {
    return catchThrowableOfType(r::run, StatusRuntimeException.class);
  }

  static Object configMap(String name, int valueBytes) {
    return Object.newBuilder()
        .setConfigMap(
            ConfigMap.newBuilder()
                .setMetadata(ObjectMeta.newBuilder().setName(name))
                .putData("v", "x".repeat(valueBytes)))
        .build();
  }

  @Test
  void aConflictNamesTheCurrentVersionForUpdateAndUpdateStatus() {
    Object created =
        api().create(CreateRequest.newBuilder().setObject(pod("default", "conflicted")).build());
    long rv = created.getPod().getMetadata().getResourceVersion();
    Object changed =
        api()
            .update(
                UpdateRequest.newBuilder()
                    .setObject(
                        created.toBuilder()
                            .setPod(
                                created.getPod().toBuilder()
                                    .setMetadata(
                                        created.getPod().getMetadata().toBuilder()
                                            .putLabels("v", "2"))))
                    .build());
    long now = changed.getPod().getMetadata().getResourceVersion();
    StatusRuntimeException e =
        failure(() -> api().update(UpdateRequest.newBuilder().setObject(created).build()));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ABORTED);
    assertThat(e.getStatus().getDescription())
        .contains("resource_version " + now)
        .contains("not " + rv);
    StatusRuntimeException s =
        failure(
            () -> api().updateStatus(UpdateStatusRequest.newBuilder().setObject(created).build()));
    assertThat(s.getStatus().getCode()).isEqualTo(Status.Code.ABORTED);
    assertThat(s.getStatus().getDescription()).contains("resource_version " + now);
  }

  @Test
  void anObjectOverOneMebibyteIsInvalidAndNothingIsStored() {
    StatusRuntimeException e =
        failure(
            () ->
                api()
                    .create(
                        CreateRequest.newBuilder()
                            .setObject(configMap("too-big", 1536 * 1024))
                            .build()));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription()).contains("1048576");
    StatusRuntimeException gone =
        failure(
            () ->
                api()
                    .get(
                        dev.drover.api.v1.GetRequest.newBuilder()
                            .setKind(Kind.KIND_CONFIG_MAP)
                            .setNamespace("default")
                            .setName("too-big")
                            .build()));
    assertThat(gone.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void aMessageOverTheServersLimitIsInvalidArgument() {
    StatusRuntimeException e =
        failure(
            () ->
                api()
                    .create(
                        CreateRequest.newBuilder()
                            .setObject(configMap("way-too-big", Master.MAX_MESSAGE_BYTES + 1024))
                            .build()));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription()).contains("more than the limit");
  }

  @Test
  void verbsRefuseKindsTheyDoNotServe() {
    StatusRuntimeException scale =
        failure(
            () ->
                api()
                    .scale(
                        ScaleRequest.newBuilder()
                            .setKind(Kind.KIND_POD)
                            .setNamespace("default")
                            .setName("x")
                            .setReplicas(1)
                            .build()));
    assertThat(scale.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(scale.getStatus().getDescription()).contains("KIND_POD");
    StatusRuntimeException watch =
        failure(
            () ->
                api()
                    .watch(WatchRequest.newBuilder().setKind(Kind.KIND_UNSPECIFIED).build())
                    .hasNext());
    assertThat(watch.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    StatusRuntimeException negative =
        failure(
            () ->
                api()
                    .watch(
                        WatchRequest.newBuilder()
                            .setKind(Kind.KIND_POD)
                            .setResourceVersion(-1)
                            .build())
                    .hasNext());
    assertThat(negative.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(negative.getStatus().getDescription()).contains("resource_version");
  }
}
