package dev.drover.cli.command;

import static dev.drover.testing.TestObjects.deploymentWithStatus;
import static dev.drover.testing.TestObjects.runningPod;
import static dev.drover.testing.TestObjects.stuckPod;
import static dev.drover.testing.TestObjects.workerNode;
import static dev.drover.testing.TestObjects.wrap;
import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.api.v1.ListRequest;
import dev.drover.api.v1.WatchEventType;
import dev.drover.cli.core.CliHarness;
import dev.drover.cli.core.CliHarness.Result;
import dev.drover.cli.core.CliHarnessExtension;
import dev.drover.cli.core.FakeControlService;
import dev.drover.client.manifest.ManifestParser;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(CliHarnessExtension.class)
class GetCommandTest {

  CliHarness cli;

  @BeforeEach
  void setUp() {
    cli.service.put(
        wrap(runningPod("web-1", "n1", 2)), CliHarness.NOW.minus(Duration.ofMinutes(5)));
    cli.service.put(
        wrap(stuckPod("web-2", "ImagePullBackOff")), CliHarness.NOW.minus(Duration.ofSeconds(40)));
  }

  @Test
  void podsTableLooksLikeKubectl() {
    Result r = cli.run("get", "pods");
    assertThat(r.code()).isZero();
    assertThat(r.out())
        .isEqualTo(
            "NAME    READY   STATUS             RESTARTS   AGE\n"
                + "web-1   1/1     Running            2          5m\n"
                + "web-2   0/1     ImagePullBackOff   0          40s\n");
  }

  @Test
  void shortNameWideOutputAddsIpAndNode() {
    Result r = cli.run("get", "po", "-o", "wide");
    assertThat(r.code()).isZero();
    assertThat(r.out().lines().findFirst().orElseThrow())
        .isEqualTo("NAME    READY   STATUS             RESTARTS   AGE   IP         NODE");
    assertThat(r.out())
        .contains("web-1   1/1     Running            2          5m    10.0.0.7   n1");
  }

  @Test
  void allNamespacesAddsTheNamespaceColumnAndListsEverywhere() {
    Result r = cli.run("get", "pods", "-A");
    assertThat(r.out()).startsWith("NAMESPACE   NAME    READY");
    assertThat(((ListRequest) cli.service.requests.get(0)).getNamespace()).isEmpty();
  }

  @Test
  void selectorsAndNamespaceGoToTheServer() {
    cli.run("get", "pods", "-l", "app=web", "--field-selector", "spec.node_name=n1", "-n", "x");
    ListRequest request = (ListRequest) cli.service.requests.get(0);
    assertThat(request.getLabelSelector()).isEqualTo("app=web");
    assertThat(request.getFieldSelector()).isEqualTo("spec.node_name=n1");
    assertThat(request.getNamespace()).isEqualTo("x");
  }

  @Test
  void yamlOutputParsesBackToTheSameObject() throws Exception {
    Result r = cli.run("get", "pod", "web-1", "-o", "yaml");
    assertThat(r.code()).isZero();
    assertThat(r.out()).startsWith("apiVersion: v1\nkind: Pod\n");
    var parsed = new ManifestParser().keepStatus(true).parse("out", r.out());
    assertThat(parsed.objects().get(0).object().getPod().getMetadata().getName())
        .isEqualTo("web-1");
    assertThat(parsed.objects().get(0).object().getPod().getStatus().getPodIp())
        .isEqualTo("10.0.0.7");
  }

  @Test
  void jsonOutputOfAListIsAKubernetesList() {
    Result r = cli.run("get", "pods", "-o", "json");
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("\"kind\": \"List\"").contains("\"name\": \"web-2\"");
  }

  @Test
  void kindSlashNameReadsOneObject() {
    Result r = cli.run("get", "pod/web-2");
    assertThat(r.out()).contains("web-2").doesNotContain("web-1");
  }

  @Test
  void deploymentsAndNodesHaveTheirOwnColumns() {
    cli.service.put(wrap(deploymentWithStatus("web", 3, 2)), CliHarness.NOW.minusSeconds(3600));
    cli.service.put(wrap(workerNode("n1", true, true)), CliHarness.NOW.minusSeconds(7200));
    assertThat(cli.run("get", "deploy").out())
        .isEqualTo(
            "NAME   READY   UP-TO-DATE   AVAILABLE   AGE\n"
                + "web    2/3     3            2           60m\n");
    assertThat(cli.run("get", "nodes").out())
        .isEqualTo(
            "NAME   STATUS                     ROLES    AGE    VERSION\n"
                + "n1     Ready,SchedulingDisabled   worker   120m   0.1.0\n");
  }

  @Test
  void severalKindsPrintOneTableEach() {
    cli.service.put(wrap(deploymentWithStatus("web", 3, 2)), CliHarness.NOW.minusSeconds(3600));
    Result r = cli.run("get", "deploy,po,svc");
    assertThat(r.code()).isZero();
    // As kubectl does when one command lists several kinds, names carry their kind.
    assertThat(r.out())
        .startsWith(
            "NAME                  READY   UP-TO-DATE   AVAILABLE   AGE\n"
                + "deployment.apps/web   2/3     ")
        .contains("\n\nNAME ");
    assertThat(cli.run("get", "deploy,po", "web").code()).isEqualTo(2);
  }

  @Test
  void notFoundIsReportedLikeKubectlWithExitCode1() {
    Result r = cli.run("get", "pod", "nope");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("Error from server (NotFound): pods \"nope\" not found\n");
  }

  @Test
  void unknownKindIsAUsageError() {
    Result r = cli.run("get", "gizmos");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("unknown resource type \"gizmos\"");
  }

  @Test
  void emptyListSaysSoOnStderr() {
    Result r = cli.run("get", "svc");
    assertThat(r.code()).isZero();
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).isEqualTo("No resources found in default namespace.\n");
  }

  @Test
  void watchPrintsTheListThenEachChangeAsARow() {
    cli.service.watchEvents.add(
        FakeControlService.event(
            WatchEventType.WATCH_EVENT_TYPE_MODIFIED, wrap(runningPod("web-2", "n1", 0)), 200));
    cli.service.watchEvents.add(
        FakeControlService.event(
            WatchEventType.WATCH_EVENT_TYPE_BOOKMARK,
            dev.drover.api.v1.Object.getDefaultInstance(),
            201));
    Result r = cli.run("get", "pods", "-w");
    assertThat(r.code()).isZero();
    assertThat(r.out().lines().toList()).hasSize(4);
    assertThat(r.out().lines().toList().get(3)).startsWith("web-2   1/1     Running");
  }
}
