package dev.drover.cli.command;

import static dev.drover.testing.TestObjects.deploymentWithStatus;
import static dev.drover.testing.TestObjects.runningPod;
import static dev.drover.testing.TestObjects.wrap;
import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.cli.core.CliHarness;
import dev.drover.cli.core.CliHarness.Result;
import dev.drover.cli.core.CliHarnessExtension;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The hidden {@code __complete} the shell scripts call, and the scripts themselves. */
@ExtendWith(CliHarnessExtension.class)
class ShellCompletionTest {

  CliHarness cli;

  @BeforeEach
  void setUp() {
    cli.service.put(wrap(runningPod("web-1", "n1", 0)), CliHarness.NOW);
    cli.service.put(wrap(runningPod("web-2", "n1", 0)), CliHarness.NOW);
    cli.service.put(wrap(runningPod("db-1", "n1", 0)), CliHarness.NOW);
    cli.service.put(wrap(deploymentWithStatus("web", 2, 2)), CliHarness.NOW);
  }

  /** What {@code drover WORDS<TAB>} offers; the last word is the one being typed. */
  private List<String> complete(String... words) {
    List<String> args = new ArrayList<>(List.of("__complete", "--"));
    args.addAll(List.of(words));
    Result r = cli.run(args.toArray(String[]::new));
    assertThat(r.code()).as(r.err()).isZero();
    return r.out().isEmpty() ? List.of() : List.of(r.out().split("\n"));
  }

  @Test
  void verbsSubcommandsAndOptionsComeFromTheCommandTree() {
    assertThat(complete("ro")).containsExactly("rollout");
    assertThat(complete("")).contains("get", "rollout", "explain").doesNotContain("__complete");
    assertThat(complete("config", "")).contains("use-context");
    assertThat(complete("rollout", "pro")).containsExactly("promote");
    assertThat(complete("get", "--show")).containsExactly("--show-labels");
    assertThat(complete("get", "po")).contains("pods");
  }

  @Test
  void objectNamesComeFromTheCluster() {
    assertThat(complete("get", "pods", "")).containsExactlyInAnyOrder("web-1", "web-2", "db-1");
    assertThat(complete("get", "pods", "web-1", "w")).containsExactlyInAnyOrder("web-1", "web-2");
    assertThat(complete("describe", "pod/w")).containsExactlyInAnyOrder("pod/web-1", "pod/web-2");
    assertThat(complete("delete", "deployments", "")).containsExactly("web");
    assertThat(complete("logs", "d")).containsExactly("db-1");
    assertThat(complete("-n", "default", "exec", "")).contains("web-1", "db-1");
    assertThat(complete("rollout", "status", "")).containsExactly("web");
    assertThat(complete("scale", "")).containsExactly("deployment/web");
  }

  @Test
  void filesAreLeftToTheShellAndAnUnreachableClusterCompletesNothing() {
    assertThat(complete("apply", "-f", "")).containsExactly(ShellCompletion.FILES);
    assertThat(complete("--server", "127.0.0.1:1", "get", "pods", "")).isEmpty();
  }

  @Test
  void scriptsForBashZshAndFishCallTheHiddenCommand() {
    assertThat(cli.run("completion", "bash").out())
        .contains("complete -F _drover_complete drover")
        .contains("drover __complete --");
    assertThat(cli.run("completion", "zsh").out())
        .startsWith("#compdef drover\n")
        .contains("compdef _drover drover");
    assertThat(cli.run("completion", "fish").out())
        .contains("complete -c drover -f -a '(__drover_complete)'");
    Result tcsh = cli.run("completion", "tcsh");
    assertThat(tcsh.code()).isEqualTo(2);
    assertThat(tcsh.err()).contains("use bash, zsh or fish");
  }
}
