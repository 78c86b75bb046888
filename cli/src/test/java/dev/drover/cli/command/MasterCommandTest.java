package dev.drover.cli.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.drover.cli.core.CliException;
import dev.drover.cli.core.CliHarness;
import dev.drover.cli.core.CliHarnessExtension;
import dev.drover.cli.core.DaemonConfigFile;
import dev.drover.master.registry.ServiceStrategy;
import dev.drover.store.api.Peer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

@ExtendWith(CliHarnessExtension.class)
class MasterCommandTest {

  CliHarness cli;

  private MasterCommand parse(String... args) {
    MasterCommand command = new MasterCommand(cli.newCli());
    new CommandLine(command).parseArgs(args);
    if (command.config != null) {
      DaemonConfigFile.apply(command.spec, command.config);
    }
    return command;
  }

  @Test
  void theSampleConfigIsValidAndFlagsOverrideIt() {
    MasterCommand command = parse("--config", "../dist/config/master.yaml", "--api-port", "7443");
    assertThat(command.id).isEqualTo("m1");
    assertThat(command.apiPort).isEqualTo(7443);
    assertThat(command.metricsPort).isEqualTo(7073);
    assertThat(command.metrics.host).isEqualTo("127.0.0.1");
    assertThat(command.insecure).isFalse();
    assertThat(command.dataDir).isEqualTo(Path.of("/var/lib/drover/master"));
    assertThat(command.peerList()).isEmpty();
    assertThat(command.auditLogFile()).isEqualTo(Path.of("/var/lib/drover/master/audit.log"));
    assertThat(command.auditLogMaxMb).isEqualTo(100);
    assertThat(parse("--audit-log", "/tmp/a.log").auditLogFile()).isEqualTo(Path.of("/tmp/a.log"));
  }

  @Test
  void peersAreParsedAndBadOnesNamed() {
    assertThat(parse("--peer", "m1=10.0.0.1:7071", "--peer", "m2=10.0.0.2:7071").peerList())
        .containsExactly(new Peer("m1", "10.0.0.1", 7071), new Peer("m2", "10.0.0.2", 7071));
    assertThatThrownBy(() -> parse("--peer", "10.0.0.1:7071").peerList())
        .isInstanceOf(CliException.class)
        .hasMessage("--peer \"10.0.0.1:7071\": expected ID=HOST:PORT");
  }

  @Test
  void aJoinTokenJoinsThroughTheOtherPeersUnlessToldWhereAndNeedsTheManagedPki() {
    MasterCommand peers =
        parse(
            "--id",
            "m2",
            "--api-port",
            "7443",
            "--join-token",
            "DRV1-x-y-z",
            "--peer",
            "m1=10.0.0.1:7071",
            "--peer",
            "m2=10.0.0.2:7071",
            "--peer",
            "m3=10.0.0.3:7071");
    assertThat(peers.joinAddresses()).containsExactly("10.0.0.1:7443", "10.0.0.3:7443");
    assertThat(parse("--join-token", "t", "--join", "10.0.0.9:7070").joinAddresses())
        .containsExactly("10.0.0.9:7070");
    assertThatThrownBy(() -> parse("--join-token", "t", "--join", "10.0.0.9").joinAddresses())
        .isInstanceOf(CliException.class)
        .hasMessage("--join \"10.0.0.9\": expected HOST:PORT");
    assertThatThrownBy(() -> parse("--join-token", "t").joinAddresses())
        .isInstanceOf(CliException.class)
        .hasMessageContaining("give --join HOST:PORT");
    assertThatThrownBy(
            () ->
                parse("--join-token", "t", "--insecure")
                    .security(dev.drover.master.Master.builder()))
        .isInstanceOf(CliException.class)
        .hasMessage("--join-token needs the managed PKI: it contradicts --insecure");
  }

  @Test
  void aJoinTokenWithJoinAndNoPeersJoinsTheRunningClustersStore() {
    assertThat(
            parse(
                    "--id",
                    "m4",
                    "--join-token",
                    "t",
                    "--join",
                    "10.0.0.1:7070",
                    "--store-address",
                    "10.0.0.4:7071")
                .joiningStoreMember())
        .isEqualTo(new Peer("m4", "10.0.0.4", 7071));
    assertThat(
            parse(
                    "--id",
                    "m4",
                    "--api-host",
                    "10.0.0.4",
                    "--join-token",
                    "t",
                    "--join",
                    "10.0.0.1:7070")
                .joiningStoreMember())
        .isEqualTo(new Peer("m4", "10.0.0.4", 7071));
    assertThatThrownBy(
            () -> parse("--join-token", "t", "--join", "10.0.0.1:7070").joiningStoreMember())
        .isInstanceOf(CliException.class)
        .hasMessageStartingWith("--store-address: give HOST:PORT");
    assertThatThrownBy(
            () ->
                parse("--join-token", "t", "--join", "10.0.0.1:7070", "--store-address", "x")
                    .joiningStoreMember())
        .isInstanceOf(CliException.class)
        .hasMessageStartingWith("--store-address \"x\": expected HOST:PORT");
    assertThatThrownBy(
            () ->
                parse("--peer", "m1=10.0.0.1:7071", "--store-address", "10.0.0.4:7071")
                    .joiningStoreMember())
        .isInstanceOf(CliException.class)
        .hasMessageContaining("without --peer");
    assertThat(
            parse("--join-token", "t", "--join", "10.0.0.1:7070", "--peer", "m1=10.0.0.1:7071")
                .joiningStoreMember())
        .isNull();
  }

  @Test
  void theNodePortRangeIsParsedAndABadOneNamedPrecisely() {
    assertThat(parse().nodePortRange()).isEqualTo(new ServiceStrategy.NodePortRange(30000, 32767));
    assertThat(parse("--service-node-port-range", "20000-20999").nodePortRange())
        .isEqualTo(new ServiceStrategy.NodePortRange(20000, 20999));
    assertThatThrownBy(() -> parse("--service-node-port-range", "32767-30000").nodePortRange())
        .isInstanceOf(CliException.class)
        .hasMessage(
            "--service-node-port-range \"32767-30000\": the first port 32767 is above the last"
                + " port 30000");
    assertThatThrownBy(() -> parse("--service-node-port-range", "30000-70000").nodePortRange())
        .hasMessage(
            "--service-node-port-range \"30000-70000\": the last port 70000 is not in 1-65535");
    assertThatThrownBy(() -> parse("--service-node-port-range", "30000-").nodePortRange())
        .hasMessage("--service-node-port-range \"30000-\": want FIRST-LAST, as 30000-32767");
    assertThatThrownBy(() -> parse("--service-node-port-range", "low-high").nodePortRange())
        .hasMessage(
            "--service-node-port-range \"low-high\": \"low\" is not a port number; want"
                + " FIRST-LAST, as 30000-32767");
  }
}
