package dev.drover.master.controller;

import static dev.drover.master.controller.Fixtures.makeReady;
import static dev.drover.testing.TestObjects.meta;
import static dev.drover.testing.TestObjects.node;
import static dev.drover.testing.TestObjects.selector;
import static dev.drover.testing.TestObjects.template;
import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.api.ApiObjects;
import dev.drover.api.v1.ConfigMap;
import dev.drover.api.v1.DaemonSet;
import dev.drover.api.v1.DaemonSetSpec;
import dev.drover.api.v1.Deployment;
import dev.drover.api.v1.DeploymentSpec;
import dev.drover.api.v1.Endpoints;
import dev.drover.api.v1.Job;
import dev.drover.api.v1.JobSpec;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.ReplicaSet;
import dev.drover.api.v1.ReplicaSetSpec;
import dev.drover.api.v1.RestartPolicy;
import dev.drover.api.v1.Service;
import dev.drover.api.v1.ServicePort;
import dev.drover.api.v1.ServiceSpec;
import dev.drover.master.controller.daemonset.DaemonSetController;
import dev.drover.master.controller.deployment.DeploymentController;
import dev.drover.master.controller.endpoints.EndpointsController;
import dev.drover.master.controller.gc.GarbageCollector;
import dev.drover.master.controller.job.JobController;
import dev.drover.master.controller.replicaset.ReplicaSetController;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * Every controller enqueues all its keys once per resync period, timed by its clock, so that a
 * drift no watch event reported (here: writes made with {@link FakeCluster#unobserved}) is repaired
 * after that period and not before. Each test runs one controller alone, so the repair can only
 * come from that controller's resync.
 */
class PeriodicResyncTest {
  private static final Map<String, String> LABELS = Map.of("app", "web");
  private static final Duration DEFAULT_RESYNC = Duration.ofSeconds(30);

  private final Harness h = new Harness();

  /**
   * The drift must survive settling and the clock reaching just short of the period (so no event or
   * delayed key repairs it), then be repaired once the period has passed.
   */
  private void assertRepairedOnlyByResync(Duration period, BooleanSupplier repaired) {
    h.settle();
    assertThat(repaired.getAsBoolean()).as("drift seen without a resync").isFalse();
    h.advance(period.minusMillis(1));
    assertThat(repaired.getAsBoolean()).as("drift repaired before the resync period").isFalse();
    h.advance(Duration.ofMillis(1));
    assertThat(repaired.getAsBoolean()).as("drift repaired by the resync").isTrue();
  }

  private List<Pod> pods() {
    return h.cluster.<Pod>stored(Kind.KIND_POD).stream().filter(Pods::isActive).toList();
  }

  private void deleteUnobserved(Kind kind, String namespace, String name) {
    h.cluster.unobserved(() -> h.cluster.delete(kind, namespace, name, DeleteOptions.background()));
  }

  @Test
  void theReplicaSetControllerRecreatesAPodWhoseDeletionWentUnheard() {
    h.add(new ReplicaSetController(h.context()));
    h.cluster.create(
        ReplicaSet.newBuilder()
            .setMetadata(meta("web"))
            .setSpec(
                ReplicaSetSpec.newBuilder()
                    .setReplicas(3)
                    .setSelector(selector(LABELS))
                    .setTemplate(template(LABELS, "web:1")))
            .build());
    h.settle();
    assertThat(pods()).hasSize(3);
    deleteUnobserved(Kind.KIND_POD, "default", pods().get(0).getMetadata().getName());
    assertRepairedOnlyByResync(DEFAULT_RESYNC, () -> pods().size() == 3);
  }

  @Test
  void theDeploymentControllerRestoresAReplicaSetScaledBehindItsBack() {
    h.add(new DeploymentController(h.context()));
    h.cluster.create(
        Deployment.newBuilder()
            .setMetadata(meta("web"))
            .setSpec(
                DeploymentSpec.newBuilder()
                    .setReplicas(3)
                    .setSelector(selector(LABELS))
                    .setTemplate(template(LABELS, "web:1")))
            .build());
    h.settle();
    ReplicaSet rs = h.cluster.<ReplicaSet>stored(Kind.KIND_REPLICA_SET).get(0);
    assertThat(rs.getSpec().getReplicas()).isEqualTo(3);
    h.cluster.unobserved(
        () ->
            h.cluster.update(
                rs.toBuilder().setSpec(rs.getSpec().toBuilder().setReplicas(1)).build()));
    assertRepairedOnlyByResync(
        DEFAULT_RESYNC,
        () ->
            h.cluster.<ReplicaSet>stored(Kind.KIND_REPLICA_SET).get(0).getSpec().getReplicas()
                == 3);
  }

  @Test
  void theDaemonSetControllerRecreatesItsPodOnANode() {
    h.add(new DaemonSetController(h.context()));
    h.cluster.create(node("n1", Map.of()));
    h.cluster.create(
        DaemonSet.newBuilder()
            .setMetadata(meta("agent"))
            .setSpec(
                DaemonSetSpec.newBuilder()
                    .setSelector(selector(LABELS))
                    .setTemplate(template(LABELS, "agent:1")))
            .build());
    h.settle();
    assertThat(pods()).hasSize(1);
    deleteUnobserved(Kind.KIND_POD, "default", pods().get(0).getMetadata().getName());
    assertRepairedOnlyByResync(DEFAULT_RESYNC, () -> pods().size() == 1);
  }

  @Test
  void theJobControllerReplacesAnActivePodThatVanished() {
    h.add(new JobController(h.context()));
    var t = template(LABELS, "task:1").toBuilder();
    t.getSpecBuilder().setRestartPolicy(RestartPolicy.RESTART_POLICY_NEVER);
    h.cluster.create(
        Job.newBuilder()
            .setMetadata(meta("task"))
            .setSpec(JobSpec.newBuilder().setParallelism(2).setCompletions(4).setTemplate(t))
            .build());
    h.settle();
    assertThat(pods()).hasSize(2);
    deleteUnobserved(Kind.KIND_POD, "default", pods().get(0).getMetadata().getName());
    assertRepairedOnlyByResync(DEFAULT_RESYNC, () -> pods().size() == 2);
  }

  @Test
  void theEndpointsControllerRewritesEndpointsChangedBehindItsBack() {
    h.add(new EndpointsController(h.context()));
    h.cluster.create(
        Service.newBuilder()
            .setMetadata(meta("web"))
            .setSpec(
                ServiceSpec.newBuilder()
                    .putAllSelector(LABELS)
                    .addPorts(ServicePort.newBuilder().setName("http").setPort(80)))
            .build());
    Pod pod =
        h.cluster.create(
            Pod.newBuilder()
                .setMetadata(meta("web-1", LABELS))
                .setSpec(
                    template(LABELS, "web:1").getSpec().toBuilder()
                        .clearContainers()
                        .addContainers(
                            template(LABELS, "web:1").getSpec().getContainers(0).toBuilder()
                                .addPorts(
                                    dev.drover.api.v1.ContainerPort.newBuilder()
                                        .setContainerPort(80)
                                        .setHostPort(30080))))
                .build());
    makeReady(h.cluster, h.clock, pod, "n1");
    h.settle();
    Endpoints endpoints = h.cluster.stored(Kind.KIND_ENDPOINTS, "default", "web");
    assertThat(endpoints.getSubsets(0).getAddressesCount()).isEqualTo(1);
    h.cluster.unobserved(() -> h.cluster.update(endpoints.toBuilder().clearSubsets().build()));
    assertRepairedOnlyByResync(
        DEFAULT_RESYNC,
        () ->
            h.cluster.<Endpoints>stored(Kind.KIND_ENDPOINTS, "default", "web").getSubsetsCount()
                == 1);
  }

  @Test
  void theGarbageCollectorDeletesADependentWhoseOwnerWentUnheard() {
    h.add(new GarbageCollector(h.context()));
    ConfigMap owner = h.cluster.create(ConfigMap.newBuilder().setMetadata(meta("owner")).build());
    h.cluster.create(
        ConfigMap.newBuilder()
            .setMetadata(
                meta("dependent").toBuilder().addOwnerReferences(ApiObjects.controllerRef(owner)))
            .build());
    h.settle();
    deleteUnobserved(Kind.KIND_CONFIG_MAP, "default", "owner");
    assertRepairedOnlyByResync(
        Duration.ofSeconds(60),
        () -> h.cluster.fetch(Kind.KIND_CONFIG_MAP, "default", "dependent").isEmpty());
  }

  @Test
  void aResyncComesEveryPeriodNotJustOnce() {
    ReplicaSetController controller = h.add(new ReplicaSetController(h.context()));
    assertThat(controller.resyncIfDue()).isFalse();
    h.clock.advance(DEFAULT_RESYNC);
    assertThat(controller.resyncIfDue()).isTrue();
    assertThat(controller.resyncIfDue()).as("at most once per period").isFalse();
    h.clock.advance(DEFAULT_RESYNC.minusMillis(1));
    assertThat(controller.resyncIfDue()).isFalse();
    h.clock.advance(Duration.ofMillis(1));
    assertThat(controller.resyncIfDue()).isTrue();
  }

  @Test
  void aClockSetBackDelaysTheResyncByOnePeriodAtMost() {
    ReplicaSetController controller = h.add(new ReplicaSetController(h.context()));
    h.clock.rewind(Duration.ofHours(1));
    assertThat(controller.resyncIfDue()).isFalse();
    h.clock.advance(DEFAULT_RESYNC);
    assertThat(controller.resyncIfDue()).as("one period after the clock went back").isTrue();
  }
}
