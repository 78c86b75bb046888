package dev.drover.master.controller;

import static dev.drover.testing.TestObjects.meta;
import static dev.drover.testing.TestObjects.node;
import static dev.drover.testing.TestObjects.selector;
import static dev.drover.testing.TestObjects.template;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import dev.drover.api.ApiObjects;
import dev.drover.api.v1.DaemonSet;
import dev.drover.api.v1.DaemonSetSpec;
import dev.drover.api.v1.Deployment;
import dev.drover.api.v1.DeploymentSpec;
import dev.drover.api.v1.Job;
import dev.drover.api.v1.JobSpec;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.ReplicaSet;
import dev.drover.api.v1.ReplicaSetSpec;
import dev.drover.api.v1.RestartPolicy;
import dev.drover.master.controller.daemonset.DaemonSetController;
import dev.drover.master.controller.deployment.DeploymentController;
import dev.drover.master.controller.job.JobController;
import dev.drover.master.controller.replicaset.ReplicaSetController;
import java.util.Map;
import java.util.function.ToLongFunction;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Each workload controller reports in status.observed_generation the generation of the spec it
 * acted on: 1 after the first sync, and the new generation after a spec change.
 */
class ObservedGenerationTest {
  private static final Map<String, String> LABELS = Map.of("app", "web");

  private final Harness h = new Harness();

  /**
   * Creates the object, checks observed generation 1, changes its spec with {@code change} and
   * checks that the observed generation follows the bumped generation.
   */
  private <T extends Message> void assertObservedGenerationFollowsSpec(
      T object, UnaryOperator<T> change, ToLongFunction<T> observed) {
    T created = h.cluster.create(object);
    h.settle();
    Kind kind = ApiObjects.kindOf(created);
    String name = created.getDescriptorForType().getFullName() + " " + ApiObjects.key(created);
    T current = h.cluster.stored(kind, "default", ApiObjects.meta(created).getName());
    assertThat(observed.applyAsLong(current)).as(name).isEqualTo(1);

    h.cluster.update(change.apply(current));
    h.settle();
    T changed = h.cluster.stored(kind, "default", ApiObjects.meta(created).getName());
    assertThat(ApiObjects.meta(changed).getGeneration()).as(name).isEqualTo(2);
    assertThat(observed.applyAsLong(changed)).as(name).isEqualTo(2);
  }

  @Test
  void replicaSet() {
    h.add(new ReplicaSetController(h.context()));
    assertObservedGenerationFollowsSpec(
        ReplicaSet.newBuilder()
            .setMetadata(meta("web"))
            .setSpec(
                ReplicaSetSpec.newBuilder()
                    .setReplicas(1)
                    .setSelector(selector(LABELS))
                    .setTemplate(template(LABELS, "web:1")))
            .build(),
        rs -> rs.toBuilder().setSpec(rs.getSpec().toBuilder().setReplicas(2)).build(),
        rs -> rs.getStatus().getObservedGeneration());
  }

  @Test
  void deployment() {
    h.add(new ReplicaSetController(h.context()));
    h.add(new DeploymentController(h.context()));
    assertObservedGenerationFollowsSpec(
        Deployment.newBuilder()
            .setMetadata(meta("web"))
            .setSpec(
                DeploymentSpec.newBuilder()
                    .setReplicas(2)
                    .setSelector(selector(LABELS))
                    .setTemplate(template(LABELS, "web:1")))
            .build(),
        d ->
            d.toBuilder()
                .setSpec(d.getSpec().toBuilder().setTemplate(template(LABELS, "web:2")))
                .build(),
        d -> d.getStatus().getObservedGeneration());
  }

  @Test
  void daemonSet() {
    h.add(new DaemonSetController(h.context()));
    h.cluster.create(node("n1", Map.of()));
    assertObservedGenerationFollowsSpec(
        DaemonSet.newBuilder()
            .setMetadata(meta("agent"))
            .setSpec(
                DaemonSetSpec.newBuilder()
                    .setSelector(selector(LABELS))
                    .setTemplate(template(LABELS, "agent:1")))
            .build(),
        ds ->
            ds.toBuilder()
                .setSpec(ds.getSpec().toBuilder().setTemplate(template(LABELS, "agent:2")))
                .build(),
        ds -> ds.getStatus().getObservedGeneration());
  }

  @Test
  void job() {
    h.add(new JobController(h.context()));
    var t = template(LABELS, "task:1").toBuilder();
    t.getSpecBuilder().setRestartPolicy(RestartPolicy.RESTART_POLICY_NEVER);
    assertObservedGenerationFollowsSpec(
        Job.newBuilder()
            .setMetadata(meta("task"))
            .setSpec(JobSpec.newBuilder().setParallelism(1).setCompletions(3).setTemplate(t))
            .build(),
        j -> j.toBuilder().setSpec(j.getSpec().toBuilder().setParallelism(2)).build(),
        j -> j.getStatus().getObservedGeneration());
  }
}
