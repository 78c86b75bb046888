package dev.drover.master.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.api.ServiceTypes;
import dev.drover.api.v1.ApplyRequest;
import dev.drover.api.v1.ControlServiceGrpc;
import dev.drover.api.v1.ControlServiceGrpc.ControlServiceBlockingStub;
import dev.drover.api.v1.CreateRequest;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Service;
import dev.drover.api.v1.ServicePort;
import dev.drover.api.v1.ServiceSpec;
import dev.drover.api.v1.ServiceType;
import dev.drover.api.v1.UpdateRequest;
import dev.drover.client.Channels;
import dev.drover.client.Warnings;
import dev.drover.master.Master;
import dev.drover.store.KvStores;
import io.grpc.ManagedChannel;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The API's warnings channel (Kubernetes' {@code Warning} header): a LoadBalancer Service, served
 * as NodePort, is admitted with a warning on every write that stores it (Create, Update, Apply, dry
 * runs too) as gRPC response metadata naming the object, and as an HTTP {@code Warning: 299} header
 * through the gateway; a write without a caveat carries none.
 */
class WarningHeaderTest {
  private static final String WARNING = "service/lb: " + ServiceTypes.LOAD_BALANCER_WARNING;

  private Master master;
  private ManagedChannel grpc;
  private final List<String> warnings = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() {
    master =
        Master.builder()
            .store(KvStores::inMemory, true)
            .apiPort(0)
            .httpPort(0)
            .scheduler(false)
            .controllers(false)
            .start();
    grpc = Channels.plaintext(master.apiAddress());
  }

  @AfterEach
  void stop() {
    Channels.close(grpc);
    master.close();
  }

  private ControlServiceBlockingStub api() {
    return ControlServiceGrpc.newBlockingStub(grpc)
        .withInterceptors(Warnings.interceptor(warnings::add));
  }

  private static Object service(String name, ServiceType type) {
    return Object.newBuilder()
        .setService(
            Service.newBuilder()
                .setMetadata(ObjectMeta.newBuilder().setName(name).setNamespace("default"))
                .setSpec(
                    ServiceSpec.newBuilder()
                        .setType(type)
                        .putSelector("app", "web")
                        .addPorts(ServicePort.newBuilder().setPort(80))))
        .build();
  }

  @Test
  void everyWriteOfALoadBalancerCarriesTheWarningAndOtherWritesNone() {
    api()
        .create(
            CreateRequest.newBuilder()
                .setObject(service("lb", ServiceType.SERVICE_TYPE_LOAD_BALANCER))
                .setDryRun(true)
                .build());
    assertThat(warnings).containsExactly(WARNING);
    warnings.clear();

    Object created =
        api()
            .create(
                CreateRequest.newBuilder()
                    .setObject(service("lb", ServiceType.SERVICE_TYPE_LOAD_BALANCER))
                    .build());
    assertThat(warnings).containsExactly(WARNING);
    warnings.clear();

    api().update(UpdateRequest.newBuilder().setObject(created).build());
    assertThat(warnings).containsExactly(WARNING);
    warnings.clear();

    api()
        .apply(
            ApplyRequest.newBuilder()
                .addObjects(service("lb", ServiceType.SERVICE_TYPE_LOAD_BALANCER))
                .addObjects(service("plain", ServiceType.SERVICE_TYPE_CLUSTER_IP))
                .build());
    assertThat(warnings).containsExactly(WARNING);
    warnings.clear();

    api()
        .create(
            CreateRequest.newBuilder()
                .setObject(service("other", ServiceType.SERVICE_TYPE_NODE_PORT))
                .build());
    assertThat(warnings).isEmpty();
  }

  @Test
  void theGatewayAnswersWithAKubernetesWarningHeader() throws Exception {
    String body =
        "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"lb\"},"
            + "\"spec\":{\"type\":\"LoadBalancer\",\"selector\":{\"app\":\"web\"},"
            + "\"ports\":[{\"port\":80}]}}";
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            "http://127.0.0.1:"
                                + master.httpPort()
                                + "/api/v1/namespaces/default/services"))
                    .timeout(Duration.ofSeconds(30))
                    .POST(HttpRequest.BodyPublishers.ofString(body))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    assertThat(response.headers().allValues("Warning"))
        .containsExactly("299 - \"" + WARNING + "\"");
  }
}
