package dev.drover.master.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.drover.master.Master;
import dev.drover.master.auth.AuthContext;
import dev.drover.master.auth.Principal;
import dev.drover.master.auth.Role;
import dev.drover.store.KvStores;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The console's chart data at the gateway's {@code /ui/metrics}: the master's sampled series as
 * JSON for a caller with a cluster-wide role, refused without credentials and for namespace-limited
 * or node principals, so the charts never read anything an unauthenticated port would give away.
 */
class ConsoleMetricsTest {
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  // Bearer tokens of this test's callers; a call without one has no principal.
  private static final Map<String, Principal> CALLERS =
      Map.of(
          "Bearer admin", new Principal("alice", Role.CLUSTER_ADMIN, null),
          "Bearer viewer", new Principal("victor", Role.VIEW, null),
          "Bearer team", new Principal("tess", Role.NAMESPACE_ADMIN, "team"),
          "Bearer node", Principal.node("n1"));

  private Master master;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @BeforeEach
  void start() {
    ServerInterceptor byToken =
        new ServerInterceptor() {
          @Override
          public <Q, R> ServerCall.Listener<Q> interceptCall(
              ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            Principal p = CALLERS.get(String.valueOf(headers.get(AUTHORIZATION)));
            if (p == null) {
              return next.startCall(call, headers);
            }
            return Contexts.interceptCall(
                Context.current().withValue(AuthContext.PRINCIPAL, p), call, headers, next);
          }
        };
    master =
        Master.builder()
            .store(KvStores::inMemory, true)
            .apiPort(-1)
            .httpPort(0)
            .authenticator(byToken)
            .scheduler(false)
            .controllers(false)
            .start();
  }

  @AfterEach
  void stop() {
    master.close();
  }

  private HttpResponse<String> series(String authorization) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + master.httpPort() + "/ui/metrics"))
            .timeout(Duration.ofSeconds(20));
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aClusterWideCallerGetsTheSampledSeries() throws Exception {
    // The master samples every two seconds; the first sample is only the baseline.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> points(series("Bearer admin").body(), "requests") >= 2);
    HttpResponse<String> admin = series("Bearer admin");
    assertThat(admin.statusCode()).isEqualTo(200);
    assertThat(admin.headers().firstValue("Content-Type")).contains("application/json");
    assertThat(admin.body())
        .startsWith("{\"charts\":[")
        .contains("\"id\":\"requests\",\"title\":\"API requests\",\"unit\":\"/s\"")
        .contains("\"id\":\"watchers\"")
        .contains("\"id\":\"apply\",\"title\":\"Store apply latency\",\"unit\":\"ms\"");
    // Each chart read is itself a request, so the rate is above zero by now.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> series("Bearer admin").body().matches(".*\\[\\d+,[0-9.]*[1-9][0-9.]*\\].*"));
    assertThat(series("Bearer viewer").statusCode()).isEqualTo(200);
  }

  @Test
  void followingGivesTheSeriesAtOnceAndAgainAfterEverySample() throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + master.httpPort() + "/ui/metrics?follow=true"))
            .header("Authorization", "Bearer viewer")
            .build();
    HttpResponse<java.util.stream.Stream<String>> response =
        http.send(request, HttpResponse.BodyHandlers.ofLines());
    assertThat(response.statusCode()).isEqualTo(200);
    try (java.util.stream.Stream<String> lines = response.body()) {
      // The master samples every two seconds: three lines (now, then two samples) arrive without
      // another request, each a whole series with a growing history.
      java.util.List<String> first = lines.limit(3).toList();
      assertThat(first).hasSize(3).allSatisfy(l -> assertThat(l).startsWith("{\"charts\":["));
      assertThat(points(first.get(2), "watchers")).isGreaterThan(points(first.get(0), "watchers"));
    }
    HttpRequest refused =
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + master.httpPort() + "/ui/metrics?follow=true"))
            .header("Authorization", "Bearer team")
            .build();
    assertThat(http.send(refused, HttpResponse.BodyHandlers.ofString()).statusCode())
        .isEqualTo(403);
  }

  @Test
  void withoutACredentialOrAClusterWideRoleItIsRefused() throws Exception {
    assertThat(series(null).statusCode()).isEqualTo(401);
    HttpResponse<String> team = series("Bearer team");
    assertThat(team.statusCode()).isEqualTo(403);
    assertThat(team.body()).contains("tess may not read the cluster's metrics");
    assertThat(series("Bearer node").statusCode()).isEqualTo(403);
  }

  private static int points(String json, String chart) {
    Matcher m =
        Pattern.compile("\"id\":\"" + chart + "\"[^\\]]*\"points\":\\[(.*?)\\]\\}").matcher(json);
    if (!m.find() || m.group(1).isEmpty()) {
      return 0;
    }
    return m.group(1).split("\\],\\[").length;
  }
}
