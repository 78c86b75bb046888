package dev.drover.master.controller.gc;

import static dev.drover.testing.TestObjects.meta;
import static dev.drover.testing.TestObjects.selector;
import static dev.drover.testing.TestObjects.template;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import dev.drover.api.ApiObjects;
import dev.drover.api.v1.Deployment;
import dev.drover.api.v1.DeploymentSpec;
import dev.drover.api.v1.Job;
import dev.drover.api.v1.JobSpec;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodPhase;
import dev.drover.api.v1.PropagationPolicy;
import dev.drover.api.v1.ReplicaSet;
import dev.drover.api.v1.ReplicaSetSpec;
import dev.drover.master.controller.DeleteOptions;
import dev.drover.master.controller.Fixtures;
import dev.drover.master.controller.Harness;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GarbageCollectorTest {
  private static final Map<String, String> LABELS = Map.of("app", "web");

  private final Harness h = new Harness();

  GarbageCollectorTest() {
    h.add(new GarbageCollector(h.context()));
  }

  private <T extends Message> T owned(T object, Message owner) {
    var meta =
        ApiObjects.meta(object).toBuilder().addOwnerReferences(ApiObjects.controllerRef(owner));
    return h.cluster.create(ApiObjects.withMeta(object, meta.build()));
  }

  private Pod pod(String name, String node) {
    return Pod.newBuilder()
        .setMetadata(meta(name, LABELS))
        .setSpec(template(LABELS, "i").getSpec().toBuilder().setNodeName(node))
        .build();
  }

  private ReplicaSet replicaSet(String name) {
    return ReplicaSet.newBuilder()
        .setMetadata(meta(name))
        .setSpec(
            ReplicaSetSpec.newBuilder()
                .setReplicas(2)
                .setSelector(selector(LABELS))
                .setTemplate(template(LABELS, "i")))
        .build();
  }

  private boolean exists(Kind kind, String name) {
    return h.cluster.fetch(kind, "default", name).isPresent();
  }

  private void delete(Kind kind, String name, PropagationPolicy policy) {
    h.cluster.delete(kind, "default", name, DeleteOptions.background().propagation(policy));
    h.settle();
  }

  @Test
  void backgroundDeletionRemovesDependentsAfterTheOwner() {
    ReplicaSet rs = h.cluster.create(replicaSet("rs"));
    owned(pod("p1", "n1"), rs);
    owned(pod("p2", "n1"), rs);
    h.cluster.create(pod("unowned", "n1"));
    h.settle();
    assertThat(exists(Kind.KIND_POD, "p1")).isTrue();

    delete(Kind.KIND_REPLICA_SET, "rs", PropagationPolicy.PROPAGATION_POLICY_BACKGROUND);
    assertThat(exists(Kind.KIND_REPLICA_SET, "rs")).isFalse();
    assertThat(exists(Kind.KIND_POD, "p1")).isFalse();
    assertThat(exists(Kind.KIND_POD, "p2")).isFalse();
    assertThat(exists(Kind.KIND_POD, "unowned")).isTrue();
  }

  @Test
  void dependentsOfAnOwnerRecreatedUnderTheSameNameAreCollected() {
    ReplicaSet rs = h.cluster.create(replicaSet("rs"));
    h.cluster.holdEvents();
    owned(pod("p1", "n1"), rs);
    h.cluster.delete(Kind.KIND_REPLICA_SET, "default", "rs", DeleteOptions.background());
    h.cluster.create(replicaSet("rs"));
    h.cluster.releaseEvents();
    h.settle();
    assertThat(exists(Kind.KIND_REPLICA_SET, "rs")).isTrue();
    assertThat(exists(Kind.KIND_POD, "p1")).as("its owner's uid is gone").isFalse();
  }

  @Test
  void foregroundDeletionWaitsForBlockingDependents() {
    h.cluster.boundPodsWaitForAgent(true);
    Deployment d =
        h.cluster.create(
            Deployment.newBuilder()
                .setMetadata(meta("web"))
                .setSpec(
                    DeploymentSpec.newBuilder()
                        .setSelector(selector(LABELS))
                        .setTemplate(template(LABELS, "i")))
                .build());
    ReplicaSet rs = owned(replicaSet("web-1"), d);
    owned(pod("p1", "n1"), rs);
    h.settle();

    delete(Kind.KIND_DEPLOYMENT, "web", PropagationPolicy.PROPAGATION_POLICY_FOREGROUND);
    Deployment deleting = h.cluster.stored(Kind.KIND_DEPLOYMENT, "default", "web");
    assertThat(deleting.getMetadata().hasDeletionTime()).isTrue();
    assertThat(deleting.getMetadata().getFinalizersList()).contains(GarbageCollector.FOREGROUND);
    assertThat(
            h.cluster
                .<ReplicaSet>stored(Kind.KIND_REPLICA_SET, "default", "web-1")
                .getMetadata()
                .hasDeletionTime())
        .isTrue();
    Pod terminating = h.cluster.stored(Kind.KIND_POD, "default", "p1");
    assertThat(terminating.getMetadata().hasDeletionTime()).isTrue();

    // The agent confirms the pod stopped: the chain unwinds.
    h.cluster.confirmTermination("default", "p1");
    h.settle();
    assertThat(exists(Kind.KIND_POD, "p1")).isFalse();
    assertThat(exists(Kind.KIND_REPLICA_SET, "web-1")).isFalse();
    assertThat(exists(Kind.KIND_DEPLOYMENT, "web")).isFalse();
  }

  @Test
  void orphanDeletionKeepsDependentsAndDropsTheirReference() {
    ReplicaSet rs = h.cluster.create(replicaSet("rs"));
    owned(pod("p1", "n1"), rs);
    h.settle();
    delete(Kind.KIND_REPLICA_SET, "rs", PropagationPolicy.PROPAGATION_POLICY_ORPHAN);
    assertThat(exists(Kind.KIND_REPLICA_SET, "rs")).isFalse();
    Pod orphan = h.cluster.stored(Kind.KIND_POD, "default", "p1");
    assertThat(orphan.getMetadata().getOwnerReferencesList()).isEmpty();
  }

  @Test
  void finishedPodsOfADeletedJobGoToo() {
    Job job =
        h.cluster.create(
            Job.newBuilder()
                .setMetadata(meta("batch"))
                .setSpec(JobSpec.newBuilder().setTemplate(template(LABELS, "i")))
                .build());
    Fixtures.setPhase(h.cluster, owned(pod("ok", "n1"), job), PodPhase.POD_PHASE_SUCCEEDED);
    Fixtures.setPhase(h.cluster, owned(pod("bad", "n1"), job), PodPhase.POD_PHASE_FAILED);
    h.settle();
    delete(Kind.KIND_JOB, "batch", PropagationPolicy.PROPAGATION_POLICY_BACKGROUND);
    List<Pod> left = h.cluster.stored(Kind.KIND_POD);
    assertThat(left).isEmpty();
  }
}
