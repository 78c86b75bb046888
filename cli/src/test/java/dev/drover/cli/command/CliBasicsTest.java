package dev.drover.cli.command;

import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.cli.core.CliHarness;
import dev.drover.cli.core.CliHarness.Result;
import dev.drover.cli.core.CliHarnessExtension;
import dev.drover.cli.core.ClientConfigStore;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

/** Help, usage errors, completion, connection failures and the contexts file. */
@ExtendWith(CliHarnessExtension.class)
class CliBasicsTest {

  CliHarness cli;

  @Test
  void helpOnEveryCommand() {
    Result root = cli.run("--help");
    assertThat(root.code()).isZero();
    assertThat(root.out()).contains("apply").contains("rollout").contains("completion");
    // Every command and subcommand of the tree, found by walking it, answers --help with its
    // usage, a description and exit code 0.
    List<List<String>> paths = new ArrayList<>();
    collect(CommandTree.of(cli.newCli()), new ArrayList<>(), paths);
    assertThat(paths)
        .extracting(p -> String.join(" ", p))
        .contains(
            "get",
            "rollout status",
            "config set-context",
            "drain",
            "logs",
            "dev",
            "master",
            "agent",
            "cluster info");
    for (List<String> path : paths) {
      List<String> args = new ArrayList<>(path);
      args.add("--help");
      Result r = cli.run(args.toArray(String[]::new));
      String name = String.join(" ", path);
      assertThat(r.code()).as(name).isZero();
      assertThat(r.out()).as(name).contains("Usage: drover " + name);
      assertThat(r.out().lines().skip(1).filter(l -> !l.isBlank()).count())
          .as(name)
          .isGreaterThan(2);
    }
  }

  private static void collect(CommandLine command, List<String> path, List<List<String>> out) {
    for (Map.Entry<String, CommandLine> sub : command.getSubcommands().entrySet()) {
      // Aliases map to the same command; walk each command once, by its own name.
      if (!sub.getKey().equals(sub.getValue().getCommandName())) {
        continue;
      }
      List<String> next = new ArrayList<>(path);
      next.add(sub.getKey());
      out.add(next);
      collect(sub.getValue(), next, out);
    }
  }

  @Test
  void usageErrorsExitWith2() {
    assertThat(cli.run().code()).isEqualTo(2);
    assertThat(cli.run("frobnicate").code()).isEqualTo(2);
    Result badOption = cli.run("get", "pods", "--bogus");
    assertThat(badOption.code()).isEqualTo(2);
    assertThat(badOption.err()).contains("Unknown option: '--bogus'");
    assertThat(cli.run("get", "pods", "-o", "xml").code()).isEqualTo(2);
    assertThat(cli.run("get", "pods", "--request-timeout", "soon").code()).isEqualTo(2);
  }

  @Test
  void usageErrorsAreOneLineWithASuggestionAndWhereTheUsageIs() {
    Result kind = cli.run("get", "deploymnets");
    assertThat(kind.code()).isEqualTo(2);
    assertThat(kind.err())
        .isEqualTo(
            "error: unknown resource type \"deploymnets\"; did you mean \"deployments\"?\n"
                + "See `drover get -h` for its usage.\n");
    Result verb = cli.run("dscribe", "pods");
    assertThat(verb.code()).isEqualTo(2);
    assertThat(verb.err()).contains("Did you mean \"describe\"?").contains("See `drover -h`");
    assertThat(verb.err().lines().count()).isEqualTo(3);
    Result far = cli.run("get", "gizmos");
    assertThat(far.err()).contains("known types: namespaces, nodes, pods,").doesNotContain("po,");
  }

  @Test
  void daemonCommandsShowOnlyTheirOwnOptions() {
    for (String daemon : List.of("master", "agent", "dev")) {
      Result help = cli.run(daemon, "--help");
      assertThat(help.code()).isZero();
      assertThat(help.out()).doesNotContain("--server").doesNotContain("--namespace");
    }
    assertThat(cli.run("get", "--help").out()).contains("--server").contains("--namespace");
  }

  @Test
  void completionScriptCoversTheVerbs() {
    Result r = cli.run("completion", "bash");
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("complete -F");
    // The script asks `drover __complete` for the candidates (verbs, and their subcommands).
    assertThat(cli.run("__complete", "--", "").out()).contains("rollout\n");
    assertThat(cli.run("__complete", "--", "config", "").out()).contains("use-context\n");
    assertThat(cli.run("completion", "fish").code()).isZero();
    assertThat(cli.run("completion", "tcsh").code()).isEqualTo(2);
  }

  @Test
  void unreachableMasterGivesAHintAndExit1() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Result r = cli.run("get", "pods", "--server", "127.0.0.1:" + port);
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err())
        .startsWith(
            "error: cannot connect to the Drover API at 127.0.0.1:" + port + " (from --server)")
        .contains("hint: start a local cluster with `drover dev`");
  }

  @Test
  void contextsCanBeCreatedListedAndSwitched() throws Exception {
    Path home = cli.home;
    Result set =
        cli.run(
            "config",
            "set-context",
            "prod",
            "--endpoint",
            "m1:7070",
            "--endpoint",
            "m2:7070",
            "-n",
            "shop",
            "--token",
            "t0k");
    assertThat(set.code()).isZero();
    assertThat(set.out()).isEqualTo("Context \"prod\" created.\n");
    assertThat(cli.run("config", "current-context").out()).isEqualTo("test\n");
    assertThat(cli.run("config", "get-contexts").out())
        .startsWith("CURRENT   NAME   ENDPOINTS")
        .containsPattern("\\*         test   inprocess:\\S+   default\n")
        .containsPattern("\n          prod   m1:7070,m2:7070 +shop\n");
    assertThat(cli.run("config", "use-context", "prod").out())
        .isEqualTo("Switched to context \"prod\".\n");
    assertThat(cli.run("config", "current-context").out()).isEqualTo("prod\n");
    var stored = new ClientConfigStore(home.resolve(".drover/config")).load();
    assertThat(stored.context("prod").orElseThrow().credentials().token()).isEqualTo("t0k");
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(home.resolve(".drover/config"))))
        .isEqualTo("rw-------");
    assertThat(cli.run("config", "use-context", "nope").err())
        .isEqualTo("error: no context exists with the name \"nope\"\n");
    assertThat(cli.run("config", "set-context", "x", "--endpoint", "nohost").code()).isEqualTo(1);
  }

  @Test
  void contextOptionSelectsAnotherContextAndItsNamespace() {
    cli.run("config", "set-context", "other", "--endpoint", "127.0.0.1:1", "-n", "blue");
    Result unknown = cli.run("get", "pods", "--context", "missing");
    assertThat(unknown.code()).isEqualTo(1);
    assertThat(unknown.err()).contains("context \"missing\" does not exist");
    // The current context ("test") still works and its namespace is used.
    assertThat(cli.run("get", "pods").err()).contains("in default namespace");
  }

  @Test
  void contextNamedLikeACommandIsAnOptionValue() {
    // Dev mode writes a context called "dev", which is also the name of a command.
    cli.run("config", "set-context", "dev", "--endpoint", "127.0.0.1:1");
    for (String[] args :
        new String[][] {
          {"--context", "dev", "get", "nodes"},
          {"get", "nodes", "--context", "dev"},
          {"--context=dev", "get", "nodes"}
        }) {
      Result r = cli.run(args);
      assertThat(r.code()).as(String.join(" ", args)).isEqualTo(1);
      assertThat(r.err())
          .as(String.join(" ", args))
          .startsWith(
              "error: cannot connect to the Drover API at 127.0.0.1:1 (from context" + " \"dev\")");
    }
  }

  @Test
  void brokenConfigFileNamesTheKey() throws Exception {
    Path home = cli.home;
    Files.writeString(
        home.resolve(".drover/config"),
        "currentContext: a\ncontexts:\n- name: a\n  endpoint: [x:1]\n");
    Result r = cli.run("get", "pods");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("contexts[0].endpoint: unknown key");
  }
}
