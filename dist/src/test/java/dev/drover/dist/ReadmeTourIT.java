package dev.drover.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.drover.agent.runtime.docker.DockerProbe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the README's 5-minute tour as a new user would, on real Docker: a real {@code ./drover dev}
 * process, then every command of the tour exactly as the README writes it, from the checkout's
 * root, each checked against what the README says it shows. Two departures, both so the test can
 * run anywhere: {@code ./drover dev} gets {@code --port 0} (a developer's own dev cluster may hold
 * 7070; the dev context points the other commands at the real port), and {@code ./drover} runs the
 * class path {@code mvn package} just built (DROVER_CLASSPATH) rather than building it again. HOME
 * is a fresh directory, as on a fresh machine.
 */
class ReadmeTourIT {

  private static final Pattern BLOCK =
      Pattern.compile("<!-- tour:(\\w+) -->\\s*```sh\\n(.*?)```", Pattern.DOTALL);

  @TempDir Path home;

  @Test
  void theTourWorksAsWritten() throws Exception {
    String dockerHost = DockerProbe.dockerHost(System.getenv());
    DockerProbe.Result docker = DockerProbe.probe(dockerHost, Duration.ofSeconds(5));
    if (!docker.reachable()) {
      String why = "the README tour needs Docker: " + docker.problem();
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        throw new AssertionError(why + " (CI=true: Docker tests must run)");
      }
      System.err.println("ReadmeTourIT: skipping: " + why);
      Assumptions.abort(why);
    }
    Path root = Path.of(System.getProperty("drover.root")).toRealPath();
    Map<String, List<String>> blocks = tourBlocks(Files.readString(root.resolve("README.md")));
    assertThat(blocks.get("dev")).containsExactly("./drover dev");
    List<String> commands = blocks.get("commands");
    assertThat(commands).hasSizeGreaterThanOrEqualTo(8);

    Path lib = Path.of(System.getProperty("drover.tarball")).getParent().resolve("lib");
    Map<String, String> env = new HashMap<>();
    env.put("PATH", Commands.javaOnlyPath());
    env.put("HOME", home.toString());
    env.put("DROVER_CLASSPATH", lib + "/*");
    Commands shell = new Commands(root, env);

    Process dev = shell.start("exec ./drover dev --port 0");
    try {
      await()
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(200))
          .untilAsserted(
              () -> {
                assertThat(dev.isAlive()).as(Commands.output(dev)).isTrue();
                assertThat(Files.readString(Commands.out(dev))).contains("ready in");
              });
      List<String> pods = new ArrayList<>();
      for (String command : commands) {
        Commands.Result r = shell.run(command, 240);
        assertThat(r.exit())
            .as("`%s` failed:\n%s\ndev mode:\n%s", command, r.both(), Commands.output(dev))
            .isZero();
        check(shell, command, r, pods);
      }
      // delete -f is graceful: the containers go once the pods have stopped.
      await()
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofSeconds(1))
          .untilAsserted(() -> assertThat(webContainers(shell)).isEmpty());
    } finally {
      assertThat(Commands.stop(dev)).as(Commands.output(dev)).isIn(0, 143);
      // Whatever a failed run left behind is this test's own to remove.
      shell.run(
          "/usr/bin/docker ps -aq --filter name=drover_default_web"
              + " | xargs -r /usr/bin/docker rm -f",
          60);
    }
    assertThat(Files.readString(Commands.err(dev))).doesNotContain(" ERROR ");
  }

  /** Checks one tour command's output against what the README says it shows. */
  private static void check(Commands shell, String command, Commands.Result r, List<String> pods)
      throws Exception {
    String out = r.stdout();
    if (command.equals("./drover get nodes")) {
      assertThat(out).contains("dev-node").contains("Ready");
    } else if (command.startsWith("./drover apply -f examples/manifests/web.yaml --wait")) {
      assertThat(out)
          .contains(
              "deployment.apps/web created",
              "service/web created",
              "deployment.apps/web: ",
              "/3 ready",
              "deployment.apps/web is ready");
    } else if (command.equals("./drover get pods -l app=web")) {
      List<String> running =
          out.lines().filter(l -> l.startsWith("web-")).filter(l -> l.contains("Running")).toList();
      assertThat(running).as(out).hasSize(3);
      running.forEach(l -> pods.add(l.substring(0, l.indexOf(' '))));
    } else if (command.startsWith("docker ps")) {
      assertThat(pods).isNotEmpty();
      for (String pod : pods) {
        assertThat(out).as("docker ps shows pod " + pod).contains("drover_default_" + pod + "_");
      }
    } else if (command.equals("./drover logs deployment/web")) {
      assertThat(out).contains("serving on :8080");
    } else if (command.startsWith("./drover scale")) {
      assertThat(out).contains("deployment.apps/web scaled");
    } else if (command.startsWith("./drover rollout status")) {
      assertThat(out).contains("deployment.apps/web successfully rolled out");
      Commands.Result all = shell.run("./drover get pods -l app=web", 60);
      assertThat(all.stdout().lines().filter(l -> l.contains("Running")).count())
          .as(all.stdout())
          .isGreaterThanOrEqualTo(4);
    } else if (command.startsWith("./drover rollout restart")) {
      assertThat(out).contains("deployment.apps/web restarted");
    } else if (command.startsWith("./drover rollout history")) {
      assertThat(out).contains("REVISION");
      assertThat(out.lines().filter(l -> l.matches("\\s*2\\b.*")).count()).as(out).isOne();
    } else if (command.startsWith("./drover delete -f")) {
      assertThat(out.lines().filter(l -> l.endsWith("\"web\" deleted"))).as(out).hasSize(2);
    } else if (command.equals("./drover get pods")) {
      // The pods may still be stopping right after the delete; the README says they go.
      await()
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofSeconds(1))
          .untilAsserted(
              () ->
                  assertThat(shell.run(command, 60).both())
                      .contains("No resources found in default namespace."));
    } else {
      throw new AssertionError(
          "the README tour has a command this test does not know: `"
              + command
              + "`; say in ReadmeTourIT what it should show");
    }
  }

  private static List<String> webContainers(Commands shell) throws Exception {
    Commands.Result ps =
        shell.run(
            "/usr/bin/docker ps -a --filter name=drover_default_web" + " --format '{{.Names}}'",
            60);
    assertThat(ps.exit()).as(ps.both()).isZero();
    return ps.stdout().lines().filter(l -> !l.isBlank()).toList();
  }

  /** The README's tour code blocks, by marker name, one command per line. */
  static Map<String, List<String>> tourBlocks(String readme) {
    Map<String, List<String>> blocks = new HashMap<>();
    Matcher m = BLOCK.matcher(readme);
    while (m.find()) {
      blocks.put(
          m.group(1),
          m.group(2)
              .lines()
              .map(String::strip)
              .filter(l -> !l.isEmpty() && !l.startsWith("#"))
              .toList());
    }
    assertThat(blocks).containsKeys("dev", "commands");
    return blocks;
  }
}
