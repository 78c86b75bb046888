package dev.drover.cli.command;

import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.api.v1.Kind;
import dev.drover.cli.core.CliHarness;
import dev.drover.cli.core.CliHarness.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code drover diff}, {@code apply --dry-run} and {@code apply --prune -l}: the diff shows exactly
 * the lines a modified manifest changes, and pruning deletes only the labelled objects an earlier
 * apply wrote that the files no longer hold.
 */
class DiffPruneTest {
  @TempDir Path home;
  @TempDir Path dir;
  CliHarness cli;

  @BeforeEach
  void setUp() throws Exception {
    cli = new CliHarness(home);
  }

  @AfterEach
  void tearDown() throws Exception {
    cli.close();
  }

  private String write(String name, String text) throws Exception {
    Path file = dir.resolve(name);
    Files.writeString(file, text);
    return file.toString();
  }

  private static List<String> changedLines(String diff) {
    return Arrays.stream(diff.split("\n"))
        .filter(l -> (l.startsWith("-") || l.startsWith("+")) && !l.startsWith("---"))
        .filter(l -> !l.startsWith("+++"))
        .toList();
  }

  @Test
  void diffShowsExactlyTheChangedLines() throws Exception {
    String file = write("web.yaml", ApplyCommandTest.WEB);
    assertThat(cli.run("apply", "-f", file).code()).isZero();

    Result same = cli.run("diff", "-f", file);
    assertThat(same.code()).as(same.err()).isZero();
    assertThat(same.out()).isEmpty();

    String changed =
        write(
            "web2.yaml",
            ApplyCommandTest.WEB
                .replace("replicas: 2", "replicas: 5")
                .replace("image: busybox:1", "image: busybox:2"));
    Result diff = cli.run("diff", "-f", changed);
    assertThat(diff.code()).as(diff.err()).isEqualTo(1);
    assertThat(diff.out())
        .startsWith(
            "--- live/default/deployment.apps/web\n+++ merged/default/deployment.apps/web\n@@ ");
    assertThat(changedLines(diff.out()))
        .containsExactly(
            "-  replicas: 2",
            "+  replicas: 5",
            "-        image: busybox:1",
            "+        image: busybox:2");

    Result dry = cli.run("apply", "--dry-run", "-f", changed);
    assertThat(dry.code()).isZero();
    assertThat(dry.out())
        .startsWith(
            "deployment.apps/web configured (dry run)\n--- live/default/deployment.apps/web")
        .contains("service/web unchanged (dry run)");
    assertThat(changedLines(dry.out())).isEqualTo(changedLines(diff.out()));
  }

  @Test
  void pruneDeletesOnlyLabelledObjectsAppliedBeforeAndNoLongerInTheFiles() throws Exception {
    String both =
        write(
            "all.yaml",
            """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: keep, labels: {app: web}}
            data: {a: "1"}
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: drop, labels: {app: web}}
            data: {a: "1"}
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: other, labels: {app: db}}
            data: {a: "1"}
            """);
    assertThat(cli.run("apply", "-f", both).code()).isZero();
    // Same label, but not written by apply (as a controller's object would be): never pruned.
    cli.service.put(
        dev.drover.testing.TestObjects.wrap(
            dev.drover.api.v1.ConfigMap.newBuilder()
                .setMetadata(
                    dev.drover.api.v1.ObjectMeta.newBuilder()
                        .setName("manual")
                        .setNamespace("default")
                        .putLabels("app", "web"))
                .build()),
        CliHarness.NOW);
    String onlyKeep =
        write(
            "keep.yaml",
            """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: keep, labels: {app: web}}
            data: {a: "2"}
            """);

    Result usage = cli.run("apply", "--prune", "-f", onlyKeep);
    assertThat(usage.code()).isEqualTo(2);
    assertThat(usage.err()).contains("--prune needs -l SELECTOR");

    Result dry = cli.run("apply", "--prune", "-l", "app=web", "--dry-run", "-f", onlyKeep);
    assertThat(dry.out()).contains("configmap/drop pruned (dry run)");
    assertThat(names()).containsExactlyInAnyOrder("keep", "drop", "other", "manual");

    Result pruned = cli.run("apply", "--prune", "-l", "app=web", "-f", onlyKeep);
    assertThat(pruned.code()).as(pruned.err()).isZero();
    assertThat(pruned.out()).isEqualTo("configmap/keep configured\nconfigmap/drop pruned\n");
    assertThat(names()).containsExactlyInAnyOrder("keep", "other", "manual");
  }

  private List<String> names() {
    return cli.service.objects(Kind.KIND_CONFIG_MAP).stream()
        .map(o -> o.getConfigMap().getMetadata().getName())
        .toList();
  }
}
