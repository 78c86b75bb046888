package dev.drover.cli.command;

import static dev.drover.testing.TestObjects.deploymentWithStatus;
import static dev.drover.testing.TestObjects.runningPod;
import static dev.drover.testing.TestObjects.stuckPod;
import static dev.drover.testing.TestObjects.wrap;
import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.api.v1.DeleteRequest;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.LogsRequest;
import dev.drover.api.v1.NodeActionRequest;
import dev.drover.api.v1.NodeActionResponse;
import dev.drover.api.v1.NodeActionType;
import dev.drover.api.v1.RollbackRequest;
import dev.drover.api.v1.RolloutActionRequest;
import dev.drover.api.v1.RolloutActionType;
import dev.drover.api.v1.ScaleRequest;
import dev.drover.cli.core.CliHarness;
import dev.drover.cli.core.CliHarness.Result;
import dev.drover.cli.core.CliHarnessExtension;
import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(CliHarnessExtension.class)
class VerbsTest {

  @TempDir Path dir;
  CliHarness cli;

  @BeforeEach
  void setUp() {
    cli.service.put(wrap(runningPod("web-1", "n1", 0)), CliHarness.NOW);
    cli.service.put(wrap(runningPod("web-2", "n1", 0)), CliHarness.NOW);
    cli.service.put(wrap(deploymentWithStatus("web", 2, 2)), CliHarness.NOW);
  }

  @Test
  void deleteByNameReportsEachAndFailsForTheMissingOne() {
    Result r = cli.run("delete", "pod", "web-1", "ghost", "--grace-period", "0");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.out()).isEqualTo("pod \"web-1\" deleted\n");
    assertThat(r.err()).isEqualTo("Error from server (NotFound): pods \"ghost\" not found\n");
    DeleteRequest request = (DeleteRequest) cli.service.requests.get(0);
    assertThat(request.getGracePeriodSeconds()).isZero();
    assertThat(request.hasGracePeriodSeconds()).isTrue();
    assertThat(cli.service.stored(Kind.KIND_POD, "default", "web-1")).isNull();
  }

  @Test
  void deleteBySelectorAndByKindSlashName() {
    Result r = cli.run("delete", "pods", "-l", "app=web", "--force");
    assertThat(r.code()).isZero();
    assertThat(r.out()).isEqualTo("pod \"web-1\" force deleted\npod \"web-2\" force deleted\n");
    assertThat(cli.run("delete", "deploy/web").out()).isEqualTo("deployment \"web\" deleted\n");
  }

  @Test
  void deleteFromAManifest() throws Exception {
    Path file = dir.resolve("web.yaml");
    Files.writeString(file, ApplyCommandTest.WEB);
    cli.run("apply", "-f", file.toString());
    Result r = cli.run("delete", "-f", file.toString());
    assertThat(r.code()).isZero();
    assertThat(r.out()).isEqualTo("deployment \"web\" deleted\nservice \"web\" deleted\n");
    assertThat(cli.service.stored(Kind.KIND_SERVICE, "default", "web")).isNull();
  }

  @Test
  void deleteWithoutTargetsIsAUsageError() {
    assertThat(cli.run("delete").code()).isEqualTo(2);
    assertThat(cli.run("delete", "pods").code()).isEqualTo(2);
  }

  @Test
  void scaleSendsTheReplicaCount() {
    Result r = cli.run("scale", "deployment/web", "--replicas", "5");
    assertThat(r.code()).isZero();
    assertThat(r.out()).isEqualTo("deployment.apps/web scaled\n");
    ScaleRequest request = (ScaleRequest) cli.service.requests.get(0);
    assertThat(request.getReplicas()).isEqualTo(5);
    assertThat(request.getKind()).isEqualTo(Kind.KIND_DEPLOYMENT);
    assertThat(cli.run("scale", "svc/web", "--replicas", "1").code()).isEqualTo(2);
    assertThat(cli.run("scale", "deploy/nope", "--replicas", "1").err())
        .isEqualTo("Error from server (NotFound): deployments \"nope\" not found\n");
  }

  @Test
  void rolloutVerbs() {
    assertThat(cli.run("rollout", "restart", "deployment/web").out())
        .isEqualTo("deployment.apps/web restarted\n");
    assertThat(((RolloutActionRequest) cli.service.requests.get(0)).getAction())
        .isEqualTo(RolloutActionType.ROLLOUT_ACTION_TYPE_RESTART);
    assertThat(cli.run("rollout", "pause", "web").out()).isEqualTo("deployment.apps/web paused\n");
    assertThat(cli.run("rollout", "undo", "deploy/web", "--to-revision", "2").out())
        .isEqualTo("deployment.apps/web rolled back\n");
    assertThat(((RollbackRequest) cli.service.requests.get(2)).getRevision()).isEqualTo(2);
    Result missing = cli.run("rollout", "undo", "web", "--to-revision", "99");
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err())
        .isEqualTo("Error from server (FailedPrecondition): deployment web has no revision 99\n");
    assertThat(cli.run("rollout").code()).isEqualTo(2);
  }

  @Test
  void rolloutStatusOfAFinishedDeployment() {
    Result r = cli.run("rollout", "status", "deployment/web");
    assertThat(r.code()).isZero();
    assertThat(r.out()).endsWith("deployment.apps/web successfully rolled out\n");
  }

  @Test
  void rolloutStatusShowsProgressAndTheStuckPodUntilItTimesOut() {
    cli.service.put(wrap(deploymentWithStatus("web", 2, 1)), CliHarness.NOW);
    cli.service.put(wrap(stuckPod("web-0", "ImagePullBackOff")), CliHarness.NOW);
    cli.clock = java.time.Clock.systemUTC();
    Result plain = cli.run("rollout", "status", "deployment/web", "--timeout", "1s");
    assertThat(plain.code()).isEqualTo(1);
    assertThat(plain.out())
        .isEqualTo("deployment.apps/web: 1/2 ready, web-0 web: ImagePullBackOff (pull failed)\n");
    assertThat(plain.err())
        .isEqualTo(
            "error: timed out after 1s waiting for deployment.apps/web:"
                + " 1/2 ready, web-0 web: ImagePullBackOff (pull failed)\n");

    cli.terminal = true;
    Result live = cli.run("rollout", "status", "deployment/web", "--timeout", "1s");
    assertThat(live.code()).isEqualTo(1);
    assertThat(live.out())
        .contains(
            "\033[2K\rdeployment.apps/web  [##########----------]  1/2"
                + " ready, web-0 web: ImagePullBackOff (pull failed)");
    // Each redraw clips instead of wrapping (a wrapped row would be left behind) and turns
    // wrapping back on before anything else is printed.
    assertThat(live.out()).startsWith(ReadinessWaiter.NO_WRAP).endsWith(ReadinessWaiter.WRAP);
    assertThat(live.out().split(java.util.regex.Pattern.quote(ReadinessWaiter.NO_WRAP), -1))
        .hasSameSizeAs(live.out().split(java.util.regex.Pattern.quote(ReadinessWaiter.WRAP), -1));
  }

  @Test
  void nodeVerbs() {
    assertThat(cli.run("cordon", "n1").out()).isEqualTo("node/n1 cordoned\n");
    assertThat(cli.run("uncordon", "n1").out()).isEqualTo("node/n1 uncordoned\n");
    Result drain = cli.run("drain", "n1", "--ignore-daemonsets");
    assertThat(drain.out())
        .isEqualTo("node/n1 cordoned\nevicting pod default/web-1\nnode/n1 drained\n");
    NodeActionRequest request = (NodeActionRequest) cli.service.requests.get(2);
    assertThat(request.getAction()).isEqualTo(NodeActionType.NODE_ACTION_TYPE_DRAIN);
    assertThat(request.getIgnoreDaemonSets()).isTrue();
  }

  private static NodeActionResponse drainAnswer(List<String> evicted, List<String> waiting) {
    NodeActionResponse.Builder b = NodeActionResponse.newBuilder();
    evicted.forEach(
        n -> b.addEvictedPodsBuilder().setKind(Kind.KIND_POD).setNamespace("default").setName(n));
    waiting.forEach(
        n -> b.addWaitingPodsBuilder().setKind(Kind.KIND_POD).setNamespace("default").setName(n));
    return b.build();
  }

  @Test
  void drainRepeatsUntilNoPodWaitsForItsDeployment() {
    cli.clock = java.time.Clock.systemUTC();
    cli.service.drainAnswers.add(drainAnswer(List.of("web-0"), List.of("web-1", "web-2")));
    cli.service.drainAnswers.add(drainAnswer(List.of("web-1"), List.of("web-2")));
    cli.service.drainAnswers.add(drainAnswer(List.of("web-2"), List.of()));
    Result drain = cli.run("drain", "n1");
    assertThat(drain.code()).isZero();
    assertThat(drain.out())
        .isEqualTo(
            "node/n1 cordoned\n"
                + "evicting pod default/web-0\n"
                + "waiting to evict pod default/web-1: its Deployment has no available pod to spare yet\n"
                + "waiting to evict pod default/web-2: its Deployment has no available pod to spare yet\n"
                + "evicting pod default/web-1\n"
                + "evicting pod default/web-2\n"
                + "node/n1 drained\n");
    assertThat(cli.service.requests).filteredOn(NodeActionRequest.class::isInstance).hasSize(3);
  }

  @Test
  void drainGivesUpAfterItsTimeoutWithPodsStillWaiting() {
    cli.clock = java.time.Clock.systemUTC();
    cli.service.drainAnswers.add(drainAnswer(List.of(), List.of("web-1")));
    Result drain = cli.run("drain", "n1", "--timeout", "0s");
    assertThat(drain.code()).isEqualTo(1);
    assertThat(drain.err())
        .isEqualTo("error: timed out after 0s draining node/n1; 1 pod(s) still waiting\n");
    assertThat(cli.run("drain", "n1", "--timeout", "soon").err())
        .contains("invalid duration \"soon\"");
  }

  @Test
  void logsStreamTheOutputWithTheRequestedOptions() {
    cli.service.logLines.add("hello");
    cli.service.logLines.add("world");
    Result r = cli.run("logs", "web-1", "-c", "web", "--tail", "2", "--since", "5m", "--previous");
    assertThat(r.code()).isZero();
    assertThat(r.out()).isEqualTo("hello\nworld\n");
    LogsRequest request = (LogsRequest) cli.service.requests.get(0);
    assertThat(request.getContainer()).isEqualTo("web");
    assertThat(request.getTailLines()).isEqualTo(2);
    assertThat(request.getSinceSeconds()).isEqualTo(300);
    assertThat(request.getPrevious()).isTrue();
    assertThat(cli.run("logs", "ghost").err())
        .isEqualTo("Error from server (NotFound): pods \"ghost\" not found\n");
    assertThat(cli.run("logs", "web-1", "--since", "soon").code()).isEqualTo(2);
  }

  @Test
  void logsOfANamedContainerShowTheServersReasonUnchanged() {
    cli.service.failure =
        Status.NOT_FOUND
            .withDescription("no running container \"init\" in pod web-1")
            .asRuntimeException();
    assertThat(cli.run("logs", "web-1", "-c", "init").err())
        .isEqualTo("Error from server (NotFound): no running container \"init\" in pod web-1\n");
  }

  @Test
  void logsOfAWorkloadReadOneOfItsPodsAndSayWhich() {
    cli.service.logLines.add("serving on :8080");
    cli.service.put(wrap(stuckPod("web-0", "ImagePullBackOff")), CliHarness.NOW);
    Result r = cli.run("logs", "deployment/web");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).isEqualTo("serving on :8080\n");
    // A running pod wins over the stuck web-0, which sorts first by name.
    assertThat(r.err()).isEqualTo("Found 3 pods, using pod/web-1\n");
    assertThat(cli.service.requests)
        .filteredOn(LogsRequest.class::isInstance)
        .extracting(q -> ((LogsRequest) q).getPod())
        .containsExactly("web-1");

    cli.service.put(wrap(deploymentWithStatus("idle", 1, 0)), CliHarness.NOW);
    Result none = cli.run("logs", "deploy/idle");
    assertThat(none.code()).isEqualTo(1);
    assertThat(none.err()).contains("deployment/idle has no pods yet");
    assertThat(cli.run("logs", "service/web").code()).isEqualTo(2);
  }

  @Test
  void versionAndClusterInfo() {
    assertThat(cli.run("version").out())
        .isEqualTo("Client Version: 0.1.0\nServer Version: 0.1.0-test\n");
    assertThat(cli.run("version", "--client").out()).isEqualTo("Client Version: 0.1.0\n");
    Result info = cli.run("cluster", "info");
    assertThat(info.code()).isZero();
    assertThat(info.out())
        .contains("ID   ADDRESS          ROLE     ACTIVE")
        .contains("m1   127.0.0.1:7070   Leader   yes");
  }

  @Test
  void describeShowsSummaryAndEvents() {
    Result r = cli.run("describe", "deployment", "web");
    assertThat(r.code()).isZero();
    assertThat(r.out())
        .contains("Name:         web")
        .contains("Replicas:     2 desired | 2 updated | 2 total | 2 available | 0 unavailable")
        .contains("Spec:\n  replicas: 2")
        .contains("Events:  <none>");
    assertThat(cli.run("describe", "pod/web-1").out())
        .contains("  containers:\n    - name: web\n      image: busybox:1\n");
  }

  @Test
  void eventsListsTheNamespaceOrOneObject() {
    cli.service.put(
        dev.drover.api.ApiObjects.wrap(
            Kind.KIND_EVENT,
            dev.drover.api.v1.Event.newBuilder()
                .setMetadata(
                    dev.drover.api.v1.ObjectMeta.newBuilder().setName("e1").setNamespace("default"))
                .setInvolvedObject(
                    dev.drover.api.v1.ObjectReference.newBuilder()
                        .setKind(Kind.KIND_POD)
                        .setName("web-1"))
                .setReason("Pulled")
                .setMessage("image pulled")
                .setLastTimestamp(
                    dev.drover.api.ApiObjects.timestamp(CliHarness.NOW.minusSeconds(30)))
                .build()),
        CliHarness.NOW);
    Result r = cli.run("events", "--for", "pod/web-1");
    assertThat(r.out())
        .isEqualTo(
            "LAST SEEN   TYPE     REASON   OBJECT      MESSAGE\n"
                + "30s         Normal   Pulled   pod/web-1   image pulled\n");
    assertThat(cli.run("events", "--for", "pod/web-2").err()).contains("No events found");
    assertThat(cli.run("describe", "pod", "web-1").out())
        .contains("Normal   Pulled   30s   ")
        .contains("image pulled");
  }

  @Test
  void serverErrorsOfEveryCodeAreNamed() {
    cli.service.failure = Status.PERMISSION_DENIED.withDescription("no").asRuntimeException();
    assertThat(cli.run("get", "pods").err()).isEqualTo("Error from server (Forbidden): no\n");
    cli.service.failure = Status.UNAVAILABLE.withDescription("no leader").asRuntimeException();
    Result r = cli.run("get", "pods");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("Error from server (ServiceUnavailable): no leader\n");
  }
}
