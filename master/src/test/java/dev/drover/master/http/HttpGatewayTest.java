package dev.drover.master.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.drover.api.v1.ControlServiceGrpc;
import dev.drover.api.v1.GetRequest;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.WatchEvent;
import dev.drover.api.v1.WatchRequest;
import dev.drover.client.Channels;
import dev.drover.client.manifest.JsonText;
import dev.drover.master.Master;
import dev.drover.store.KvStores;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The HTTP/JSON gateway against a real master (gRPC on a port, the gateway on another): every verb,
 * subresource and error status, paging, watches compared with a gRPC watch of the same changes, and
 * the Authorization header reaching the services' interceptors.
 */
class HttpGatewayTest {
  private static final String CM = "/api/v1/namespaces/default/configmaps";
  private static final String DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments";

  private Master master;
  private ManagedChannel grpc;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @BeforeEach
  void start() {
    // No scheduler or controllers: the objects stay exactly as the test writes them.
    master =
        Master.builder()
            .store(KvStores::inMemory, true)
            .apiPort(0)
            .httpPort(0)
            .scheduler(false)
            .controllers(false)
            .bookmarkInterval(Duration.ofMillis(300))
            .start();
    grpc = Channels.plaintext(master.apiAddress());
  }

  @AfterEach
  void stop() {
    Channels.close(grpc);
    master.close();
  }

  record Answer(int code, String body) {
    @SuppressWarnings("unchecked")
    Map<String, Object> json() {
      return (Map<String, Object>) JsonText.parse(body);
    }
  }

  private Answer call(String method, String path, String body) throws Exception {
    return call(master.httpPort(), method, path, body, null);
  }

  private Answer call(int port, String method, String path, String body, String auth)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(30))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (auth != null) {
      request.header("Authorization", auth);
    }
    HttpResponse<String> response =
        http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    return new Answer(response.statusCode(), response.body());
  }

  private static String configMap(String name, String value, long resourceVersion) {
    return "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\""
        + name
        + "\",\"labels\":{\"app\":\"web\"}"
        + (resourceVersion > 0 ? ",\"resourceVersion\":\"" + resourceVersion + "\"" : "")
        + "},\"data\":{\"k\":\""
        + value
        + "\"}}";
  }

  @SuppressWarnings("unchecked")
  private static Object at(Map<String, Object> tree, String dotted) {
    Object node = tree;
    for (String part : dotted.split("\\.")) {
      node = ((Map<String, Object>) node).get(part);
    }
    return node;
  }

  private static long version(Answer answer) {
    return Long.parseLong((String) at(answer.json(), "metadata.resourceVersion"));
  }

  @Test
  void createGetListUpdateDeleteAConfigMap() throws Exception {
    Answer created = call("POST", CM, configMap("c1", "one", 0));
    assertThat(created.code()).as(created.body()).isEqualTo(201);
    assertThat(at(created.json(), "data.k")).isEqualTo("one");
    assertThat(created.json()).containsEntry("kind", "ConfigMap").containsEntry("apiVersion", "v1");
    long v1 = version(created);

    Answer again = call("POST", CM, configMap("c1", "one", 0));
    assertThat(again.code()).isEqualTo(409);
    assertThat(again.json()).containsEntry("kind", "Status").containsEntry("code", 409);

    Answer got = call("GET", CM + "/c1", null);
    assertThat(got.code()).isEqualTo(200);
    assertThat(at(got.json(), "metadata.uid")).isEqualTo(at(created.json(), "metadata.uid"));

    Answer updated = call("PUT", CM + "/c1", configMap("c1", "two", v1));
    assertThat(updated.code()).as(updated.body()).isEqualTo(200);
    assertThat(at(updated.json(), "data.k")).isEqualTo("two");
    assertThat(version(updated)).isGreaterThan(v1);

    Answer stale = call("PUT", CM + "/c1", configMap("c1", "three", v1));
    assertThat(stale.code()).isEqualTo(409);
    assertThat(stale.json()).containsEntry("reason", "Conflict");

    Answer mismatch = call("PUT", CM + "/c1", configMap("other", "x", v1));
    assertThat(mismatch.code()).isEqualTo(400);
    assertThat(mismatch.body()).contains("metadata.name");

    call("POST", CM, configMap("c2", "x", 0).replace("\"app\":\"web\"", "\"app\":\"db\""));
    Answer web = call("GET", CM + "?labelSelector=app%3Dweb", null);
    assertThat(web.code()).isEqualTo(200);
    assertThat(web.json()).containsEntry("kind", "ConfigMapList");
    assertThat(names(web)).containsExactly("c1");
    Answer byName = call("GET", CM + "?fieldSelector=metadata.name%3Dc2", null);
    assertThat(names(byName)).containsExactly("c2");
    Answer everywhere = call("GET", "/api/v1/configmaps", null);
    assertThat(names(everywhere)).contains("c1", "c2");

    Answer deleted = call("DELETE", CM + "/c1", null);
    assertThat(deleted.code()).isEqualTo(200);
    assertThat(call("GET", CM + "/c1", null).code()).isEqualTo(404);
    assertThat(call("DELETE", CM + "/c1", null).code()).isEqualTo(404);
  }

  @SuppressWarnings("unchecked")
  private static List<String> names(Answer list) {
    List<String> out = new ArrayList<>();
    for (Object item : (List<Object>) list.json().get("items")) {
      out.add((String) at((Map<String, Object>) item, "metadata.name"));
    }
    return out;
  }

  @Test
  void errorsAreJsonStatusesWithTheMatchingHttpCode() throws Exception {
    Answer unknownPath = call("GET", "/api/v1/namespaces/default/widgets", null);
    assertThat(unknownPath.code()).isEqualTo(404);
    assertThat(unknownPath.json()).containsEntry("kind", "Status");

    Answer missing = call("GET", CM + "/nope", null);
    assertThat(missing.code()).isEqualTo(404);
    assertThat(missing.json()).containsEntry("reason", "NotFound");

    // A body the JSON reader rejects names the field: unknown key, wrong type.
    Answer unknownField =
        call(
            "POST",
            CM,
            "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"x\","
                + "\"labelz\":{}},\"data\":{\"k\":1}}");
    assertThat(unknownField.code()).isEqualTo(400);
    assertThat(causeFields(unknownField)).containsExactlyInAnyOrder("metadata.labelz", "data.k");

    Answer malformed = call("POST", CM, "{\"apiVersion\": \"v1\", \"kind\": ");
    assertThat(malformed.code()).isEqualTo(400);
    assertThat(malformed.json()).containsEntry("kind", "Status");

    Answer wrongKind =
        call(
            "POST",
            CM,
            "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"s\"}}");
    assertThat(wrongKind.code()).isEqualTo(400);
    assertThat(causeFields(wrongKind)).containsExactly("kind");

    // The server's own validation: INVALID_ARGUMENT with its field violations.
    Answer invalid = call("POST", CM, configMap("Bad_Name", "x", 0));
    assertThat(invalid.code()).isEqualTo(400);
    assertThat(causeFields(invalid)).contains("metadata.name");

    // An update without the version read: a compare-and-swap needs it.
    call("POST", CM, configMap("c1", "x", 0));
    assertThat(call("PUT", CM + "/c1", configMap("c1", "y", 0)).code()).isEqualTo(400);

    // FAILED_PRECONDITION is 422: a pod's logs before it has a node.
    call("POST", "/api/v1/namespaces/default/pods", pod("p1", ""));
    Answer unscheduled = call("GET", "/api/v1/namespaces/default/pods/p1/log", null);
    assertThat(unscheduled.code()).as(unscheduled.body()).isEqualTo(422);

    // UNAVAILABLE is 503: the pod's node has not published its agent endpoint.
    assertThat(call("POST", "/api/v1/nodes", node("n1")).code()).isEqualTo(201);
    assertThat(call("POST", "/api/v1/namespaces/default/pods", pod("p2", "n1")).code())
        .isEqualTo(201);
    Answer noAgent = call("GET", "/api/v1/namespaces/default/pods/p2/log?follow=true", null);
    assertThat(noAgent.code()).as(noAgent.body()).isEqualTo(503);

    Answer verb = call("PATCH", CM + "/c1", "{}");
    assertThat(verb.code()).isEqualTo(405);
  }

  @SuppressWarnings("unchecked")
  private static List<String> causeFields(Answer answer) {
    List<String> fields = new ArrayList<>();
    Object details = answer.json().get("details");
    assertThat(details).as(answer.body()).isNotNull();
    for (Object cause : (List<Object>) ((Map<String, Object>) details).get("causes")) {
      fields.add((String) ((Map<String, Object>) cause).get("field"));
    }
    return fields;
  }

  private static String pod(String name, String node) {
    return "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\""
        + name
        + "\"},\"spec\":{"
        + (node.isEmpty() ? "" : "\"nodeName\":\"" + node + "\",")
        + "\"containers\":[{\"name\":\"main\",\"image\":\"busybox:1.36\"}]}}";
  }

  private static String node(String name) {
    return "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"" + name + "\"}}";
  }

  private static String deployment(String name, int replicas) {
    return "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\""
        + name
        + "\"},\"spec\":{\"replicas\":"
        + replicas
        + ",\"selector\":{\"matchLabels\":{\"app\":\""
        + name
        + "\"}},\"template\":{\"metadata\":{\"labels\":{\"app\":\""
        + name
        + "\"}},\"spec\":{\"containers\":[{\"name\":\"main\",\"image\":\"busybox:1.36\"}]}}}}";
  }

  @Test
  void scaleStatusAndActionSubresources() throws Exception {
    assertThat(call("POST", DEPLOYMENTS, deployment("web", 2)).code()).isEqualTo(201);
    Answer scale = call("GET", DEPLOYMENTS + "/web/scale", null);
    assertThat(scale.code()).isEqualTo(200);
    assertThat(scale.json()).containsEntry("kind", "Scale");
    assertThat(at(scale.json(), "spec.replicas")).isEqualTo(2);

    Answer scaled = call("PUT", DEPLOYMENTS + "/web/scale", "{\"spec\":{\"replicas\":5}}");
    assertThat(scaled.code()).as(scaled.body()).isEqualTo(200);
    assertThat(at(scaled.json(), "spec.replicas")).isEqualTo(5);
    var stored =
        ControlServiceGrpc.newBlockingStub(grpc)
            .get(
                GetRequest.newBuilder()
                    .setKind(Kind.KIND_DEPLOYMENT)
                    .setNamespace("default")
                    .setName("web")
                    .build());
    assertThat(stored.getDeployment().getSpec().getReplicas()).isEqualTo(5);

    Answer badScale = call("PUT", DEPLOYMENTS + "/web/scale", "{\"spec\":{\"replicas\":\"many\"}}");
    assertThat(badScale.code()).isEqualTo(400);
    assertThat(causeFields(badScale)).containsExactly("spec.replicas");

    Answer status = call("GET", DEPLOYMENTS + "/web/status", null);
    assertThat(status.code()).isEqualTo(200);
    Map<String, Object> object = new java.util.LinkedHashMap<>(status.json());
    object.put("status", Map.of("replicas", 3, "observedGeneration", 1));
    Answer statusPut = call("PUT", DEPLOYMENTS + "/web/status", JsonText.writeLine(object));
    assertThat(statusPut.code()).as(statusPut.body()).isEqualTo(200);
    assertThat(at(statusPut.json(), "status.replicas")).isEqualTo(3);

    // No earlier revision to return to: FAILED_PRECONDITION, 422.
    Answer undo = call("POST", DEPLOYMENTS + "/web/rollback", null);
    assertThat(undo.code()).as(undo.body()).isEqualTo(422);
    Answer restart = call("POST", DEPLOYMENTS + "/web/restart", null);
    assertThat(restart.code()).as(restart.body()).isEqualTo(200);
    assertThat(restart.body()).contains("restartedAt");
    // allSteps reaches the API: refused on a restart, and a promotion without a canary under way
    // is a failed precondition (422), not a silent success.
    Answer restartAll = call("POST", DEPLOYMENTS + "/web/restart", "{\"allSteps\":true}");
    assertThat(restartAll.code()).as(restartAll.body()).isEqualTo(400);
    Answer promoteAll = call("POST", DEPLOYMENTS + "/web/promote?allSteps=true", null);
    assertThat(promoteAll.code()).as(promoteAll.body()).isEqualTo(422);

    call("POST", "/api/v1/nodes", node("n1"));
    Answer cordon = call("POST", "/api/v1/nodes/n1/cordon", null);
    assertThat(cordon.code()).as(cordon.body()).isEqualTo(200);
    assertThat(at(cordon.json(), "node.spec.unschedulable")).isEqualTo(true);
    Answer drain = call("POST", "/api/v1/nodes/n1/drain", "{\"ignoreDaemonSets\":true}");
    assertThat(drain.code()).as(drain.body()).isEqualTo(200);
  }

  @Test
  void largeListsPage() throws Exception {
    for (int i = 0; i < 25; i++) {
      assertThat(call("POST", CM, configMap(String.format("c%02d", i), "x", 0)).code())
          .isEqualTo(201);
    }
    Set<String> seen = new HashSet<>();
    String token = "";
    int pages = 0;
    long listVersion = -1;
    do {
      Answer page =
          call("GET", CM + "?limit=10" + (token.isEmpty() ? "" : "&continue=" + token), null);
      assertThat(page.code()).as(page.body()).isEqualTo(200);
      List<String> names = names(page);
      assertThat(names.size()).isLessThanOrEqualTo(10);
      for (String name : names) {
        assertThat(seen.add(name)).as("%s listed twice", name).isTrue();
      }
      long v = Long.parseLong((String) at(page.json(), "metadata.resourceVersion"));
      if (listVersion < 0) {
        listVersion = v;
      }
      assertThat(v).as("every page is of the first page's snapshot").isEqualTo(listVersion);
      Object next = at(page.json(), "metadata.continue");
      token = next == null ? "" : java.net.URLEncoder.encode((String) next, StandardCharsets.UTF_8);
      pages++;
    } while (!token.isEmpty());
    assertThat(pages).isEqualTo(3);
    assertThat(seen).hasSize(25);
  }

  @Test
  void anHttpWatchSeesTheSameEventsInTheSameOrderAsAGrpcWatch() throws Exception {
    Answer list = call("GET", CM, null);
    long from = Long.parseLong((String) at(list.json(), "metadata.resourceVersion"));

    List<String> viaGrpc = new CopyOnWriteArrayList<>();
    var grpcWatch = io.grpc.Context.current().withCancellation();
    grpcWatch.run(
        () ->
            ControlServiceGrpc.newStub(grpc)
                .watch(
                    WatchRequest.newBuilder()
                        .setKind(Kind.KIND_CONFIG_MAP)
                        .setNamespace("default")
                        .setResourceVersion(from)
                        .build(),
                    new StreamObserver<WatchEvent>() {
                      @Override
                      public void onNext(WatchEvent event) {
                        if (event.hasObject()) {
                          viaGrpc.add(
                              event.getType().name().substring("WATCH_EVENT_TYPE_".length())
                                  + " "
                                  + event.getObject().getConfigMap().getMetadata().getName()
                                  + " "
                                  + event.getResourceVersion());
                        }
                      }

                      @Override
                      public void onError(Throwable t) {}

                      @Override
                      public void onCompleted() {}
                    }));

    List<String> viaHttp = new CopyOnWriteArrayList<>();
    HttpResponse<InputStream> stream =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:"
                            + master.httpPort()
                            + CM
                            + "?watch=true&resourceVersion="
                            + from))
                .build(),
            HttpResponse.BodyHandlers.ofInputStream());
    assertThat(stream.statusCode()).isEqualTo(200);
    assertThat(stream.headers().firstValue("content-type")).hasValue("application/json");
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader lines =
                  new BufferedReader(
                      new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                  @SuppressWarnings("unchecked")
                  Map<String, Object> event = (Map<String, Object>) JsonText.parse(line);
                  @SuppressWarnings("unchecked")
                  Map<String, Object> object = (Map<String, Object>) event.get("object");
                  viaHttp.add(
                      event.get("type")
                          + " "
                          + at(object, "metadata.name")
                          + " "
                          + at(object, "metadata.resourceVersion"));
                }
              } catch (java.io.IOException e) {
                // The stream ends when the test closes the master.
              }
            });
    reader.setDaemon(true);
    reader.start();

    long v = version(call("POST", CM, configMap("w1", "a", 0)));
    call("POST", CM, configMap("w2", "a", 0));
    v = version(call("PUT", CM + "/w1", configMap("w1", "b", v)));
    call("DELETE", CM + "/w2", null);
    call("PUT", CM + "/w1", configMap("w1", "c", v));

    await().atMost(20, TimeUnit.SECONDS).until(() -> viaGrpc.size() >= 5 && viaHttp.size() >= 5);
    assertThat(viaHttp).isEqualTo(viaGrpc);
    assertThat(viaHttp.stream().map(e -> e.split(" ")[0] + " " + e.split(" ")[1]))
        .containsExactly("ADDED w1", "ADDED w2", "MODIFIED w1", "DELETED w2", "MODIFIED w1");
    grpcWatch.cancel(null);
  }

  @Test
  void theAuthorizationHeaderReachesTheServicesInterceptors() throws Exception {
    List<String> seen = new CopyOnWriteArrayList<>();
    ServerInterceptor gate =
        new ServerInterceptor() {
          @Override
          public <Q, R> ServerCall.Listener<Q> interceptCall(
              ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            String auth = headers.get(GatewayApi.AUTHORIZATION);
            seen.add(String.valueOf(auth));
            if ("Bearer limited".equals(auth)) {
              call.close(Status.RESOURCE_EXHAUSTED.withDescription("slow down"), new Metadata());
              return new ServerCall.Listener<>() {};
            }
            if (auth == null) {
              call.close(Status.UNAUTHENTICATED.withDescription("who are you"), new Metadata());
              return new ServerCall.Listener<>() {};
            }
            return next.startCall(call, headers);
          }
        };
    List<ServerServiceDefinition> guarded = new ArrayList<>();
    for (ServerServiceDefinition service : master.services()) {
      guarded.add(ServerInterceptors.intercept(service, gate));
    }
    try (HttpGateway gateway = HttpGateway.plaintext("127.0.0.1", 0, guarded)) {
      assertThat(call(gateway.port(), "GET", CM, null, "Bearer good").code()).isEqualTo(200);
      Answer limited = call(gateway.port(), "GET", CM, null, "Bearer limited");
      assertThat(limited.code()).isEqualTo(429);
      assertThat(limited.json()).containsEntry("reason", "TooManyRequests");
      assertThat(call(gateway.port(), "GET", CM, null, null).code()).isEqualTo(401);
      assertThat(seen).containsExactly("Bearer good", "Bearer limited", "null");
    }
  }

  @Test
  void theConsoleIsServedFromTheJar() throws Exception {
    Answer index = call("GET", "/ui/", null);
    assertThat(index.code()).isEqualTo(200);
    assertThat(index.body()).contains("<title>Drover").doesNotContain("https://");
    assertThat(call("GET", "/ui/console.js", null).body()).contains("watch=true");
    assertThat(call("GET", "/ui/console.css", null).code()).isEqualTo(200);
    assertThat(call("GET", "/ui/secret.txt", null).code()).isEqualTo(404);
  }
}
