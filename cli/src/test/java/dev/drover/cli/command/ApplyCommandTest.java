package dev.drover.cli.command;

import static dev.drover.testing.TestObjects.runningPod;
import static dev.drover.testing.TestObjects.stuckPod;
import static dev.drover.testing.TestObjects.wrap;
import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.api.ApiObjects;
import dev.drover.api.v1.ApplyRequest;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Object;
import dev.drover.cli.core.CliHarness;
import dev.drover.cli.core.CliHarness.Result;
import dev.drover.cli.core.CliHarnessExtension;
import dev.drover.testing.TestObjects;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code drover apply}, {@code drover diff}, {@code apply --dry-run} (a diff showing exactly the
 * lines a modified manifest changes) and {@code apply --prune -l} (deleting only the labelled
 * objects an earlier apply wrote that the files no longer hold).
 */
@ExtendWith(CliHarnessExtension.class)
class ApplyCommandTest {

  static final String WEB =
      """
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: web
      spec:
        replicas: 2
        selector:
          matchLabels: {app: web}
        template:
          metadata:
            labels: {app: web}
          spec:
            containers:
            - name: web
              image: busybox:1
      ---
      apiVersion: v1
      kind: Service
      metadata:
        name: web
      spec:
        selector: {app: web}
        ports:
        - port: 80
      """;

  @TempDir Path dir;
  CliHarness cli;

  private String write(String name, String text) throws Exception {
    Path file = dir.resolve(name);
    Files.writeString(file, text);
    return file.toString();
  }

  @Test
  void createsThenReportsUnchangedThenConfigured() throws Exception {
    String file = write("web.yaml", WEB);
    Result first = cli.run("apply", "-f", file);
    assertThat(first.code()).isZero();
    assertThat(first.out()).isEqualTo("deployment.apps/web created\nservice/web created\n");
    ApplyRequest request = (ApplyRequest) cli.service.requests.get(0);
    assertThat(request.getObjectsCount()).isEqualTo(2);
    assertThat(request.getFieldManager()).isEqualTo("drover-cli");
    assertThat(ApiObjects.meta(request.getObjects(0)).getNamespace()).isEqualTo("default");

    assertThat(cli.run("apply", "-f", file).out())
        .isEqualTo("deployment.apps/web unchanged\nservice/web unchanged\n");

    write("web.yaml", WEB.replace("replicas: 2", "replicas: 3"));
    assertThat(cli.run("apply", "-f", file).out())
        .isEqualTo("deployment.apps/web configured\nservice/web unchanged\n");
  }

  @Test
  void readsStdinAndDirectoriesAndHonoursNamespaceAndDryRun() throws Exception {
    cli.stdin = WEB;
    Result r = cli.run("apply", "-f", "-", "--dry-run", "-n", "shop");
    assertThat(r.code()).isZero();
    // A dry run also prints each new object as a diff against nothing (every line added).
    assertThat(r.out().lines().filter(l -> !l.matches("^(---|\\+\\+\\+|@@|\\+).*")))
        .containsExactly("deployment.apps/web created (dry run)", "service/web created (dry run)");
    assertThat(r.out()).contains("+++ merged/shop/deployment.apps/web\n@@ -0,0 +1,");
    ApplyRequest request = (ApplyRequest) cli.service.requests.get(0);
    assertThat(request.getDryRun()).isTrue();
    assertThat(ApiObjects.meta(request.getObjects(1)).getNamespace()).isEqualTo("shop");
    assertThat(cli.service.stored(Kind.KIND_DEPLOYMENT, "shop", "web")).isNull();

    write("a.yaml", WEB);
    assertThat(cli.run("apply", "-f", dir.toString()).out()).contains("service/web created");
  }

  @Test
  void namespaceConflictIsAnErrorAndNothingIsSent() throws Exception {
    String file =
        write(
            "ns.yaml",
            WEB.replace(
                "name: web\nspec:\n  replicas", "name: web\n  namespace: prod\nspec:\n  replicas"));
    Result r = cli.run("apply", "-f", file, "-n", "dev");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("ns.yaml:1").contains("does not match --namespace \"dev\"");
    assertThat(cli.service.requests).isEmpty();
  }

  @Test
  void badRequestFromTheServerGivesOneLinePerFieldWithTheFileAndLine() throws Exception {
    String file =
        write(
            "pod.yaml",
            """
        apiVersion: v1
        kind: Pod
        metadata:
          name: ok
        spec:
          containers:
          - name: a
            image: busybox:1
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: x
        spec:
          containers:
          - name: a
            image: ""
          - name: b
            image: ""
        """);
    Result r = cli.run("apply", "-f", file);
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err())
        .isEqualTo(
            "error: "
                + file
                + ":10: Pod \"x\" is invalid: spec.containers[0].image: must not be empty\n"
                + "error: "
                + file
                + ":10: Pod \"x\" is invalid: spec.containers[1].image: must not be"
                + " empty\n");
    assertThat(cli.service.stored(Kind.KIND_POD, "default", "ok")).isNull();
  }

  @Test
  void manifestErrorsNameFileLineAndPathAndSendNothing() throws Exception {
    String file = write("bad.yaml", WEB.replace("replicas: 2", "replicas: 2\n  replicaz: 3"));
    Result r = cli.run("apply", "-f", file);
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).startsWith("error: " + file + ":7: spec.replicaz: ");
    assertThat(cli.service.requests).isEmpty();

    Result lenient = cli.run("apply", "-f", file, "--ignore-unknown");
    assertThat(lenient.code()).isZero();
    assertThat(lenient.err()).startsWith("warning: " + file + ":7: spec.replicaz");
  }

  /**
   * The five mistakes a newcomer makes (the parser's own tests pin each message): through {@code
   * drover apply}, next to a good manifest, each gives exactly one error line naming the file, the
   * line and the field, exit code 1, and no request reaches the cluster.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "bad-indentation.yaml, 8, invalid YAML",
    "unknown-field.yaml, 17, spec.template.spec.containers[0].lifecycle",
    "wrong-type.yaml, 9, spec.containers[0].command",
    "missing-name.yaml, 3, metadata.name",
    "invalid-quantity.yaml, 12, spec.containers[0].resources.requests.memory"
  })
  void eachBadManifestGivesOneLineAndChangesNothing(String name, int line, String field)
      throws Exception {
    Path bad = Path.of("../client/src/test/resources/manifests/bad", name).toAbsolutePath();
    Files.copy(bad, dir.resolve("2-" + name));
    write("1-good.yaml", WEB);
    Result r = cli.run("apply", "-f", dir.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.out()).isEmpty();
    assertThat(r.err().lines().toList())
        .singleElement()
        .asString()
        .startsWith("error: " + dir.resolve("2-" + name) + ":" + line + ": " + field);
    assertThat(cli.service.requests).isEmpty();
  }

  @Test
  void missingFileIsAnError() {
    Result r = cli.run("apply", "-f", dir.resolve("nope.yaml").toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("does not exist");
  }

  @Test
  void missingFileOptionIsAUsageError() {
    assertThat(cli.run("apply").code()).isEqualTo(2);
  }

  @Test
  void waitPrintsPlainProgressWithTheStuckReasonUntilReady() throws Exception {
    String file = write("web.yaml", WEB);
    cli.service.put(wrap(stuckPod("web-abc", "ImagePullBackOff")), CliHarness.NOW);
    AtomicInteger reads = new AtomicInteger();
    cli.service.onGet =
        object -> {
          if (!object.hasDeployment()) {
            return object;
          }
          int ready = Math.min(2, reads.getAndIncrement() / 2);
          Object.Builder next = object.toBuilder();
          next.getDeploymentBuilder()
              .getStatusBuilder()
              .setObservedGeneration(1)
              .setReplicas(2)
              .setUpdatedReplicas(2)
              .setReadyReplicas(ready)
              .setAvailableReplicas(ready);
          if (ready == 2) {
            cli.service.put(wrap(runningPod("web-abc", "n1", 0)), CliHarness.NOW);
          }
          return next.build();
        };
    Result r = cli.run("apply", "-f", file, "--wait");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("deployment.apps/web created")
        .contains("deployment.apps/web: 0/2 ready, web-abc web: ImagePullBackOff (pull failed)")
        .contains("deployment.apps/web: 1/2 ready")
        .endsWith("deployment.apps/web is ready\n")
        .doesNotContain("\033[");
  }

  static final String JOB =
      """
      apiVersion: batch/v1
      kind: Job
      metadata:
        name: once
      spec:
        template:
          spec:
            restartPolicy: Never
            containers:
            - name: main
              image: busybox:1
      """;

  @Test
  void waitOnAJobWaitsForCompletionAndSaysComplete() throws Exception {
    String file = write("job.yaml", JOB);
    AtomicInteger reads = new AtomicInteger();
    cli.service.onGet =
        object -> {
          if (!object.hasJob() || reads.getAndIncrement() == 0) {
            return object;
          }
          Object.Builder next = object.toBuilder();
          next.getJobBuilder()
              .getStatusBuilder()
              .setSucceeded(1)
              .addConditions(TestObjects.condition("Complete", true));
          return next.build();
        };
    Result r = cli.run("apply", "-f", file, "--wait");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("job.batch/once: 0/1 succeeded")
        .endsWith("job.batch/once complete\n")
        .doesNotContain("ready");
  }

  @Test
  void waitOnAFailedJobSaysItFailed() throws Exception {
    String file = write("job.yaml", JOB);
    cli.service.onGet =
        object -> {
          if (!object.hasJob()) {
            return object;
          }
          Object.Builder next = object.toBuilder();
          next.getJobBuilder()
              .getStatusBuilder()
              .addConditions(
                  TestObjects.condition("Failed", true)
                      .setReason("BackoffLimitExceeded")
                      .setMessage("Job has reached the specified backoff limit"));
          return next.build();
        };
    Result r = cli.run("apply", "-f", file, "--wait");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err())
        .contains(
            "error: job.batch/once failed: BackoffLimitExceeded: Job has reached the specified"
                + " backoff limit");
  }

  @Test
  void applyPrintsTheServersWarnings() throws Exception {
    cli.service.onApply =
        result ->
            result.getObject().hasService()
                ? result.toBuilder().addWarnings("no external load balancer is provisioned").build()
                : result;
    String file = write("web.yaml", WEB);
    Result r = cli.run("apply", "-f", file);
    assertThat(r.code()).isZero();
    assertThat(r.err()).contains("Warning: service/web: no external load balancer is provisioned");
  }

  @Test
  void waitOnATerminalDrawsAProgressBar() throws Exception {
    String file = write("web.yaml", WEB);
    AtomicInteger reads = new AtomicInteger();
    cli.service.onGet =
        object -> {
          Object.Builder next = object.toBuilder();
          if (object.hasDeployment() && reads.getAndIncrement() > 0) {
            next.getDeploymentBuilder()
                .getStatusBuilder()
                .setObservedGeneration(1)
                .setReplicas(2)
                .setUpdatedReplicas(2)
                .setReadyReplicas(2)
                .setAvailableReplicas(2);
          }
          return next.build();
        };
    cli.terminal = true;
    Result r = cli.run("apply", "-f", file, "--wait");
    assertThat(r.code()).isZero();
    assertThat(r.out())
        .contains("[--------------------]  0/2 ready")
        .contains("\033[1A")
        .contains("[####################]  2/2 ready");
  }

  private static List<String> changedLines(String diff) {
    return Arrays.stream(diff.split("\n"))
        .filter(l -> (l.startsWith("-") || l.startsWith("+")) && !l.startsWith("---"))
        .filter(l -> !l.startsWith("+++"))
        .toList();
  }

  @Test
  void diffShowsExactlyTheChangedLines() throws Exception {
    String file = write("web.yaml", WEB);
    assertThat(cli.run("apply", "-f", file).code()).isZero();

    Result same = cli.run("diff", "-f", file);
    assertThat(same.code()).as(same.err()).isZero();
    assertThat(same.out()).isEmpty();

    String changed =
        write(
            "web2.yaml",
            WEB.replace("replicas: 2", "replicas: 5")
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
