package dev.drover.master.metrics;

import static dev.drover.testing.TestObjects.container;
import static dev.drover.testing.TestObjects.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.drover.client.DroverClient;
import dev.drover.master.Master;
import dev.drover.store.KvStores;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The master's {@code /metrics} as a scraper reads it, against a real master on a one-member Raft
 * store: every line of the Prometheus text passes a strict check, the families dashboards use are
 * there with labels as users spell them, JVM, process and Ratis metrics are bridged into it,
 * OpenMetrics is served when asked for, and a non-loopback bind needs a bearer token.
 */
class MetricsEndpointTest {
  // A sample line: a legal name, optional {label="value",...} with escaped values, a number.
  private static final Pattern SAMPLE =
      Pattern.compile(
          "([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"(\\\\.|[^\"\\\\])*\",?)*\\})?"
              + " (-?[0-9.]+(E-?[0-9]+)?|NaN|\\+Inf|-Inf)");
  private static final Pattern COMMENT =
      Pattern.compile("# (HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*|TYPE [a-zA-Z_:][a-zA-Z0-9_:]* \\S+)");

  @TempDir Path dir;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  private HttpResponse<String> get(int port, String path, String accept, String authorization)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(20));
    if (accept != null) {
      b.header("Accept", accept);
    }
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The families the text declares, after checking every line strictly. */
  static Set<String> strictFamilies(String text) {
    Set<String> families = new HashSet<>();
    List<String> bad = new ArrayList<>();
    for (String line : text.split("\n")) {
      Matcher sample = SAMPLE.matcher(line);
      if (line.startsWith("#")) {
        if (!COMMENT.matcher(line).matches()) {
          bad.add(line);
        } else if (line.startsWith("# TYPE ")) {
          families.add(line.split(" ")[2]);
        }
      } else if (!sample.matches()) {
        bad.add(line);
      }
    }
    assertThat(bad).as("lines that are not Prometheus text").isEmpty();
    return families;
  }

  @Test
  void scrapeHasTheFamiliesWithUserSpelledLabelsJvmAndRatisMetrics() throws Exception {
    try (Master master =
            Master.builder()
                .embeddedStore(dir.resolve("store"))
                .apiPort(0)
                .metricsPort(0)
                .scheduler(false)
                .controllers(false)
                .start();
        DroverClient client = DroverClient.builder().endpoint(master.apiAddress()).build()) {
      client.pods().create(pod("default", "scraped", container("main", "busybox:1")).build());

      HttpResponse<String> text = get(master.metricsPort(), "/metrics", null, null);
      assertThat(text.statusCode()).isEqualTo(200);
      assertThat(text.headers().firstValue("Content-Type").orElse(""))
          .startsWith("text/plain; version=0.0.4");
      Set<String> families = strictFamilies(text.body());
      assertThat(families)
          .contains(
              "drover_api_requests_total",
              "drover_api_request_duration_seconds",
              "drover_api_object_requests_total",
              "drover_store_apply_duration_seconds",
              "drover_store_request_duration_seconds",
              "drover_watch_cache_objects_by_kind",
              "drover_watchers",
              "drover_raft_role",
              "drover_raft_term",
              "drover_raft_commit_index",
              "drover_raft_leader_elections_total",
              "drover_raft_log_append_seconds",
              "jvm_memory_used_bytes",
              "jvm_threads_current",
              "process_cpu_seconds_total");
      assertThat(text.body())
          .contains("drover_api_object_requests_total{code=\"OK\",kind=\"Pod\",verb=\"create\"} 1")
          .contains(
              "drover_api_requests_total{code=\"OK\",method=\"drover.v1.ControlService/Create\"}")
          .contains("drover_watch_cache_objects_by_kind{kind=\"Pod\"} 1")
          .contains("drover_raft_role{role=\"LEADER\"} 1")
          .doesNotContain("KIND_");
      // The one member elected itself and appended the pod's write to its log.
      assertThat(value(text.body(), "drover_raft_leader_elections_total"))
          .isGreaterThanOrEqualTo(1);
      assertThat(value(text.body(), "drover_raft_commit_index")).isGreaterThan(0);
      assertThat(value(text.body(), "drover_raft_log_append_seconds_count")).isGreaterThan(0);

      HttpResponse<String> om =
          get(
              master.metricsPort(),
              "/metrics",
              "application/openmetrics-text; version=1.0.0",
              null);
      assertThat(om.statusCode()).isEqualTo(200);
      assertThat(om.headers().firstValue("Content-Type").orElse(""))
          .startsWith("application/openmetrics-text");
      assertThat(om.body())
          .endsWith("# EOF\n")
          .contains("# TYPE drover_api_requests counter")
          .contains("drover_api_object_requests_total{code=\"OK\",kind=\"Pod\",verb=\"create\"} 1");
      assertThat(get(master.metricsPort(), "/healthz", null, null).statusCode()).isEqualTo(200);
    }
  }

  private static double value(String text, String series) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(text);
    assertThat(m.find()).as("series %s in the scrape", series).isTrue();
    return Double.parseDouble(m.group(1));
  }

  @Test
  void aMetricsPortOffLoopbackNeedsABearerToken() throws Exception {
    assertThatThrownBy(
            () ->
                Master.builder()
                    .store(KvStores::inMemory, true)
                    .apiPort(-1)
                    .metricsHost("0.0.0.0")
                    .metricsPort(0)
                    .start())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("metricsHost: 0.0.0.0 is not a loopback address");

    Path token = Files.writeString(dir.resolve("token"), "s3cret-token\n");
    try (Master master =
        Master.builder()
            .store(KvStores::inMemory, true)
            .apiPort(-1)
            .metricsHost("0.0.0.0")
            .metricsPort(0)
            .metricsTokenFile(token)
            .auditLog(dir.resolve("audit.log"), 1 << 20)
            .start()) {
      int port = master.metricsPort();
      HttpResponse<String> none = get(port, "/metrics", null, null);
      assertThat(none.statusCode()).isEqualTo(401);
      assertThat(none.headers().firstValue("WWW-Authenticate")).contains("Bearer");
      // Audited before it is answered, like every denial.
      assertThat(Files.readAllLines(dir.resolve("audit.log")))
          .anySatisfy(
              line ->
                  assertThat(line)
                      .contains(
                          "\"verb\":\"get\"",
                          "\"kind\":\"metrics\"",
                          "\"name\":\"master metrics\"",
                          "\"code\":\"UNAUTHENTICATED\""));
      assertThat(get(port, "/metrics", null, "Bearer wrong").statusCode()).isEqualTo(401);
      HttpResponse<String> ok = get(port, "/metrics", null, "Bearer s3cret-token");
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(ok.body()).contains("drover_watchers ");
      // Probes carry no token: health says only up or ready.
      assertThat(get(port, "/healthz", null, null).statusCode()).isEqualTo(200);
      assertThat(get(port, "/readyz", null, null).statusCode()).isEqualTo(200);
    }

    Path empty = Files.writeString(dir.resolve("empty"), "  \n");
    assertThatThrownBy(
            () ->
                Master.builder()
                    .store(KvStores::inMemory, true)
                    .apiPort(-1)
                    .metricsPort(0)
                    .metricsTokenFile(empty)
                    .start())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("metricsTokenFile: " + empty);
  }
}
