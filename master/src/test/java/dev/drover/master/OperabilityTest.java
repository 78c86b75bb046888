package dev.drover.master;

import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.api.v1.ClusterInfoRequest;
import dev.drover.api.v1.ControlServiceGrpc;
import dev.drover.store.KvStores;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Health, reflection, metrics and the HTTP endpoints of a master on real ports. */
class OperabilityTest {

  private static HttpResponse<String> get(int port, String path) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(java.time.Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void healthReflectionMetricsAndHttpEndpoints() throws Exception {
    try (Master master =
        Master.builder().apiPort(0).metricsPort(0).store(KvStores::inMemory, true).start()) {
      ManagedChannel ch =
          ManagedChannelBuilder.forTarget(master.apiAddress()).usePlaintext().build();
      try {
        HealthCheckResponse h =
            HealthGrpc.newBlockingStub(ch)
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance());
        assertThat(h.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);

        CompletableFuture<ServerReflectionResponse> reflected = new CompletableFuture<>();
        StreamObserver<ServerReflectionRequest> req =
            ServerReflectionGrpc.newStub(ch)
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .serverReflectionInfo(
                    new StreamObserver<>() {
                      @Override
                      public void onNext(ServerReflectionResponse value) {
                        reflected.complete(value);
                      }

                      @Override
                      public void onError(Throwable t) {
                        reflected.completeExceptionally(t);
                      }

                      @Override
                      public void onCompleted() {}
                    });
        req.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
        List<String> services =
            reflected.get(10, TimeUnit.SECONDS).getListServicesResponse().getServiceList().stream()
                .map(s -> s.getName())
                .toList();
        req.onCompleted();
        assertThat(services)
            .contains("drover.v1.ControlService", "drover.v1.NodeService", "grpc.health.v1.Health");

        ControlServiceGrpc.newBlockingStub(ch)
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .clusterInfo(ClusterInfoRequest.getDefaultInstance());
        HttpResponse<String> metrics = get(master.metricsPort(), "/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body())
            .contains(
                "drover_api_requests_total{code=\"OK\",method=\"drover.v1.ControlService/ClusterInfo\"} 1")
            .contains("drover_api_request_duration_seconds_bucket")
            .contains("drover_watch_cache_objects ")
            .contains("drover_store_request_duration_seconds_count");
        assertThat(get(master.metricsPort(), "/healthz").statusCode()).isEqualTo(200);
        assertThat(get(master.metricsPort(), "/readyz").statusCode()).isEqualTo(200);
      } finally {
        ch.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      }
    }
  }
}
