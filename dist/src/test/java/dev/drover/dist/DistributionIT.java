package dev.drover.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tarball as a user gets it: unpacked with tar, run with nothing but a Java runtime on PATH (no
 * Maven, no checkout), its layout complete and its lib/ free of test-only jars.
 */
class DistributionIT {

  @TempDir static Path unpacked;
  static Path home;
  static Commands shell;

  @BeforeAll
  static void unpack() throws Exception {
    Path tarball = Path.of(System.getProperty("drover.tarball"));
    assertThat(tarball).exists();
    Commands tar = new Commands(unpacked, Map.of("PATH", Commands.javaOnlyPath()));
    Commands.Result r = tar.run("tar xzf " + tarball, 60);
    assertThat(r.exit()).as(r.both()).isZero();
    home = unpacked.resolve("drover-" + System.getProperty("drover.version"));
    Path user = Files.createDirectories(unpacked.resolve("home"));
    shell =
        new Commands(unpacked, Map.of("PATH", Commands.javaOnlyPath(), "HOME", user.toString()));
  }

  @Test
  void hasTheLayoutAHostNeeds() throws Exception {
    assertThat(home.resolve("bin/drover")).isExecutable();
    assertThat(home.resolve("config/master.yaml")).isRegularFile();
    assertThat(home.resolve("config/agent.yaml")).isRegularFile();
    assertThat(home.resolve("systemd/drover-master.service")).isRegularFile();
    assertThat(home.resolve("systemd/drover-agent.service")).isRegularFile();
    assertThat(home.resolve("examples/manifests/web.yaml")).isRegularFile();
    List<String> jars;
    try (Stream<Path> lib = Files.list(home.resolve("lib"))) {
      jars = lib.map(p -> p.getFileName().toString()).sorted().toList();
    }
    assertThat(jars)
        .anyMatch(j -> j.startsWith("drover-cli-"))
        .anyMatch(j -> j.startsWith("drover-master-"))
        .anyMatch(j -> j.startsWith("drover-node-agent-"))
        .anyMatch(j -> j.startsWith("ratis-server-"))
        .anyMatch(j -> j.startsWith("docker-java-"));
    assertThat(jars)
        .as("test-only jars in lib/")
        .noneMatch(
            j ->
                j.startsWith("junit-")
                    || j.startsWith("jqwik")
                    || j.startsWith("assertj")
                    || j.startsWith("awaitility")
                    || j.startsWith("opentest4j"));
  }

  @Test
  void runsVersionAndHelpWithOnlyJava() throws Exception {
    Commands.Result client = shell.run("drover-*/bin/drover version --client", 60);
    assertThat(client.exit()).as(client.both()).isZero();
    assertThat(client.stdout()).contains("Client Version: 0.1.0");

    // Without a cluster, version still prints the client's and says clearly why no server's.
    Commands.Result noServer = shell.run("drover-*/bin/drover version --server 127.0.0.1:1", 60);
    assertThat(noServer.exit()).as(noServer.both()).isEqualTo(1);
    assertThat(noServer.stdout()).contains("Client Version: 0.1.0");
    assertThat(noServer.stderr()).contains("cannot connect");

    Commands.Result help = shell.run("drover-*/bin/drover --help", 60);
    assertThat(help.exit()).as(help.both()).isZero();
    assertThat(help.stdout())
        .contains("Usage: drover")
        .contains("apply")
        .contains("dev")
        .contains("rollout");
  }

  @Test
  void runsADevClusterFromTheTarballAndRestartsItFasterFromItsClassArchive() throws Exception {
    Path data = unpacked.resolve("dev-data");
    Path cache = unpacked.resolve("home/.cache/drover");
    devRunsAndServes(data);
    // The first run wrote the class-data archive as it exited; the second maps it, and finds
    // the node it registered before (state survives a restart).
    try (Stream<Path> archives = Files.list(cache)) {
      assertThat(archives.map(p -> p.getFileName().toString()))
          .singleElement()
          .asString()
          .startsWith("cds-")
          .endsWith(".jsa");
    }
    devRunsAndServes(data);
  }

  private static void devRunsAndServes(Path data) throws Exception {
    Process dev =
        shell.start(
            "exec "
                + home.resolve("bin/drover")
                + " dev --runtime simulated --port 0 --data-dir "
                + data);
    try {
      await()
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofMillis(200))
          .untilAsserted(
              () -> {
                assertThat(dev.isAlive()).as(Commands.output(dev)).isTrue();
                assertThat(Files.readString(Commands.out(dev))).contains("ready in");
              });
      Commands.Result nodes = shell.run(home.resolve("bin/drover") + " get nodes", 60);
      assertThat(nodes.exit()).as(nodes.both()).isZero();
      assertThat(nodes.stdout()).contains("dev-node").contains("Ready");
    } finally {
      // SIGTERM, like a service manager: the JVM exits 143 after dev mode closed everything.
      assertThat(Commands.stop(dev)).as(Commands.output(dev)).isIn(0, 143);
    }
    assertThat(Files.readString(Commands.err(dev)))
        .contains("drover dev: stopping")
        .contains("node agent dev-node stopped")
        .doesNotContain("ERROR");
    // Nothing but dev mode's own lines on stdout (no JVM warnings about the archive).
    assertThat(Files.readString(Commands.out(dev)).lines())
        .allMatch(
            l ->
                l.startsWith("Drover dev cluster ready")
                    || l.startsWith("The \"dev\"")
                    || l.startsWith("  drover ")
                    || l.startsWith("Press Ctrl-C")
                    || l.startsWith("Web console and HTTP API: https://127.0.0.1:")
                    || l.startsWith("The console's HTTPS certificate is from this cluster's")
                    || l.startsWith("Metrics (Prometheus, loopback only): http://127.0.0.1:"));
  }
}
