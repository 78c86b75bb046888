package dev.drover.master.auth;

import static dev.drover.master.Fixtures.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.drover.api.v1.ControlServiceGrpc.ControlServiceBlockingStub;
import dev.drover.api.v1.CreateRequest;
import dev.drover.api.v1.DaemonEndpoint;
import dev.drover.api.v1.DeleteRequest;
import dev.drover.api.v1.EnvFromSource;
import dev.drover.api.v1.GetPodDependenciesRequest;
import dev.drover.api.v1.GetPodDependenciesResponse;
import dev.drover.api.v1.GetRequest;
import dev.drover.api.v1.HeartbeatRequest;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.ListRequest;
import dev.drover.api.v1.Node;
import dev.drover.api.v1.NodeServiceGrpc.NodeServiceBlockingStub;
import dev.drover.api.v1.NodeStatus;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodPhase;
import dev.drover.api.v1.PodStatus;
import dev.drover.api.v1.PodStatusUpdate;
import dev.drover.api.v1.PodStatusUpdateOutcome;
import dev.drover.api.v1.RegisterNodeRequest;
import dev.drover.api.v1.Secret;
import dev.drover.api.v1.SecretEnvSource;
import dev.drover.api.v1.Taint;
import dev.drover.api.v1.TaintEffect;
import dev.drover.api.v1.UpdatePodStatusesRequest;
import dev.drover.api.v1.UpdatePodStatusesResponse;
import dev.drover.api.v1.UpdateRequest;
import dev.drover.api.v1.WatchEvent;
import dev.drover.api.v1.WatchPodsRequest;
import dev.drover.master.InProcessMaster;
import dev.drover.testing.TestCallers;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Node authorizer and NodeRestriction through the API: node A may not speak for node B, read
 * what B's pods use, create pods or change its own taints, and each refusal is audited; its own
 * calls succeed.
 */
class NodeAuthorizationTest {
  @TempDir static Path dir;
  static InProcessMaster m;
  static Object podA;
  static Object podB;

  @BeforeAll
  static void start() {
    m = Callers.auditedMaster(dir.resolve("audit.log"));
    for (String s : List.of("secret-a", "secret-b")) {
      admin()
          .create(
              CreateRequest.newBuilder()
                  .setObject(
                      Object.newBuilder()
                          .setSecret(
                              Secret.newBuilder()
                                  .setMetadata(ObjectMeta.newBuilder().setName(s))
                                  .putStringData("k", "v-" + s)))
                  .build());
    }
    register(node("a"), "a");
    register(node("b"), "b");
    podA = bound("pod-a", "a", "secret-a");
    podB = bound("pod-b", "b", "secret-b");
  }

  @AfterAll
  static void stop() throws Exception {
    m.close();
  }

  static ControlServiceBlockingStub admin() {
    return TestCallers.as(m.control(), "cluster-admin:root");
  }

  static NodeServiceBlockingStub node(String name) {
    return TestCallers.as(m.node(), "node:" + name);
  }

  static ControlServiceBlockingStub nodeControl(String name) {
    return TestCallers.as(m.control(), "node:" + name);
  }

  static Node.Builder nodeObject(String name) {
    return Node.newBuilder()
        .setMetadata(ObjectMeta.newBuilder().setName(name).putLabels("zone", "z1"))
        .setStatus(
            NodeStatus.newBuilder()
                .putCapacity("cpu", "2")
                .setDaemonEndpoint(DaemonEndpoint.newBuilder().setAddress("127.0.0.1").setPort(1)));
  }

  static void register(NodeServiceBlockingStub as, String name) {
    as.register(RegisterNodeRequest.newBuilder().setNode(nodeObject(name)).build());
  }

  static Object bound(String name, String node, String secret) {
    Object p = pod("", name);
    Pod.Builder pod = p.getPod().toBuilder();
    pod.getSpecBuilder()
        .setNodeName(node)
        .getContainersBuilder(0)
        .addEnvFrom(
            EnvFromSource.newBuilder().setSecretRef(SecretEnvSource.newBuilder().setName(secret)));
    return admin().create(CreateRequest.newBuilder().setObject(p.toBuilder().setPod(pod)).build());
  }

  static StatusRuntimeException denied(Runnable call) {
    return deniedAs("a", call);
  }

  static StatusRuntimeException deniedAs(String node, Runnable call) {
    StatusRuntimeException e = catchThrowableOfType(call::run, StatusRuntimeException.class);
    assertThat(e).as("the call must fail").isNotNull();
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(e.getStatus().getDescription()).contains("node:" + node);
    return e;
  }

  static UpdatePodStatusesRequest status(String node, Object pod, PodPhase phase) {
    return UpdatePodStatusesRequest.newBuilder()
        .setNodeName(node)
        .addUpdates(
            PodStatusUpdate.newBuilder()
                .setNamespace("default")
                .setName(pod.getPod().getMetadata().getName())
                .setUid(pod.getPod().getMetadata().getUid())
                .setStatus(PodStatus.newBuilder().setPhase(phase)))
        .build();
  }

  static List<String> auditLines() throws Exception {
    return Files.readAllLines(dir.resolve("audit.log"));
  }

  @Test
  void nodeACannotSpeakForNodeB() throws Exception {
    denied(() -> register(node("a"), "b"));
    denied(() -> node("a").heartbeat(HeartbeatRequest.newBuilder().setNodeName("b").build()));
    Object nodeB =
        admin().get(GetRequest.newBuilder().setKind(Kind.KIND_NODE).setName("b").build());
    denied(
        () ->
            nodeControl("a")
                .update(
                    UpdateRequest.newBuilder()
                        .setObject(
                            nodeB.toBuilder()
                                .setNode(
                                    nodeB.getNode().toBuilder()
                                        .setMetadata(
                                            nodeB.getNode().getMetadata().toBuilder()
                                                .putLabels("owned", "by-a"))))
                        .build()));
    denied(() -> node("a").updatePodStatuses(status("b", podB, PodPhase.POD_PHASE_RUNNING)));
    denied(() -> node("a").updatePodStatuses(status("a", podB, PodPhase.POD_PHASE_RUNNING)));
    assertThat(auditLines())
        .anySatisfy(
            l ->
                assertThat(l)
                    .contains("\"who\":\"node:a\"")
                    .contains("\"method\":\"drover.v1.NodeService/Register\"")
                    .contains("\"kind\":\"nodes\"")
                    .contains("\"name\":\"b\"")
                    .contains("\"code\":\"PERMISSION_DENIED\""))
        .anySatisfy(
            l ->
                assertThat(l)
                    .contains("\"method\":\"drover.v1.NodeService/UpdatePodStatuses\"")
                    .contains("\"code\":\"PERMISSION_DENIED\""))
        .anySatisfy(
            l ->
                assertThat(l)
                    .contains("\"method\":\"drover.v1.ControlService/Update\"")
                    .contains("\"who\":\"node:a\"")
                    .contains("\"code\":\"PERMISSION_DENIED\""));
  }

  @Test
  void nodeAReadsOnlyWhatItsOwnPodsUse() throws Exception {
    GetPodDependenciesResponse own =
        node("a")
            .getPodDependencies(
                GetPodDependenciesRequest.newBuilder()
                    .setNamespace("default")
                    .addSecretNames("secret-a")
                    .build());
    assertThat(own.getSecretsList()).hasSize(1);
    denied(
        () ->
            node("a")
                .getPodDependencies(
                    GetPodDependenciesRequest.newBuilder()
                        .setNamespace("default")
                        .addSecretNames("secret-b")
                        .build()));
    denied(
        () ->
            nodeControl("a")
                .get(
                    GetRequest.newBuilder()
                        .setKind(Kind.KIND_SECRET)
                        .setNamespace("default")
                        .setName("secret-b")
                        .build()));
    denied(
        () ->
            nodeControl("a")
                .get(
                    GetRequest.newBuilder()
                        .setKind(Kind.KIND_POD)
                        .setNamespace("default")
                        .setName("pod-b")
                        .build()));
    assertThat(
            nodeControl("a")
                .get(
                    GetRequest.newBuilder()
                        .setKind(Kind.KIND_SECRET)
                        .setNamespace("default")
                        .setName("secret-a")
                        .build())
                .getSecret()
                .getMetadata()
                .getName())
        .isEqualTo("secret-a");
    assertThat(auditLines())
        .anySatisfy(
            l ->
                assertThat(l)
                    .contains("\"method\":\"drover.v1.NodeService/GetPodDependencies\"")
                    .contains("\"code\":\"PERMISSION_DENIED\"")
                    .contains("secret-b"));
  }

  @Test
  void aNodeReadsServicesEndpointsAndOnlyItsOwnPods() {
    for (Kind kind : List.of(Kind.KIND_SERVICE, Kind.KIND_ENDPOINTS)) {
      assertThat(nodeControl("a").list(ListRequest.newBuilder().setKind(kind).build())).isNotNull();
    }
    denied(() -> nodeControl("a").list(ListRequest.newBuilder().setKind(Kind.KIND_POD).build()));
    denied(() -> nodeControl("a").list(ListRequest.newBuilder().setKind(Kind.KIND_SECRET).build()));
    assertThat(
            nodeControl("a")
                .list(
                    ListRequest.newBuilder()
                        .setKind(Kind.KIND_POD)
                        .setFieldSelector("spec.nodeName=a")
                        .build())
                .getItemsList())
        .extracting(o -> o.getPod().getMetadata().getName())
        .containsExactly("pod-a");
  }

  @Test
  void aNodeNeverCreatesOrDeletesPods() throws Exception {
    denied(
        () ->
            nodeControl("a").create(CreateRequest.newBuilder().setObject(pod("", "by-a")).build()));
    denied(
        () ->
            nodeControl("a")
                .delete(
                    DeleteRequest.newBuilder()
                        .setKind(Kind.KIND_POD)
                        .setNamespace("default")
                        .setName("pod-a")
                        .build()));
    assertThat(auditLines())
        .anySatisfy(
            l ->
                assertThat(l)
                    .contains("\"method\":\"drover.v1.ControlService/Create\"")
                    .contains("\"verb\":\"create\"")
                    .contains("\"kind\":\"pods\"")
                    .contains("\"code\":\"PERMISSION_DENIED\""));
  }

  @Test
  void aNodeCannotChangeItsOwnTaintsOrRestrictedLabels() throws Exception {
    register(node("c"), "c");
    Node.Builder tainted =
        nodeObject("c")
            .setSpec(
                nodeObject("c").getSpec().toBuilder()
                    .addTaints(
                        Taint.newBuilder()
                            .setKey("dedicated")
                            .setEffect(TaintEffect.TAINT_EFFECT_NO_SCHEDULE)));
    deniedAs(
        "c", () -> node("c").register(RegisterNodeRequest.newBuilder().setNode(tainted).build()));
    Object stored =
        admin().get(GetRequest.newBuilder().setKind(Kind.KIND_NODE).setName("c").build());
    deniedAs(
        "c",
        () ->
            nodeControl("c")
                .update(
                    UpdateRequest.newBuilder()
                        .setObject(
                            stored.toBuilder()
                                .setNode(tainted.setMetadata(stored.getNode().getMetadata())))
                        .build()));
    Node.Builder labelled = nodeObject("c");
    labelled.getMetadataBuilder().putLabels("node-restriction.kubernetes.io/pool", "secure");
    deniedAs(
        "c", () -> node("c").register(RegisterNodeRequest.newBuilder().setNode(labelled).build()));
    assertThat(
            admin()
                .get(GetRequest.newBuilder().setKind(Kind.KIND_NODE).setName("c").build())
                .getNode()
                .getSpec()
                .getTaintsList())
        .isEmpty();
    assertThat(auditLines())
        .anySatisfy(
            l ->
                assertThat(l)
                    .contains("\"who\":\"node:c\"")
                    .contains("taints")
                    .contains("\"code\":\"PERMISSION_DENIED\""));
  }

  @Test
  void aNodesOwnCallsSucceedAndPhasesNeverGoBack() throws Exception {
    register(node("a"), "a");
    assertThat(
            node("a")
                .heartbeat(HeartbeatRequest.newBuilder().setNodeName("a").build())
                .getRegistrationRequired())
        .isFalse();
    // The node name may be left out: it comes from the principal.
    assertThat(node("a").heartbeat(HeartbeatRequest.getDefaultInstance()).getRegistrationRequired())
        .isFalse();
    UpdatePodStatusesResponse done =
        node("a").updatePodStatuses(status("a", podA, PodPhase.POD_PHASE_SUCCEEDED));
    assertThat(done.getResults(0).getOutcome())
        .isEqualTo(PodStatusUpdateOutcome.POD_STATUS_UPDATE_OUTCOME_UPDATED);
    UpdatePodStatusesResponse back =
        node("a").updatePodStatuses(status("a", podA, PodPhase.POD_PHASE_RUNNING));
    assertThat(back.getResults(0).getOutcome())
        .isEqualTo(PodStatusUpdateOutcome.POD_STATUS_UPDATE_OUTCOME_REJECTED);
    assertThat(
            admin()
                .get(
                    GetRequest.newBuilder()
                        .setKind(Kind.KIND_POD)
                        .setNamespace("default")
                        .setName("pod-a")
                        .build())
                .getPod()
                .getStatus()
                .getPhase())
        .isEqualTo(PodPhase.POD_PHASE_SUCCEEDED);
    Iterator<WatchEvent> watch =
        node("a")
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .watchPods(WatchPodsRequest.newBuilder().setNodeName("a").build());
    assertThat(watch.next().getObject().getPod().getMetadata().getName()).isEqualTo("pod-a");
    // Its changes are audited, its heartbeats (the lease renewal every few seconds) are not.
    assertThat(auditLines())
        .anySatisfy(
            l ->
                assertThat(l)
                    .contains("\"who\":\"node:a\"")
                    .contains("\"method\":\"drover.v1.NodeService/UpdatePodStatuses\"")
                    .contains("\"code\":\"OK\""))
        .noneMatch(
            l ->
                l.contains("\"method\":\"drover.v1.NodeService/Heartbeat\"")
                    && l.contains("\"code\":\"OK\""));
  }

  @Test
  void aRefusedHeartbeatIsAudited() throws Exception {
    register(node("a"), "a");
    denied(() -> node("a").heartbeat(HeartbeatRequest.newBuilder().setNodeName("b").build()));
    assertThat(auditLines())
        .anySatisfy(
            l ->
                assertThat(l)
                    .contains("\"who\":\"node:a\"")
                    .contains("\"method\":\"drover.v1.NodeService/Heartbeat\"")
                    .contains("\"code\":\"PERMISSION_DENIED\""));
  }
}
