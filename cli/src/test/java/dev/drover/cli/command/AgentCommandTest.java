package dev.drover.cli.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.drover.agent.AgentConfig;
import dev.drover.cli.core.CliException;
import dev.drover.cli.core.CliHarness;
import dev.drover.cli.core.CliHarness.Result;
import dev.drover.cli.core.CliHarnessExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

@ExtendWith(CliHarnessExtension.class)
class AgentCommandTest {

  @TempDir Path home;
  CliHarness cli;

  private AgentCommand parse(String... args) {
    AgentCommand command = new AgentCommand(cli.newCli());
    new CommandLine(command).parseArgs(args);
    return command;
  }

  @Test
  void theSampleConfigIsValidAndFlagsOverrideIt() {
    Path sample = Path.of("../dist/config/agent.yaml");
    AgentCommand command =
        parse(
            "--config",
            sample.toString(),
            "--node-name",
            "worker-9",
            "--data-dir",
            home.resolve("agent").toString());
    AgentConfig config = command.agentConfig();
    assertThat(config.nodeName()).isEqualTo("worker-9");
    assertThat(config.dataDir()).isEqualTo(home.resolve("agent"));
    assertThat(command.masters).containsExactly("10.0.0.11:7070");
    assertThat(command.labels).containsEntry("topology.kubernetes.io/zone", "zone-a");
    assertThat(command.hostIp).isEqualTo("10.0.0.21");
  }

  @Test
  void badSettingsAreNamed() throws Exception {
    assertThatThrownBy(() -> parse("--node-name", "n").agentConfig())
        .isInstanceOf(CliException.class)
        .hasMessageContaining("--master");
    assertThatThrownBy(() -> parse("--master", "m:1", "--node-name", "Bad_Name").agentConfig())
        .hasMessageContaining("nodeName");
    assertThatThrownBy(() -> parse("--master", "m:1", "--host-port-range", "9-1").agentConfig())
        .hasMessageContaining("--host-port-range \"9-1\"");
    Path file = home.resolve("agent.yaml");
    Files.writeString(file, "masters: [m:1]\n");
    assertThatThrownBy(() -> parse("--config", file.toString()).agentConfig())
        .hasMessageContaining("masters: unknown setting");
  }

  @Test
  void helpListsEverySetting() {
    Result r = cli.run("agent", "--help");
    assertThat(r.code()).isZero();
    assertThat(r.out())
        .contains("--master=HOST:PORT")
        .contains("--runtime=RUNTIME")
        .contains("--config=FILE");
  }
}
