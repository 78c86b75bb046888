package dev.drover.cli.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

class DaemonConfigFileTest {

  enum Runtime {
    docker,
    simulated
  }

  @Command(name = "daemon")
  static final class Daemon implements Runnable {
    @Spec CommandSpec spec;

    @Option(names = "--config")
    Path config;

    @Option(names = "--data-dir")
    Path dataDir = Path.of("/default");

    @Option(names = "--api-port")
    int apiPort = 7070;

    @Option(names = "--master")
    List<String> masters = new ArrayList<>();

    @Option(names = "--label")
    Map<String, String> labels = new LinkedHashMap<>();

    @Option(names = "--runtime")
    Runtime runtime = Runtime.docker;

    @Option(names = "--verbose")
    boolean verbose;

    @Override
    public void run() {
      if (config != null) {
        DaemonConfigFile.apply(spec, config);
      }
    }
  }

  @TempDir Path dir;

  private Daemon run(String yaml, String... args) throws Exception {
    Path file = dir.resolve("d.yaml");
    Files.writeString(file, yaml);
    Daemon daemon = new Daemon();
    CommandLine commandLine = new CommandLine(daemon);
    List<String> all = new ArrayList<>(List.of("--config", file.toString()));
    all.addAll(List.of(args));
    commandLine.parseArgs(all.toArray(String[]::new));
    daemon.run();
    return daemon;
  }

  @Test
  void everyKeySetsItsOptionAndFlagsWin() throws Exception {
    Daemon d =
        run(
            """
        dataDir: /var/lib/drover
        api-port: 7443
        master: [a:1, b:2]
        label: {zone: a}
        runtime: SIMULATED
        verbose: true
        """,
            "--api-port",
            "9000");
    assertThat(d.dataDir).isEqualTo(Path.of("/var/lib/drover"));
    assertThat(d.apiPort).isEqualTo(9000);
    assertThat(d.masters).containsExactly("a:1", "b:2");
    assertThat(d.labels).containsEntry("zone", "a");
    assertThat(d.runtime).isEqualTo(Runtime.simulated);
    assertThat(d.verbose).isTrue();
  }

  @Test
  void aFlagReplacesAListFromTheFile() throws Exception {
    Daemon d = run("master: [a:1, b:2]\n", "--master", "c:3");
    assertThat(d.masters).containsExactly("c:3");
  }

  @Test
  void unknownKeysAndWrongTypesNameFileAndKey() {
    assertThatThrownBy(() -> run("dataDri: /x\n"))
        .isInstanceOf(CliException.class)
        .hasMessageContaining("d.yaml: dataDri: unknown setting; known settings: apiPort, dataDir");
    assertThatThrownBy(() -> run("apiPort: lots\n"))
        .hasMessageEndingWith("apiPort: expected a whole number, got \"lots\"");
    assertThatThrownBy(() -> run("runtime: podman\n"))
        .hasMessageEndingWith("runtime: expected one of docker, simulated, got \"podman\"");
    assertThatThrownBy(() -> run("label: [a]\n"))
        .hasMessageEndingWith("label: expected a mapping of key: value");
    assertThatThrownBy(() -> run("- a\n")).hasMessageContaining("expected a mapping");
  }
}
