package dev.drover.master;

import static dev.drover.master.Fixtures.deployment;
import static dev.drover.master.Fixtures.pod;
import static dev.drover.master.Fixtures.violatedFields;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.drover.api.WellKnown;
import dev.drover.api.v1.ApplyAction;
import dev.drover.api.v1.ApplyRequest;
import dev.drover.api.v1.ApplyResponse;
import dev.drover.api.v1.CanaryStatus;
import dev.drover.api.v1.CanaryStrategy;
import dev.drover.api.v1.ClusterInfoRequest;
import dev.drover.api.v1.ClusterInfoResponse;
import dev.drover.api.v1.ConfigMap;
import dev.drover.api.v1.ControlServiceGrpc;
import dev.drover.api.v1.CreateRequest;
import dev.drover.api.v1.DeleteRequest;
import dev.drover.api.v1.DeleteResponse;
import dev.drover.api.v1.DeploymentStatus;
import dev.drover.api.v1.Event;
import dev.drover.api.v1.EvictRequest;
import dev.drover.api.v1.GetRequest;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.LabelSelector;
import dev.drover.api.v1.ListRequest;
import dev.drover.api.v1.ListResponse;
import dev.drover.api.v1.Namespace;
import dev.drover.api.v1.NamespacePhase;
import dev.drover.api.v1.Node;
import dev.drover.api.v1.NodeActionRequest;
import dev.drover.api.v1.NodeActionResponse;
import dev.drover.api.v1.NodeActionType;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.ObjectReference;
import dev.drover.api.v1.OwnerReference;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodPhase;
import dev.drover.api.v1.Preconditions;
import dev.drover.api.v1.PropagationPolicy;
import dev.drover.api.v1.RecordEventRequest;
import dev.drover.api.v1.ReplicaSet;
import dev.drover.api.v1.ReplicaSetSpec;
import dev.drover.api.v1.RollbackRequest;
import dev.drover.api.v1.RolloutActionRequest;
import dev.drover.api.v1.RolloutActionType;
import dev.drover.api.v1.ScaleRequest;
import dev.drover.api.v1.UpdateRequest;
import dev.drover.api.v1.UpdateStatusRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every ControlService verb and error code, through gRPC against a master on an in-memory store.
 */
class ControlServiceTest {
  static InProcessMaster m;

  @BeforeAll
  static void start() {
    // The API alone: no scheduler or controllers writing to the objects under test.
    m = new InProcessMaster(b -> b.scheduler(false).controllers(false));
  }

  @AfterAll
  static void stop() throws Exception {
    m.close();
  }

  private static ControlServiceGrpc.ControlServiceBlockingStub api() {
    return m.control();
  }

  private static Object create(Object o) {
    return api().create(CreateRequest.newBuilder().setObject(o).build());
  }

  private static Object get(Kind kind, String ns, String name) {
    return api().get(GetRequest.newBuilder().setKind(kind).setNamespace(ns).setName(name).build());
  }

  @Test
  void defaultNamespaceExistsFromTheStart() {
    Object ns = get(Kind.KIND_NAMESPACE, "", "default");
    assertThat(ns.getNamespace().getMetadata().getUid()).isNotEmpty();
  }

  @Test
  void createAssignsServerFieldsAndGetReturnsIt() {
    Object in = pod("", "create-1");
    in =
        in.toBuilder()
            .setPod(
                in.getPod().toBuilder()
                    .setMetadata(
                        in.getPod().getMetadata().toBuilder()
                            .setUid("client-uid")
                            .setGeneration(7)
                            .setResourceVersion(99)))
            .build();
    Object created = create(in);
    ObjectMeta meta = created.getPod().getMetadata();
    assertThat(meta.getNamespace()).isEqualTo("default");
    assertThat(meta.getUid()).isNotEqualTo("client-uid").isNotEmpty();
    assertThat(meta.getGeneration()).isEqualTo(1);
    assertThat(meta.getResourceVersion()).isPositive().isNotEqualTo(99);
    assertThat(meta.hasCreationTime()).isTrue();
    assertThat(get(Kind.KIND_POD, "default", "create-1")).isEqualTo(created);
  }

  @Test
  void generateNameMakesAUniqueName() {
    Object in = pod("", "");
    in =
        in.toBuilder()
            .setPod(
                in.getPod().toBuilder()
                    .setMetadata(in.getPod().getMetadata().toBuilder().setGenerateName("gen-")))
            .build();
    Object a = create(in);
    Object b = create(in);
    assertThat(a.getPod().getMetadata().getName())
        .startsWith("gen-")
        .isNotEqualTo(b.getPod().getMetadata().getName());
  }

  @Test
  void errorCodes() {
    create(pod("", "dup"));
    assertThat(Fixtures.failureCode(() -> create(pod("", "dup"))))
        .isEqualTo(Status.Code.ALREADY_EXISTS);
    assertThat(Fixtures.failureCode(() -> get(Kind.KIND_POD, "default", "absent")))
        .isEqualTo(Status.Code.NOT_FOUND);
    assertThat(Fixtures.failureCode(() -> create(pod("no-such-ns", "x"))))
        .isEqualTo(Status.Code.NOT_FOUND);
    assertThat(Fixtures.failureCode(() -> get(Kind.KIND_UNSPECIFIED, "", "x")))
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(Fixtures.failureCode(() -> api().create(CreateRequest.getDefaultInstance())))
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(
            Fixtures.failureCode(
                () ->
                    api()
                        .list(
                            ListRequest.newBuilder()
                                .setKind(Kind.KIND_NODE)
                                .setNamespace("x")
                                .build())))
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
  }

  @Test
  void invalidObjectListsEveryBadField() {
    Object bad =
        Object.newBuilder()
            .setPod(
                Pod.newBuilder()
                    .setMetadata(ObjectMeta.newBuilder().setName("Bad_Name"))
                    .setSpec(
                        Fixtures.podSpec()
                            .addContainers(dev.drover.api.v1.Container.newBuilder().setName("c2"))))
            .build();
    StatusRuntimeException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            StatusRuntimeException.class, () -> create(bad));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(violatedFields(e))
        .containsExactlyInAnyOrder("metadata.name", "spec.containers[1].image");
    assertThat(e.getStatus().getDescription())
        .contains("metadata.name")
        .contains("spec.containers[1].image");
  }

  @Test
  void dryRunWritesNothing() {
    Object o =
        api().create(CreateRequest.newBuilder().setObject(pod("", "dry")).setDryRun(true).build());
    assertThat(o.getPod().getMetadata().getUid()).isNotEmpty();
    assertThat(Fixtures.failureCode(() -> get(Kind.KIND_POD, "default", "dry")))
        .isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void updateIsCompareAndSwapAndBumpsGenerationOnlyOnSpecChange() {
    Object v1 = create(deployment("", "upd", 1));
    Object labelled =
        v1.toBuilder()
            .setDeployment(
                v1.getDeployment().toBuilder()
                    .setMetadata(
                        v1.getDeployment().getMetadata().toBuilder().putLabels("tier", "a")))
            .build();
    Object v2 = api().update(UpdateRequest.newBuilder().setObject(labelled).build());
    assertThat(v2.getDeployment().getMetadata().getGeneration()).isEqualTo(1);
    assertThat(v2.getDeployment().getMetadata().getLabelsMap()).containsEntry("tier", "a");
    // The stale version now conflicts, and the message names the current one.
    StatusRuntimeException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            StatusRuntimeException.class,
            () -> api().update(UpdateRequest.newBuilder().setObject(labelled).build()));
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ABORTED);
    assertThat(e.getStatus().getDescription())
        .contains(Long.toString(v2.getDeployment().getMetadata().getResourceVersion()));
    Object scaled =
        v2.toBuilder()
            .setDeployment(
                v2.getDeployment().toBuilder()
                    .setSpec(v2.getDeployment().getSpec().toBuilder().setReplicas(3)))
            .build();
    Object v3 = api().update(UpdateRequest.newBuilder().setObject(scaled).build());
    assertThat(v3.getDeployment().getMetadata().getGeneration()).isEqualTo(2);
    // Version 0 is refused outright.
    Object noVersion =
        v3.toBuilder()
            .setDeployment(
                v3.getDeployment().toBuilder()
                    .setMetadata(
                        v3.getDeployment().getMetadata().toBuilder().setResourceVersion(0)))
            .build();
    assertThat(
            violatedFields(
                org.junit.jupiter.api.Assertions.assertThrows(
                    StatusRuntimeException.class,
                    () -> api().update(UpdateRequest.newBuilder().setObject(noVersion).build()))))
        .containsExactly("metadata.resourceVersion");
  }

  @Test
  void updateIgnoresStatusAndUpdateStatusIgnoresSpec() {
    Object v1 = create(pod("", "status-split"));
    Object withStatus =
        v1.toBuilder()
            .setPod(
                v1.getPod().toBuilder()
                    .setStatus(
                        v1.getPod().getStatus().toBuilder().setPhase(PodPhase.POD_PHASE_RUNNING))
                    .setSpec(
                        v1.getPod().getSpec().toBuilder().setHostname("changed-by-status-writer")))
            .build();
    Object v2 = api().updateStatus(UpdateStatusRequest.newBuilder().setObject(withStatus).build());
    assertThat(v2.getPod().getStatus().getPhase()).isEqualTo(PodPhase.POD_PHASE_RUNNING);
    assertThat(v2.getPod().getSpec().getHostname()).isEmpty();
    assertThat(v2.getPod().getMetadata().getGeneration()).isEqualTo(1);
    Object specEdit =
        v2.toBuilder()
            .setPod(
                v2.getPod().toBuilder()
                    .setStatus(
                        v2.getPod().getStatus().toBuilder().setPhase(PodPhase.POD_PHASE_FAILED))
                    .setSpec(
                        v2.getPod().getSpec().toBuilder()
                            .setContainers(
                                0,
                                v2.getPod().getSpec().getContainers(0).toBuilder()
                                    .setImage("127.0.0.1:5000/busybox:2"))))
            .build();
    Object v3 = api().update(UpdateRequest.newBuilder().setObject(specEdit).build());
    assertThat(v3.getPod().getStatus().getPhase()).isEqualTo(PodPhase.POD_PHASE_RUNNING);
    assertThat(v3.getPod().getSpec().getContainers(0).getImage())
        .isEqualTo("127.0.0.1:5000/busybox:2");
    assertThat(v3.getPod().getMetadata().getGeneration()).isEqualTo(2);
  }

  @Test
  void nodeNameIsImmutableOnceBound() {
    Object p = create(pod("", "bound-once"));
    Object bound =
        api()
            .update(
                UpdateRequest.newBuilder()
                    .setObject(
                        p.toBuilder()
                            .setPod(
                                p.getPod().toBuilder()
                                    .setSpec(p.getPod().getSpec().toBuilder().setNodeName("n1"))))
                    .build());
    Object moved =
        bound.toBuilder()
            .setPod(
                bound.getPod().toBuilder()
                    .setSpec(bound.getPod().getSpec().toBuilder().setNodeName("n2")))
            .build();
    assertThat(
            violatedFields(
                org.junit.jupiter.api.Assertions.assertThrows(
                    StatusRuntimeException.class,
                    () -> api().update(UpdateRequest.newBuilder().setObject(moved).build()))))
        .containsExactly("spec.nodeName");
  }

  @Test
  void deleteImmediatelyWithPreconditions() {
    Object p = create(pod("", "del-now"));
    assertThat(
            Fixtures.failureCode(
                () ->
                    api()
                        .delete(
                            DeleteRequest.newBuilder()
                                .setKind(Kind.KIND_POD)
                                .setName("del-now")
                                .setPreconditions(Preconditions.newBuilder().setUid("other"))
                                .build())))
        .isEqualTo(Status.Code.FAILED_PRECONDITION);
    DeleteResponse r =
        api()
            .delete(
                DeleteRequest.newBuilder()
                    .setKind(Kind.KIND_POD)
                    .setName("del-now")
                    .setPreconditions(
                        Preconditions.newBuilder().setUid(p.getPod().getMetadata().getUid()))
                    .build());
    assertThat(r.getDeletedImmediately()).isTrue();
    assertThat(Fixtures.failureCode(() -> get(Kind.KIND_POD, "default", "del-now")))
        .isEqualTo(Status.Code.NOT_FOUND);
    assertThat(
            Fixtures.failureCode(
                () ->
                    api()
                        .delete(
                            DeleteRequest.newBuilder()
                                .setKind(Kind.KIND_POD)
                                .setName("del-now")
                                .build())))
        .isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void finalizersKeepTheObjectUntilTheLastIsRemoved() {
    Object cm =
        create(
            Object.newBuilder()
                .setConfigMap(
                    ConfigMap.newBuilder()
                        .setMetadata(
                            ObjectMeta.newBuilder()
                                .setName("fin")
                                .addFinalizers("a")
                                .addFinalizers("b")))
                .build());
    DeleteResponse r =
        api()
            .delete(
                DeleteRequest.newBuilder().setKind(Kind.KIND_CONFIG_MAP).setName("fin").build());
    assertThat(r.getDeletedImmediately()).isFalse();
    Object marked = get(Kind.KIND_CONFIG_MAP, "default", "fin");
    assertThat(marked.getConfigMap().getMetadata().hasDeletionTime()).isTrue();
    Object oneLeft =
        api()
            .update(
                UpdateRequest.newBuilder()
                    .setObject(
                        marked.toBuilder()
                            .setConfigMap(
                                marked.getConfigMap().toBuilder()
                                    .setMetadata(
                                        marked.getConfigMap().getMetadata().toBuilder()
                                            .clearFinalizers()
                                            .addFinalizers("b"))))
                    .build());
    assertThat(oneLeft.getConfigMap().getMetadata().getDeletionTime())
        .isEqualTo(marked.getConfigMap().getMetadata().getDeletionTime());
    api()
        .update(
            UpdateRequest.newBuilder()
                .setObject(
                    oneLeft.toBuilder()
                        .setConfigMap(
                            oneLeft.getConfigMap().toBuilder()
                                .setMetadata(
                                    oneLeft.getConfigMap().getMetadata().toBuilder()
                                        .clearFinalizers())))
                .build());
    assertThat(Fixtures.failureCode(() -> get(Kind.KIND_CONFIG_MAP, "default", "fin")))
        .isEqualTo(Status.Code.NOT_FOUND);
    assertThat(cm.getConfigMap().getMetadata().getUid()).isNotEmpty();
  }

  @Test
  void foregroundDeletionAddsItsFinalizer() {
    create(deployment("", "fg", 1));
    DeleteResponse r =
        api()
            .delete(
                DeleteRequest.newBuilder()
                    .setKind(Kind.KIND_DEPLOYMENT)
                    .setName("fg")
                    .setPropagationPolicy(PropagationPolicy.PROPAGATION_POLICY_FOREGROUND)
                    .build());
    assertThat(r.getDeletedImmediately()).isFalse();
    assertThat(r.getObject().getDeployment().getMetadata().getFinalizersList())
        .contains("foregroundDeletion");
  }

  @Test
  void namespaceDeletionMarksItTerminatingAndRefusesNewContent() {
    create(
        Object.newBuilder()
            .setNamespace(
                Namespace.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("team")))
            .build());
    create(pod("team", "p1"));
    create(deployment("team", "d1", 1));
    DeleteResponse r =
        api()
            .delete(
                DeleteRequest.newBuilder().setKind(Kind.KIND_NAMESPACE).setName("team").build());
    // The contents are the namespace controller's (not running here) to delete, not the call's.
    assertThat(r.getDeletedImmediately()).isFalse();
    assertThat(r.getObject().getNamespace().getStatus().getPhase())
        .isEqualTo(NamespacePhase.NAMESPACE_PHASE_TERMINATING);
    assertThat(get(Kind.KIND_NAMESPACE, "", "team").getNamespace().getMetadata().hasDeletionTime())
        .isTrue();
    assertThat(get(Kind.KIND_POD, "team", "p1").getPod().getMetadata().getName()).isEqualTo("p1");
    StatusRuntimeException refused =
        org.junit.jupiter.api.Assertions.assertThrows(
            StatusRuntimeException.class, () -> create(pod("team", "p2")));
    assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(refused.getStatus().getDescription())
        .isEqualTo("namespace team is being terminated");
    assertThat(
            Fixtures.failureCode(
                () ->
                    api()
                        .delete(
                            DeleteRequest.newBuilder()
                                .setKind(Kind.KIND_NAMESPACE)
                                .setName("default")
                                .build())))
        .isEqualTo(Status.Code.FAILED_PRECONDITION);
  }

  @Test
  void listPaginatesOverAConsistentSnapshot() {
    create(
        Object.newBuilder()
            .setNamespace(
                Namespace.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("pages")))
            .build());
    for (int i = 0; i < 5; i++) {
      create(pod("pages", "p" + i));
    }
    ListResponse first =
        api()
            .list(
                ListRequest.newBuilder()
                    .setKind(Kind.KIND_POD)
                    .setNamespace("pages")
                    .setLimit(2)
                    .build());
    assertThat(first.getItemsList())
        .extracting(o -> o.getPod().getMetadata().getName())
        .containsExactly("p0", "p1");
    assertThat(first.getRemainingItemCount()).isEqualTo(3);
    // Concurrent changes after the first page are not seen by later pages.
    api()
        .delete(
            DeleteRequest.newBuilder()
                .setKind(Kind.KIND_POD)
                .setNamespace("pages")
                .setName("p3")
                .build());
    create(pod("pages", "p5"));
    ListResponse second =
        api()
            .list(
                ListRequest.newBuilder()
                    .setKind(Kind.KIND_POD)
                    .setNamespace("pages")
                    .setLimit(2)
                    .setContinueToken(first.getContinueToken())
                    .build());
    ListResponse third =
        api()
            .list(
                ListRequest.newBuilder()
                    .setKind(Kind.KIND_POD)
                    .setNamespace("pages")
                    .setLimit(2)
                    .setContinueToken(second.getContinueToken())
                    .build());
    assertThat(second.getItemsList())
        .extracting(o -> o.getPod().getMetadata().getName())
        .containsExactly("p2", "p3");
    assertThat(third.getItemsList())
        .extracting(o -> o.getPod().getMetadata().getName())
        .containsExactly("p4");
    assertThat(third.getContinueToken()).isEmpty();
    assertThat(second.getResourceVersion()).isEqualTo(first.getResourceVersion());
    assertThat(
            Fixtures.failureCode(
                () ->
                    api()
                        .list(
                            ListRequest.newBuilder()
                                .setKind(Kind.KIND_POD)
                                .setContinueToken("garbage!")
                                .build())))
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
  }

  @Test
  void scaleSetsReplicasAndHonoursTheVersion() {
    Object d = create(deployment("", "scale-me", 1));
    Object s =
        api()
            .scale(
                ScaleRequest.newBuilder()
                    .setKind(Kind.KIND_DEPLOYMENT)
                    .setName("scale-me")
                    .setReplicas(5)
                    .build());
    assertThat(s.getDeployment().getSpec().getReplicas()).isEqualTo(5);
    assertThat(
            Fixtures.failureCode(
                () ->
                    api()
                        .scale(
                            ScaleRequest.newBuilder()
                                .setKind(Kind.KIND_DEPLOYMENT)
                                .setName("scale-me")
                                .setReplicas(2)
                                .setResourceVersion(
                                    d.getDeployment().getMetadata().getResourceVersion())
                                .build())))
        .isEqualTo(Status.Code.ABORTED);
    assertThat(
            Fixtures.failureCode(
                () ->
                    api()
                        .scale(
                            ScaleRequest.newBuilder()
                                .setKind(Kind.KIND_POD)
                                .setName("x")
                                .setReplicas(2)
                                .build())))
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(
            Fixtures.failureCode(
                () ->
                    api()
                        .scale(
                            ScaleRequest.newBuilder()
                                .setKind(Kind.KIND_DEPLOYMENT)
                                .setName("scale-me")
                                .setReplicas(-1)
                                .build())))
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
  }

  @Test
  void applyCreatesAndConfiguresAtomically() {
    Object ns =
        Object.newBuilder()
            .setNamespace(
                Namespace.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("applied")))
            .build();
    ApplyResponse r1 =
        api()
            .apply(
                ApplyRequest.newBuilder()
                    .addObjects(ns)
                    .addObjects(deployment("applied", "web", 2))
                    .setFieldManager("test")
                    .build());
    assertThat(r1.getResultsList())
        .extracting(x -> x.getAction())
        .containsExactly(ApplyAction.APPLY_ACTION_CREATED, ApplyAction.APPLY_ACTION_CREATED);
    ApplyResponse r2 =
        api()
            .apply(
                ApplyRequest.newBuilder()
                    .addObjects(ns)
                    .addObjects(deployment("applied", "web", 4))
                    .build());
    assertThat(r2.getResults(0).getAction()).isEqualTo(ApplyAction.APPLY_ACTION_UNCHANGED);
    assertThat(r2.getResults(1).getAction()).isEqualTo(ApplyAction.APPLY_ACTION_CONFIGURED);
    assertThat(r2.getResults(1).getChangedFieldsList()).contains("spec.replicas");
    assertThat(get(Kind.KIND_DEPLOYMENT, "applied", "web").getDeployment().getSpec().getReplicas())
        .isEqualTo(4);
    // One bad object: nothing of the batch is written, and the path names the object.
    Object bad = pod("applied", "BAD");
    StatusRuntimeException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            StatusRuntimeException.class,
            () ->
                api()
                    .apply(
                        ApplyRequest.newBuilder()
                            .addObjects(pod("applied", "good"))
                            .addObjects(bad)
                            .build()));
    assertThat(violatedFields(e)).containsExactly("objects[1].metadata.name");
    assertThat(Fixtures.failureCode(() -> get(Kind.KIND_POD, "applied", "good")))
        .isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void rollbackAndRolloutActionsEditTheSpec() {
    Object d = create(deployment("", "roll", 1));
    String uid = d.getDeployment().getMetadata().getUid();
    for (int rev = 1; rev <= 2; rev++) {
      Object rs =
          Object.newBuilder()
              .setReplicaSet(
                  ReplicaSet.newBuilder()
                      .setMetadata(
                          ObjectMeta.newBuilder()
                              .setName("roll-" + rev)
                              .putAnnotations(WellKnown.REVISION, "" + rev)
                              .addOwnerReferences(
                                  OwnerReference.newBuilder()
                                      .setKind(Kind.KIND_DEPLOYMENT)
                                      .setName("roll")
                                      .setUid(uid)
                                      .setController(true)))
                      .setSpec(
                          ReplicaSetSpec.newBuilder()
                              .setSelector(LabelSelector.newBuilder().putMatchLabels("app", "roll"))
                              .setTemplate(
                                  d.getDeployment().getSpec().getTemplate().toBuilder()
                                      .setSpec(Fixtures.podSpec().setHostname("rev" + rev)))))
              .build();
      create(rs);
    }
    Object back = api().rollback(RollbackRequest.newBuilder().setName("roll").build());
    assertThat(back.getDeployment().getSpec().getTemplate().getSpec().getHostname())
        .isEqualTo("rev1");
    assertThat(
            Fixtures.failureCode(
                () ->
                    api()
                        .rollback(
                            RollbackRequest.newBuilder().setName("roll").setRevision(9).build())))
        .isEqualTo(Status.Code.FAILED_PRECONDITION);
    Object paused =
        api()
            .rolloutAction(
                RolloutActionRequest.newBuilder()
                    .setName("roll")
                    .setAction(RolloutActionType.ROLLOUT_ACTION_TYPE_PAUSE)
                    .build());
    assertThat(paused.getDeployment().getSpec().getPaused()).isTrue();
    Object restarted =
        api()
            .rolloutAction(
                RolloutActionRequest.newBuilder()
                    .setName("roll")
                    .setAction(RolloutActionType.ROLLOUT_ACTION_TYPE_RESTART)
                    .build());
    assertThat(restarted.getDeployment().getSpec().getTemplate().getMetadata().getAnnotationsMap())
        .containsKey(WellKnown.RESTARTED_AT);
    assertThat(
            Fixtures.failureCode(
                () ->
                    api()
                        .rolloutAction(
                            RolloutActionRequest.newBuilder()
                                .setName("roll")
                                .setAction(RolloutActionType.ROLLOUT_ACTION_TYPE_PROMOTE)
                                .build())))
        .isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(
            Fixtures.failureCode(
                () ->
                    api().rolloutAction(RolloutActionRequest.newBuilder().setName("roll").build())))
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
  }

  private static Object promote(String name, boolean allSteps) {
    return api()
        .rolloutAction(
            RolloutActionRequest.newBuilder()
                .setName(name)
                .setAction(RolloutActionType.ROLLOUT_ACTION_TYPE_PROMOTE)
                .setAllSteps(allSteps)
                .build());
  }

  @Test
  void promoteRecordsTheWaitingCanaryStepOrEveryStep() {
    Object d = deployment("", "canary-promote", 4);
    d =
        create(
            d.toBuilder()
                .setDeployment(
                    d.getDeployment().toBuilder()
                        .setSpec(
                            d.getDeployment().getSpec().toBuilder()
                                .setCanary(CanaryStrategy.newBuilder().addSteps(1).addSteps(2))))
                .build());
    // No canary under way yet: a promotion now would pass the next rollout's first step unseen.
    assertThat(Fixtures.failureCode(() -> promote("canary-promote", false)))
        .isEqualTo(Status.Code.FAILED_PRECONDITION);
    Object waiting =
        api()
            .updateStatus(
                UpdateStatusRequest.newBuilder()
                    .setObject(
                        d.toBuilder()
                            .setDeployment(
                                d.getDeployment().toBuilder()
                                    .setStatus(
                                        DeploymentStatus.newBuilder()
                                            .setCanary(
                                                CanaryStatus.newBuilder()
                                                    .setCurrentStep(1)
                                                    .setStepReplicas(2)
                                                    .setWaiting(true)))))
                    .build());
    assertThat(waiting.getDeployment().getStatus().getCanary().getCurrentStep()).isEqualTo(1);
    assertThat(promote("canary-promote", false).getDeployment().getMetadata().getAnnotationsMap())
        .containsEntry(WellKnown.CANARY_PROMOTED_STEP, "1");
    assertThat(promote("canary-promote", true).getDeployment().getMetadata().getAnnotationsMap())
        .containsEntry(WellKnown.CANARY_PROMOTED_STEP, "all");
    assertThat(
            Fixtures.failureCode(
                () ->
                    api()
                        .rolloutAction(
                            RolloutActionRequest.newBuilder()
                                .setName("canary-promote")
                                .setAction(RolloutActionType.ROLLOUT_ACTION_TYPE_PAUSE)
                                .setAllSteps(true)
                                .build())))
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
  }

  /** A ready pod of ReplicaSet {@code rs} (uid {@code rsUid}) bound to {@code node}. */
  private static void readyPodOf(String name, String rs, String rsUid, String node) {
    Object p = pod("", name);
    Object created =
        create(
            p.toBuilder()
                .setPod(
                    p.getPod().toBuilder()
                        .setMetadata(
                            p.getPod().getMetadata().toBuilder()
                                .putLabels("app", "spare")
                                .addOwnerReferences(
                                    OwnerReference.newBuilder()
                                        .setKind(Kind.KIND_REPLICA_SET)
                                        .setName(rs)
                                        .setUid(rsUid)
                                        .setController(true)))
                        .setSpec(p.getPod().getSpec().toBuilder().setNodeName(node)))
                .build());
    Pod.Builder b = created.getPod().toBuilder();
    b.getStatusBuilder()
        .setPhase(PodPhase.POD_PHASE_RUNNING)
        .addConditions(
            dev.drover.api.v1.Condition.newBuilder()
                .setType("Ready")
                .setStatus(dev.drover.api.v1.ConditionStatus.CONDITION_STATUS_TRUE));
    api()
        .updateStatus(
            UpdateStatusRequest.newBuilder().setObject(Object.newBuilder().setPod(b)).build());
  }

  private static NodeActionResponse drain(String node) {
    return api()
        .nodeAction(
            NodeActionRequest.newBuilder()
                .setNodeName(node)
                .setAction(NodeActionType.NODE_ACTION_TYPE_DRAIN)
                .setIgnoreDaemonSets(true)
                .build());
  }

  @Test
  void drainEvictsOnlyWhatADeploymentCanSpare() {
    for (String n : new String[] {"spare-node", "spare-other"}) {
      create(
          Object.newBuilder()
              .setNode(Node.newBuilder().setMetadata(ObjectMeta.newBuilder().setName(n)))
              .build());
    }
    // Three replicas, default max unavailable (25% of 3 rounds down to 0, and one may always go).
    Object d = create(deployment("", "spare", 3));
    Object rs =
        create(
            Object.newBuilder()
                .setReplicaSet(
                    ReplicaSet.newBuilder()
                        .setMetadata(
                            ObjectMeta.newBuilder()
                                .setName("spare-1")
                                .addOwnerReferences(
                                    OwnerReference.newBuilder()
                                        .setKind(Kind.KIND_DEPLOYMENT)
                                        .setName("spare")
                                        .setUid(d.getDeployment().getMetadata().getUid())
                                        .setController(true)))
                        .setSpec(
                            ReplicaSetSpec.newBuilder()
                                .setReplicas(3)
                                .setSelector(
                                    LabelSelector.newBuilder().putMatchLabels("app", "spare"))
                                .setTemplate(d.getDeployment().getSpec().getTemplate())))
                .build());
    String rsUid = rs.getReplicaSet().getMetadata().getUid();
    for (int i = 0; i < 3; i++) {
      readyPodOf("spare-" + i, "spare-1", rsUid, "spare-node");
    }
    NodeActionResponse first = drain("spare-node");
    assertThat(first.getNode().getSpec().getUnschedulable()).isTrue();
    assertThat(first.getEvictedPodsCount()).isEqualTo(1);
    assertThat(first.getWaitingPodsCount()).isEqualTo(2);
    // Nothing is available to spare until a replacement is ready.
    NodeActionResponse again = drain("spare-node");
    assertThat(again.getEvictedPodsCount()).isZero();
    assertThat(again.getWaitingPodsList())
        .extracting(ObjectReference::getName)
        .containsExactlyInAnyOrderElementsOf(
            first.getWaitingPodsList().stream().map(ObjectReference::getName).toList());
    readyPodOf("spare-r1", "spare-1", rsUid, "spare-other");
    NodeActionResponse third = drain("spare-node");
    assertThat(third.getEvictedPodsCount()).isEqualTo(1);
    assertThat(third.getWaitingPodsCount()).isEqualTo(1);
    readyPodOf("spare-r2", "spare-1", rsUid, "spare-other");
    NodeActionResponse last = drain("spare-node");
    assertThat(last.getEvictedPodsCount()).isEqualTo(1);
    assertThat(last.getWaitingPodsCount()).isZero();
    assertThat(
            java.util.stream.Stream.of(first, third, last)
                .flatMap(r -> r.getEvictedPodsList().stream())
                .map(ObjectReference::getName))
        .containsExactlyInAnyOrder("spare-0", "spare-1", "spare-2");
  }

  @Test
  void evictAndDrainGracefullyDeleteBoundPods() {
    create(
        Object.newBuilder()
            .setNode(Node.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("drain-me")))
            .build());
    Object p = pod("", "on-node");
    create(
        p.toBuilder()
            .setPod(
                p.getPod().toBuilder()
                    .setSpec(p.getPod().getSpec().toBuilder().setNodeName("drain-me")))
            .build());
    Object ds = pod("", "ds-pod");
    create(
        ds.toBuilder()
            .setPod(
                ds.getPod().toBuilder()
                    .setMetadata(
                        ds.getPod().getMetadata().toBuilder()
                            .addOwnerReferences(
                                OwnerReference.newBuilder()
                                    .setKind(Kind.KIND_DAEMON_SET)
                                    .setName("ds")
                                    .setUid("u")
                                    .setController(true)))
                    .setSpec(ds.getPod().getSpec().toBuilder().setNodeName("drain-me")))
            .build());
    assertThat(
            Fixtures.failureCode(
                () ->
                    api()
                        .nodeAction(
                            NodeActionRequest.newBuilder()
                                .setNodeName("drain-me")
                                .setAction(NodeActionType.NODE_ACTION_TYPE_DRAIN)
                                .build())))
        .isEqualTo(Status.Code.FAILED_PRECONDITION);
    NodeActionResponse r =
        api()
            .nodeAction(
                NodeActionRequest.newBuilder()
                    .setNodeName("drain-me")
                    .setAction(NodeActionType.NODE_ACTION_TYPE_DRAIN)
                    .setIgnoreDaemonSets(true)
                    .build());
    assertThat(r.getNode().getSpec().getUnschedulable()).isTrue();
    assertThat(r.getEvictedPodsList())
        .extracting(ObjectReference::getName)
        .containsExactly("on-node");
    Object evicted = get(Kind.KIND_POD, "default", "on-node");
    assertThat(evicted.getPod().getMetadata().hasDeletionTime()).isTrue();
    assertThat(evicted.getPod().getMetadata().getDeletionGracePeriodSeconds()).isEqualTo(30);
    assertThat(evicted.getPod().getStatus().getReason()).isEqualTo("Evicted");
    Object uncordoned =
        Object.newBuilder()
            .setNode(
                api()
                    .nodeAction(
                        NodeActionRequest.newBuilder()
                            .setNodeName("drain-me")
                            .setAction(NodeActionType.NODE_ACTION_TYPE_UNCORDON)
                            .build())
                    .getNode())
            .build();
    assertThat(uncordoned.getNode().getSpec().getUnschedulable()).isFalse();
    assertThat(
            Fixtures.failureCode(
                () -> api().evict(EvictRequest.newBuilder().setName("nope").build())))
        .isEqualTo(Status.Code.NOT_FOUND);
    assertThat(
            Fixtures.failureCode(
                () ->
                    api()
                        .nodeAction(
                            NodeActionRequest.newBuilder().setNodeName("drain-me").build())))
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
  }

  @Test
  void recordEventMergesRepeats() {
    Event e =
        Event.newBuilder()
            .setInvolvedObject(
                ObjectReference.newBuilder()
                    .setKind(Kind.KIND_POD)
                    .setNamespace("default")
                    .setName("ev-pod")
                    .setUid("u1"))
            .setReason("BackOff")
            .setMessage("restarting")
            .build();
    Event first = api().recordEvent(RecordEventRequest.newBuilder().setEvent(e).build());
    Event second = api().recordEvent(RecordEventRequest.newBuilder().setEvent(e).build());
    assertThat(second.getMetadata().getName()).isEqualTo(first.getMetadata().getName());
    assertThat(second.getCount()).isEqualTo(2);
    Event other =
        api()
            .recordEvent(
                RecordEventRequest.newBuilder()
                    .setEvent(e.toBuilder().setMessage("other"))
                    .build());
    assertThat(other.getMetadata().getName()).isNotEqualTo(first.getMetadata().getName());
    assertThat(
            Fixtures.failureCode(
                () ->
                    api()
                        .recordEvent(
                            RecordEventRequest.newBuilder()
                                .setEvent(e.toBuilder().clearReason())
                                .build())))
        .isEqualTo(Status.Code.INVALID_ARGUMENT);
  }

  @Test
  void clusterInfoNamesThisMasterAndTheActiveOne() {
    await().atMost(Duration.ofSeconds(30)).until(() -> m.master.isActive());
    ClusterInfoResponse info = api().clusterInfo(ClusterInfoRequest.getDefaultInstance());
    assertThat(info.getAnsweredBy()).isEqualTo("m1");
    assertThat(info.getMastersList()).anySatisfy(x -> assertThat(x.getActive()).isTrue());
    assertThat(info.getRevision()).isPositive();
  }

  @Test
  void logsOfAnUnscheduledPodFailWithFailedPrecondition() {
    create(pod("", "no-node-logs"));
    assertThat(
            Fixtures.failureCode(
                () ->
                    api()
                        .logs(
                            dev.drover.api.v1.LogsRequest.newBuilder()
                                .setPod("no-node-logs")
                                .build())
                        .hasNext()))
        .isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThatThrownBy(
            () ->
                api()
                    .logs(dev.drover.api.v1.LogsRequest.newBuilder().setPod("nope").build())
                    .hasNext())
        .isInstanceOf(StatusRuntimeException.class)
        .hasMessageContaining("NOT_FOUND");
  }
}
