package dev.drover.cli.command;

import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.cli.Main;
import dev.drover.cli.core.ClientConfig;
import dev.drover.cli.core.ClientConfigStore;
import dev.drover.cli.core.ContextEntry;
import dev.drover.embed.DroverTestCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bash completion as a user gets it: {@code source <(drover completion bash)}, then the function
 * bash calls on TAB, run by a real bash against a running cluster, with a {@code drover} on the
 * PATH that starts this build's CLI.
 */
class BashCompletionTest {

  @RegisterExtension static DroverTestCluster cluster = DroverTestCluster.simulated();

  @TempDir Path home;
  @TempDir Path bin;

  @BeforeEach
  void setUp() throws Exception {
    cluster.apply(pod("web-a") + "---\n" + pod("web-b") + "---\n" + pod("db-a"));
    new ClientConfigStore(home.resolve(".drover/config"))
        .save(
            ClientConfig.EMPTY
                .withContext(new ContextEntry("dev", List.of(cluster.endpoint()), "default", null))
                .withCurrent("dev"));
    Path drover = bin.resolve("drover");
    String java = ProcessHandle.current().info().command().orElse("java");
    Files.writeString(
        drover,
        "#!/bin/sh\nexec '"
            + java
            + "' -cp '"
            + System.getProperty("java.class.path")
            + "' "
            + Main.class.getName()
            + " \"$@\"\n");
    Files.setPosixFilePermissions(drover, PosixFilePermissions.fromString("rwx------"));
  }

  private static String pod(String name) {
    return """
        apiVersion: v1
        kind: Pod
        metadata: {name: %s}
        spec:
          containers: [{name: main, image: busybox:1}]
        """
        .formatted(name);
  }

  /** What bash offers on TAB at the end of {@code line}. */
  private List<String> tab(String line) throws Exception {
    String script =
        """
        source <(drover completion bash)
        COMP_LINE=$1
        COMP_POINT=${#COMP_LINE}
        read -ra COMP_WORDS <<< "$COMP_LINE"
        [[ $COMP_LINE == *' ' ]] && COMP_WORDS+=("")
        COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
        spec=$(complete -p drover)
        fn=${spec#*-F }
        fn=${fn%% *}
        "$fn" drover "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
        printf '%s\\n' "${COMPREPLY[@]}"
        """;
    ProcessBuilder bash = new ProcessBuilder("bash", "-c", script, "bash", line);
    bash.environment().put("HOME", home.toString());
    bash.environment().put("PATH", bin + ":" + System.getenv("PATH"));
    bash.redirectError(ProcessBuilder.Redirect.INHERIT);
    Process process = bash.start();
    try {
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
      assertThat(process.exitValue()).isZero();
      return out.lines().filter(s -> !s.isEmpty()).toList();
    } finally {
      process.destroyForcibly();
    }
  }

  @Test
  void tabAfterGetPodsOffersThePodsOfTheCluster() throws Exception {
    assertThat(tab("drover get pods ")).containsExactlyInAnyOrder("web-a", "web-b", "db-a");
    assertThat(tab("drover get pods web-")).containsExactlyInAnyOrder("web-a", "web-b");
    // A global option with host:port (which COMP_WORDS would split at the colon) is honoured.
    assertThat(tab("drover --server " + cluster.endpoint() + " logs d")).containsExactly("db-a");
    assertThat(tab("drover ge")).containsExactly("get");
  }
}
