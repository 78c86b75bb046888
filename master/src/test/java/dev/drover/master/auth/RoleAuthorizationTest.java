package dev.drover.master.auth;

import static dev.drover.master.Fixtures.deployment;
import static dev.drover.master.Fixtures.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.drover.api.v1.ControlServiceGrpc.ControlServiceBlockingStub;
import dev.drover.api.v1.CreateRequest;
import dev.drover.api.v1.DeleteRequest;
import dev.drover.api.v1.GetRequest;
import dev.drover.api.v1.HeartbeatRequest;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.ListRequest;
import dev.drover.api.v1.Namespace;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Secret;
import dev.drover.master.InProcessMaster;
import dev.drover.testing.TestCallers;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The roles through the API: no principal is UNAUTHENTICATED; view reads all but Secrets and writes
 * nothing; edit writes workloads but not nodes or namespaces; a namespace-admin stays in its
 * namespace; a refusal names the principal, the verb and the object, and is audited.
 */
class RoleAuthorizationTest {
  @TempDir static Path dir;
  static InProcessMaster m;

  @BeforeAll
  static void start() {
    m = Callers.auditedMaster(dir.resolve("audit.log"));
    as("cluster-admin:root")
        .create(
            CreateRequest.newBuilder()
                .setObject(
                    Object.newBuilder()
                        .setNamespace(
                            Namespace.newBuilder()
                                .setMetadata(ObjectMeta.newBuilder().setName("team"))))
                .build());
    as("cluster-admin:root")
        .create(
            CreateRequest.newBuilder()
                .setObject(
                    Object.newBuilder()
                        .setSecret(
                            Secret.newBuilder()
                                .setMetadata(ObjectMeta.newBuilder().setName("creds"))
                                .putStringData("k", "v")))
                .build());
  }

  @AfterAll
  static void stop() throws Exception {
    m.close();
  }

  static ControlServiceBlockingStub as(String caller) {
    return TestCallers.as(m.control(), caller);
  }

  static Status.Code code(Runnable call) {
    StatusRuntimeException e = catchThrowableOfType(call::run, StatusRuntimeException.class);
    return e == null ? Status.Code.OK : e.getStatus().getCode();
  }

  static CreateRequest create(Object o) {
    return CreateRequest.newBuilder().setObject(o).build();
  }

  @Test
  void noPrincipalIsUnauthenticated() {
    assertThat(
            code(() -> m.control().list(ListRequest.newBuilder().setKind(Kind.KIND_POD).build())))
        .isEqualTo(Status.Code.UNAUTHENTICATED);
  }

  @Test
  void viewReadsButNeverWritesNorReadsSecrets() throws Exception {
    ControlServiceBlockingStub view = as("view:vera");
    assertThat(code(() -> view.list(ListRequest.newBuilder().setKind(Kind.KIND_POD).build())))
        .isEqualTo(Status.Code.OK);
    StatusRuntimeException e =
        catchThrowableOfType(
            () -> view.create(create(pod("default", "by-view"))), StatusRuntimeException.class);
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(e.getStatus().getDescription())
        .contains("vera")
        .contains("create")
        .contains("pods")
        .contains("default/by-view");
    assertThat(
            code(
                () ->
                    view.delete(
                        DeleteRequest.newBuilder()
                            .setKind(Kind.KIND_POD)
                            .setNamespace("default")
                            .setName("x")
                            .build())))
        .isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(
            code(
                () ->
                    view.get(
                        GetRequest.newBuilder()
                            .setKind(Kind.KIND_SECRET)
                            .setNamespace("default")
                            .setName("creds")
                            .build())))
        .isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(
            code(
                () ->
                    TestCallers.as(m.node(), "view:vera")
                        .heartbeat(HeartbeatRequest.newBuilder().setNodeName("n1").build())))
        .isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(Files.readAllLines(dir.resolve("audit.log")))
        .anySatisfy(
            l ->
                assertThat(l)
                    .contains("\"who\":\"vera\"")
                    .contains("\"role\":\"view\"")
                    .contains("\"verb\":\"create\"")
                    .contains("\"namespace\":\"default\"")
                    .contains("\"name\":\"by-view\"")
                    .contains("\"code\":\"PERMISSION_DENIED\"")
                    .startsWith("{\"time\":\"")
                    .endsWith("}"));
  }

  @Test
  void editWritesWorkloadsButNotNodesOrNamespaces() {
    ControlServiceBlockingStub edit = as("edit:ed");
    assertThat(code(() -> edit.create(create(deployment("default", "web-ed", 1)))))
        .isEqualTo(Status.Code.OK);
    assertThat(
            code(
                () ->
                    edit.create(
                        create(
                            Object.newBuilder()
                                .setNamespace(
                                    Namespace.newBuilder()
                                        .setMetadata(ObjectMeta.newBuilder().setName("ed-ns")))
                                .build()))))
        .isEqualTo(Status.Code.PERMISSION_DENIED);
  }

  @Test
  void aNamespaceAdminStaysInItsNamespace() {
    ControlServiceBlockingStub admin = as("namespace-admin:nina:team");
    assertThat(code(() -> admin.create(create(pod("team", "mine"))))).isEqualTo(Status.Code.OK);
    assertThat(code(() -> admin.create(create(pod("default", "theirs")))))
        .isEqualTo(Status.Code.PERMISSION_DENIED);
    // A pod named without a namespace lands in "default": not hers either.
    assertThat(code(() -> admin.create(create(pod("", "unqualified")))))
        .isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(code(() -> admin.list(ListRequest.newBuilder().setKind(Kind.KIND_POD).build())))
        .isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(
            code(
                () ->
                    admin.list(
                        ListRequest.newBuilder()
                            .setKind(Kind.KIND_POD)
                            .setNamespace("team")
                            .build())))
        .isEqualTo(Status.Code.OK);
    assertThat(
            code(
                () ->
                    admin.get(
                        GetRequest.newBuilder()
                            .setKind(Kind.KIND_SECRET)
                            .setNamespace("default")
                            .setName("creds")
                            .build())))
        .isEqualTo(Status.Code.PERMISSION_DENIED);
  }
}
