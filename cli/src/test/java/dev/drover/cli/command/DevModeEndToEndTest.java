package dev.drover.cli.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.drover.cli.Main;
import dev.drover.cli.core.Cli;
import dev.drover.cli.core.ClientConfigStore;
import dev.drover.client.Channels;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.MatchResult;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code drover dev --runtime simulated} in-process, then apply, get and delete through the CLI
 * against it over real gRPC; then a stop (the thread is interrupted, as Ctrl-C would) and a restart
 * that finds the applied objects still there.
 */
class DevModeEndToEndTest {

  static final String MANIFEST =
      """
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: web
      spec:
        replicas: 2
        selector:
          matchLabels: {app: web}
        template:
          metadata:
            labels: {app: web}
          spec:
            containers:
            - name: web
              image: 127.0.0.1:5000/busybox:1
      """;

  @TempDir Path home;

  record Run(int code, String out, String err) {}

  private Run drover(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(cli(out, err), args);
    return new Run(code, out.toString(), err.toString());
  }

  private Cli cli(StringWriter out, StringWriter err) {
    return new Cli(
        new PrintWriter(out, true),
        new PrintWriter(err, true),
        new ByteArrayInputStream(new byte[0]),
        Map.of("HOME", home.toString()),
        false,
        endpoint -> NettyChannelBuilder.forTarget(endpoint).usePlaintext().build(),
        Clock.systemUTC());
  }

  /** Starts dev mode on a thread; returns the thread and where its exit code will appear. */
  private Thread startDev(AtomicInteger code, StringWriter out) {
    Thread dev =
        new Thread(
            () ->
                code.set(
                    Main.run(
                        cli(out, new StringWriter()),
                        "dev",
                        "--runtime",
                        "simulated",
                        "--port",
                        "0",
                        "--data-dir",
                        home.resolve("dev-data").toString())),
            "drover-dev-test");
    dev.start();
    await().atMost(Duration.ofSeconds(120)).until(() -> out.toString().contains("ready in"));
    return dev;
  }

  @Test
  void devThenApplyGetDeleteAndRestartKeepsState() throws Exception {
    Path manifest = home.resolve("web.yaml");
    Files.writeString(manifest, MANIFEST);
    AtomicInteger code = new AtomicInteger(-1);
    StringWriter out = new StringWriter();
    Thread dev = startDev(code, out);
    try {
      assertThat(new ClientConfigStore(home.resolve(".drover/config")).load().currentContext())
          .isEqualTo("dev");
      Run nodes = drover("get", "nodes");
      assertThat(nodes.code()).as(nodes.err()).isZero();
      assertThat(nodes.out()).contains("dev-node").contains("Ready");
      Run apply = drover("apply", "-f", manifest.toString());
      assertThat(apply.code()).as(apply.err()).isZero();
      assertThat(apply.out()).isEqualTo("deployment.apps/web created\n");
      assertThat(drover("apply", "-f", manifest.toString()).out())
          .isEqualTo("deployment.apps/web unchanged\n");
      assertThat(drover("get", "deployments").out()).contains("web ");

      // The master's and the agent's metrics ports, on loopback, printed for a scraper.
      await().atMost(Duration.ofSeconds(30)).until(() -> out.toString().contains("Metrics ("));
      List<String> urls =
          Pattern.compile("http://127\\.0\\.0\\.1:[0-9]+/metrics")
              .matcher(out.toString())
              .results()
              .map(MatchResult::group)
              .toList();
      assertThat(urls).hasSize(2);
      HttpClient http = HttpClient.newHttpClient();
      for (String url : urls) {
        HttpResponse<String> scrape =
            http.send(
                HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(scrape.statusCode()).isEqualTo(200);
        assertThat(scrape.body()).contains("# TYPE jvm_memory_used_bytes gauge");
      }
      HttpResponse<String> agentHealth =
          http.send(
              HttpRequest.newBuilder(URI.create(urls.get(1).replace("/metrics", "/healthz")))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(agentHealth.statusCode()).isEqualTo(200);
    } finally {
      dev.interrupt();
      dev.join(Duration.ofSeconds(60).toMillis());
    }
    assertThat(dev.isAlive()).isFalse();
    assertThat(code.get()).isZero();

    StringWriter again = new StringWriter();
    Thread restarted = startDev(new AtomicInteger(-1), again);
    try {
      assertThat(drover("get", "deploy", "web").out()).contains("web ");
      Run delete = drover("delete", "-f", manifest.toString());
      assertThat(delete.code()).as(delete.err()).isZero();
      assertThat(delete.out()).isEqualTo("deployment \"web\" deleted\n");
      Run gone = drover("get", "deploy", "web");
      assertThat(gone.code()).isEqualTo(1);
      assertThat(gone.err()).contains("NotFound");
    } finally {
      restarted.interrupt();
      restarted.join(Duration.ofSeconds(60).toMillis());
    }
    assertThat(restarted.isAlive()).isFalse();
  }

  @Test
  void withoutADaemonDevStartsSimulatedAndSaysSoAndHowToGetContainers() throws Exception {
    StringWriter out = new StringWriter();
    AtomicInteger code = new AtomicInteger(-1);
    Map<String, String> env =
        Map.of("HOME", home.toString(), "DOCKER_HOST", "unix://" + home.resolve("no-docker.sock"));
    Thread dev =
        new Thread(
            () ->
                code.set(
                    Main.run(
                        new Cli(
                            new PrintWriter(out, true),
                            new PrintWriter(new StringWriter(), true),
                            new ByteArrayInputStream(new byte[0]),
                            env,
                            false,
                            Channels::plaintext,
                            Clock.systemUTC()),
                        "dev",
                        "--port",
                        "0",
                        "--data-dir",
                        home.resolve("fallback").toString())),
            "drover-dev-fallback");
    dev.start();
    try {
      await().atMost(Duration.ofSeconds(120)).until(() -> out.toString().contains("ready in"));
      assertThat(out.toString())
          .contains("(simulated runtime: pods are simulated, no containers run)")
          .contains("Docker is not reachable at unix://")
          .contains("drover dev --runtime docker");
      Run nodes = drover("get", "nodes", "-o", "wide");
      assertThat(nodes.code()).as(nodes.err()).isZero();
      assertThat(nodes.out()).contains("dev-node").contains("simulated://");
    } finally {
      dev.interrupt();
      dev.join(Duration.ofSeconds(60).toMillis());
    }
    assertThat(dev.isAlive()).isFalse();
    assertThat(code.get()).isZero();
  }

  @Test
  void dockerRuntimeWithoutADaemonSaysHowToRunSimulated() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    Map<String, String> env =
        Map.of("HOME", home.toString(), "DOCKER_HOST", "unix://" + home.resolve("no-docker.sock"));
    int code =
        Main.run(
            new Cli(
                new PrintWriter(out, true),
                new PrintWriter(err, true),
                new ByteArrayInputStream(new byte[0]),
                env,
                false,
                endpoint -> NettyChannelBuilder.forTarget(endpoint).usePlaintext().build(),
                Clock.systemUTC()),
            "dev",
            "--runtime",
            "docker",
            "--data-dir",
            home.resolve("d").toString());
    assertThat(code).isEqualTo(1);
    assertThat(err.toString())
        .contains("Docker is not reachable at unix://")
        .contains("drover dev --runtime simulated");
  }
}
