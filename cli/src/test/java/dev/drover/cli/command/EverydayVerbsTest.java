package dev.drover.cli.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.drover.api.v1.Deployment;
import dev.drover.api.v1.Pod;
import dev.drover.client.DroverClient;
import dev.drover.embed.DroverTestCluster;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The everyday verbs (create, run, expose, label, annotate, patch, edit, wait, events -w) through
 * the CLI against a throwaway cluster on the simulated runtime, checking what kubectl users read
 * and what the cluster then holds. Each test works on objects of its own names.
 */
class EverydayVerbsTest {

  @RegisterExtension static DroverTestCluster cluster = DroverTestCluster.simulated();

  @TempDir static Path home;
  @TempDir Path dir;

  static ClusterCli.Run drover(String... args) {
    return new ClusterCli(cluster, home).run(args);
  }

  static ClusterCli.Run drover(Map<String, String> env, String... args) {
    return new ClusterCli(cluster, home).run(env, new StringWriter(), args);
  }

  static ClusterCli.Run ok(String... args) {
    return new ClusterCli(cluster, home).ok(args);
  }

  static Deployment deployment(String name) {
    try (DroverClient client = cluster.newClient()) {
      return client.deployments().get("default", name);
    }
  }

  @Test
  void createRunExposeAndWait() {
    assertThat(
            ok("create", "deployment", "shop", "--image=127.0.0.1:5000/busybox:1", "--replicas=2")
                .out())
        .isEqualTo("deployment.apps/shop created\n");
    Deployment shop = deployment("shop");
    assertThat(shop.getSpec().getReplicas()).isEqualTo(2);
    assertThat(shop.getSpec().getTemplate().getSpec().getContainers(0).getName())
        .isEqualTo("busybox");
    assertThat(shop.getSpec().getSelector().getMatchLabelsMap()).containsEntry("app", "shop");

    assertThat(ok("wait", "deploy/shop", "--for=condition=Available", "--timeout=60s").out())
        .isEqualTo("deployment.apps/shop condition met\n");
    assertThat(ok("wait", "pods", "-l", "app=shop", "--for=condition=Ready").out())
        .hasLineCount(2)
        .contains(" condition met");

    assertThat(ok("expose", "deployment", "shop", "--port=80", "--target-port=8080").out())
        .isEqualTo("service/shop exposed\n");
    ClusterCli.Run svc =
        ok("get", "svc", "shop", "-o", "jsonpath={.spec.selector.app} {.spec.ports[0].targetPort}");
    assertThat(svc.out()).isEqualTo("shop 8080");
    ClusterCli.Run noPort = drover("expose", "deploy/shop", "--name=other");
    assertThat(noPort.code()).isEqualTo(1);
    assertThat(noPort.err())
        .isEqualTo("error: couldn't find port via --port flag or introspection: give --port\n");

    assertThat(
            ok(
                    "run",
                    "tool",
                    "--image=127.0.0.1:5000/busybox:1",
                    "--restart=Never",
                    "--command",
                    "--",
                    "sleep",
                    "3600")
                .out())
        .isEqualTo("pod/tool created\n");
    try (DroverClient client = cluster.newClient()) {
      Pod tool = client.pods().get("default", "tool");
      assertThat(tool.getMetadata().getLabelsMap()).containsEntry("run", "tool");
      assertThat(tool.getSpec().getContainers(0).getCommandList()).containsExactly("sleep", "3600");
    }
    assertThat(ok("wait", "pod/tool", "--for=jsonpath={.status.phase}=Running").out())
        .isEqualTo("pod/tool condition met\n");

    ClusterCli.Run late = drover("wait", "deploy/shop", "--for=condition=Nope", "--timeout=1s");
    assertThat(late.code()).isEqualTo(1);
    assertThat(late.err())
        .isEqualTo("error: timed out waiting for the condition on deployments/shop\n");

    ok("delete", "pod", "tool");
    assertThat(ok("wait", "pod/tool", "--for=delete", "--timeout=60s").out())
        .isEqualTo("pod/tool condition met\n");
  }

  @Test
  void createNamespaceSecretAndConfigMap() throws Exception {
    assertThat(ok("create", "namespace", "team-a").out()).isEqualTo("namespace/team-a created\n");
    Path file = dir.resolve("app.properties");
    Files.writeString(file, "color=blue\n");
    assertThat(
            ok("create", "configmap", "settings", "--from-literal=mode=fast", "--from-file=" + file)
                .out())
        .isEqualTo("configmap/settings created\n");
    try (DroverClient client = cluster.newClient()) {
      assertThat(client.configMaps().get("default", "settings").getDataMap())
          .containsExactlyInAnyOrderEntriesOf(
              Map.of("mode", "fast", "app.properties", "color=blue\n"));
    }
    assertThat(
            ok(
                    "-n",
                    "team-a",
                    "create",
                    "secret",
                    "generic",
                    "db",
                    "--from-literal=password=s3cr3t")
                .out())
        .isEqualTo("secret/db created\n");
    try (DroverClient client = cluster.newClient()) {
      assertThat(client.secrets().get("team-a", "db").getDataMap().get("password").toStringUtf8())
          .isEqualTo("s3cr3t");
    }
    ClusterCli.Run twice = drover("create", "namespace", "team-a");
    assertThat(twice.code()).isEqualTo(1);
    assertThat(twice.err()).contains("AlreadyExists").contains("team-a");
    ClusterCli.Run dryRun =
        ok("create", "deployment", "draft", "--image=busybox", "--dry-run=client", "-o", "yaml");
    assertThat(dryRun.out()).contains("kind: Deployment").contains("name: draft");
    assertThat(drover("get", "deploy", "draft").code()).isEqualTo(1);
  }

  @Test
  void labelAndAnnotateAsKubectlDoes() {
    ok("create", "deployment", "tags", "--image=127.0.0.1:5000/busybox:1");
    assertThat(ok("label", "deploy", "tags", "tier=front").out())
        .isEqualTo("deployment.apps/tags labeled\n");
    ClusterCli.Run refused = drover("label", "deploy/tags", "tier=back");
    assertThat(refused.code()).isEqualTo(1);
    assertThat(refused.err())
        .isEqualTo("error: 'tier' already has a value (front), and --overwrite is false\n");
    assertThat(ok("label", "deploy/tags", "tier=back", "--overwrite").out())
        .isEqualTo("deployment.apps/tags labeled\n");
    assertThat(ok("label", "deploy/tags", "tier=back").out())
        .isEqualTo("deployment.apps/tags not labeled\n");
    assertThat(deployment("tags").getMetadata().getLabelsMap()).containsEntry("tier", "back");
    assertThat(ok("label", "deploy/tags", "tier-").out())
        .isEqualTo("deployment.apps/tags unlabeled\n");
    assertThat(deployment("tags").getMetadata().getLabelsMap()).doesNotContainKey("tier");

    assertThat(ok("annotate", "deploy", "tags", "owner=team-a").out())
        .isEqualTo("deployment.apps/tags annotated\n");
    ClusterCli.Run again = drover("annotate", "deploy", "tags", "owner=team-b");
    assertThat(again.err())
        .isEqualTo(
            "error: --overwrite is false but found the following declared annotation(s):"
                + " 'owner' already has a value (team-a)\n");
    assertThat(deployment("tags").getMetadata().getAnnotationsMap())
        .containsEntry("owner", "team-a");

    // By selector: every pod of the deployment.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> ok("get", "pods", "-l", "app=tags", "-o", "name").out().contains("pod/"));
    ClusterCli.Run pods = ok("label", "pods", "-l", "app=tags", "checked=yes");
    assertThat(pods.out()).matches("(pod/tags-\\S+ labeled\n)+");
    assertThat(drover("label", "pods", "checked=yes").code()).isEqualTo(2);
  }

  @Test
  void patchWithMergeAndJsonPatch() {
    ok("create", "deployment", "patchy", "--image=127.0.0.1:5000/busybox:1");
    assertThat(ok("patch", "deploy", "patchy", "-p", "{\"spec\":{\"replicas\":3}}").out())
        .isEqualTo("deployment.apps/patchy patched\n");
    assertThat(deployment("patchy").getSpec().getReplicas()).isEqualTo(3);
    assertThat(
            ok(
                    "patch",
                    "deploy/patchy",
                    "--type",
                    "merge",
                    "-p",
                    "{\"metadata\":{\"labels\":{\"x\":\"1\"}}}")
                .out())
        .isEqualTo("deployment.apps/patchy patched\n");
    assertThat(
            ok(
                    "patch",
                    "deploy/patchy",
                    "--type=json",
                    "-p",
                    "[{\"op\":\"test\",\"path\":\"/spec/replicas\",\"value\":3},"
                        + "{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":1},"
                        + "{\"op\":\"remove\",\"path\":\"/metadata/labels/x\"}]")
                .out())
        .isEqualTo("deployment.apps/patchy patched\n");
    Deployment patched = deployment("patchy");
    assertThat(patched.getSpec().getReplicas()).isEqualTo(1);
    assertThat(patched.getMetadata().getLabelsMap()).doesNotContainKey("x");

    assertThat(ok("patch", "deploy/patchy", "-p", "{\"spec\":{\"replicas\":1}}").out())
        .isEqualTo("deployment.apps/patchy patched (no change)\n");
    ClusterCli.Run failedTest =
        drover(
            "patch",
            "deploy/patchy",
            "--type=json",
            "-p",
            "[{\"op\":\"test\",\"path\":\"/spec/replicas\",\"value\":5}]");
    assertThat(failedTest.code()).isEqualTo(1);
    assertThat(failedTest.err())
        .isEqualTo("error: operation 0 (test) at \"/spec/replicas\": value is 1, not 5\n");
    ClusterCli.Run unknownField =
        drover("patch", "deploy/patchy", "-p", "{\"spec\":{\"replicaz\":2}}");
    assertThat(unknownField.code()).isEqualTo(1);
    assertThat(unknownField.err()).startsWith("error: spec.replicaz: ");
    ClusterCli.Run invalid = drover("patch", "deploy/patchy", "-p", "{\"spec\":{\"replicas\":-4}}");
    assertThat(invalid.code()).isEqualTo(1);
    assertThat(invalid.err()).contains("spec.replicas");
    assertThat(deployment("patchy").getSpec().getReplicas()).isEqualTo(1);
  }

  @Test
  void editWithAScriptedEditorAppliesTheChange() throws Exception {
    ok("create", "deployment", "edited", "--image=127.0.0.1:5000/busybox:1", "--replicas=2");
    ok("wait", "deploy/edited", "--for=condition=Available", "--timeout=60s");
    Path editor = script("sed -i 's/^  replicas: 2$/  replicas: 4/' \"$1\"\n");
    ClusterCli.Run edit = drover(Map.of("EDITOR", editor.toString()), "edit", "deployment/edited");
    assertThat(edit.code()).as(edit.err()).isZero();
    assertThat(edit.out()).isEqualTo("deployment.apps/edited edited\n");
    assertThat(deployment("edited").getSpec().getReplicas()).isEqualTo(4);

    ClusterCli.Run unchanged = drover(Map.of("KUBE_EDITOR", "true"), "edit", "deploy", "edited");
    assertThat(unchanged.code()).isZero();
    assertThat(unchanged.err()).isEqualTo("Edit cancelled, no changes made.\n");

    // An invalid edit re-opens with the problem on top; saving it unchanged gives up.
    Path invalid = script("sed -i 's/^  replicas: 4$/  replicaz: 4/' \"$1\"\n");
    ClusterCli.Run bad = drover(Map.of("EDITOR", invalid.toString()), "edit", "deploy/edited");
    assertThat(bad.code()).isEqualTo(1);
    assertThat(bad.err())
        .startsWith("error: Edit cancelled, no valid changes were saved: spec.replicaz: ")
        .contains("A copy of your changes has been stored to");
    assertThat(deployment("edited").getSpec().getReplicas()).isEqualTo(4);
  }

  @Test
  void aConcurrentUpdateDuringEditIsAConflictNotALostUpdate() throws Exception {
    ok("create", "deployment", "raced", "--image=127.0.0.1:5000/busybox:1", "--replicas=2");
    ok("wait", "deploy/raced", "--for=condition=Available", "--timeout=60s");
    // The editor changes the file, says so, then waits on a FIFO until the test has written
    // the object behind its back.
    Path edited = dir.resolve("edited");
    Path go = dir.resolve("go");
    assertThat(new ProcessBuilder("mkfifo", go.toString()).start().waitFor()).isZero();
    Path editor =
        script(
            "sed -i 's/^  replicas: 2$/  replicas: 5/' \"$1\"\n"
                + "touch '"
                + edited
                + "'\n"
                + "read line < '"
                + go
                + "'\n");
    CompletableFuture<ClusterCli.Run> edit =
        CompletableFuture.supplyAsync(
            () -> drover(Map.of("EDITOR", editor.toString()), "edit", "deploy/raced"));
    await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(edited));
    ok("label", "deploy/raced", "touched=meanwhile");
    Files.writeString(go, "go\n");
    ClusterCli.Run run = edit.get();

    assertThat(run.code()).isEqualTo(1);
    assertThat(run.out()).isEmpty();
    assertThat(run.err())
        .startsWith(
            "error: deployments \"raced\" could not be updated: the object has been modified"
                + " since it was read");
    Matcher kept = Pattern.compile("stored to \"([^\"]+)\"").matcher(run.err());
    assertThat(kept.find()).isTrue();
    assertThat(Files.readString(Path.of(kept.group(1)))).contains("  replicas: 5");
    Files.delete(Path.of(kept.group(1)));
    // Neither update is lost: the label written meanwhile stays, the edit was not applied.
    Deployment raced = deployment("raced");
    assertThat(raced.getMetadata().getLabelsMap()).containsEntry("touched", "meanwhile");
    assertThat(raced.getSpec().getReplicas()).isEqualTo(2);
  }

  @Test
  void eventsWatchPrintsNewEvents() throws Exception {
    StringWriter out = new StringWriter();
    Thread watcher =
        new Thread(
            () ->
                new ClusterCli(cluster, home)
                    .run(Map.of(), out, "events", "-w", "--for", "pod/watched"));
    watcher.start();
    try {
      ok("run", "watched", "--image=127.0.0.1:5000/busybox:1");
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () ->
                  assertThat(out.toString())
                      .contains("LAST SEEN")
                      .contains("Scheduled")
                      .contains("pod/watched"));
    } finally {
      watcher.interrupt();
      watcher.join(Duration.ofSeconds(30).toMillis());
    }
    assertThat(watcher.isAlive()).isFalse();
    try (DroverClient client = cluster.newClient()) {
      assertThat(client.pods().get("default", "watched").getMetadata().getName())
          .isEqualTo("watched");
    }
  }

  @Test
  void topOnTheSimulatedRuntimeSaysItHasNoStatistics() {
    ok("run", "idle", "--image=127.0.0.1:5000/busybox:1");
    ok("wait", "pod/idle", "--for=condition=Ready", "--timeout=60s");
    ClusterCli.Run top = drover("top", "pods", "idle");
    assertThat(top.code()).isEqualTo(1);
    assertThat(top.err())
        .isEqualTo(
            "error: metrics not available for pod idle: node agent: this runtime keeps no"
                + " container statistics\n");
  }

  private Path script(String body) throws Exception {
    Path file = Files.createTempFile(dir, "editor-", ".sh");
    Files.writeString(file, "#!/bin/sh\nset -e\n" + body);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
    return file;
  }
}
