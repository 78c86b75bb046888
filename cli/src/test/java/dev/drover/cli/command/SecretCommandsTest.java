package dev.drover.cli.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.drover.api.ApiObjects;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Secret;
import dev.drover.cli.core.CliHarness;
import dev.drover.cli.core.CliHarness.Result;
import dev.drover.cli.core.CliHarnessExtension;
import dev.drover.master.secrets.KeyRing;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code describe secret} shows keys and sizes only; {@code master rotate-secret-key}; the agent's
 * container defaults flags.
 */
@ExtendWith(CliHarnessExtension.class)
class SecretCommandsTest {
  @TempDir Path dir;
  CliHarness cli;

  @Test
  void describeSecretRedactsValues() {
    cli.service.put(
        ApiObjects.wrap(
            Kind.KIND_SECRET,
            Secret.newBuilder()
                .setMetadata(ObjectMeta.newBuilder().setName("db").setNamespace("default"))
                .setType("Opaque")
                .putData("password", ByteString.copyFromUtf8("hunter2-canary"))
                .putData("user", ByteString.copyFromUtf8("admin"))
                .build()),
        CliHarness.NOW);
    Result r = cli.run("describe", "secret", "db");
    assertThat(r.code()).isZero();
    assertThat(r.out())
        .contains("Data:\n  password:  14 bytes\n  user:  5 bytes\n")
        .doesNotContain("hunter2")
        .doesNotContain("aHVudGVyMi1jYW5hcnk") // base64 of the value
        .doesNotContain("admin");
  }

  @Test
  void rotateSecretKeyAddsAWriteKeyOrADecryptOnlyOneAndPromotes() throws Exception {
    Path file = dir.resolve("secret-keys");
    KeyRing.loadOrCreate(file);
    Result added = cli.run("master", "rotate-secret-key", "--data-dir", dir.toString());
    assertThat(added.code()).isZero();
    assertThat(added.out()).contains("added key k2 (the write key)");
    assertThat(KeyRing.load(file).ids()).containsExactly("k2", "k1");

    cli.run("master", "rotate-secret-key", "--secret-key-file", file.toString(), "--decrypt-only");
    assertThat(KeyRing.load(file).ids()).containsExactly("k2", "k1", "k3");
    assertThat(
            cli.run("master", "rotate-secret-key", "--data-dir", dir.toString(), "--promote", "k3")
                .code())
        .isZero();
    assertThat(KeyRing.load(file).writeKeyId()).isEqualTo("k3");
    assertThat(
            cli.run("master", "rotate-secret-key", "--data-dir", dir.toString(), "--promote", "k9")
                .err())
        .contains("holds no key k9");
  }

  @Test
  void agentContainerDefaultsComeFromFlags() {
    AgentCommand command = new AgentCommand(cli.newCli());
    new picocli.CommandLine(command)
        .parseArgs(
            "--master", "m:1", "--node-name", "n", "--pids-limit", "100", "--log-max-size", "5m");
    assertThat(command.agentConfig().containerDefaults())
        .isEqualTo(new dev.drover.agent.runtime.ContainerDefaults(100, "5m", 3));
    AgentCommand bad = new AgentCommand(cli.newCli());
    new picocli.CommandLine(bad).parseArgs("--master", "m:1", "--log-max-size", "lots");
    assertThatThrownBy(bad::agentConfig).hasMessageContaining("log max size \"lots\"");
  }
}
