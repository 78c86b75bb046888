package dev.drover.master.controller.job;

import static dev.drover.testing.TestObjects.meta;
import static dev.drover.testing.TestObjects.template;
import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.api.ApiObjects;
import dev.drover.api.v1.Condition;
import dev.drover.api.v1.ContainerState;
import dev.drover.api.v1.ContainerStateRunning;
import dev.drover.api.v1.ContainerStateTerminated;
import dev.drover.api.v1.ContainerStatus;
import dev.drover.api.v1.Job;
import dev.drover.api.v1.JobSpec;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodPhase;
import dev.drover.api.v1.PodStatus;
import dev.drover.api.v1.RestartPolicy;
import dev.drover.master.controller.DeleteOptions;
import dev.drover.master.controller.Harness;
import dev.drover.master.controller.Pods;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class JobControllerTest {
  private final Harness h = new Harness();
  private final JobController controller = h.add(new JobController(h.context()));

  private void create(UnaryOperator<JobSpec.Builder> spec) {
    create(RestartPolicy.RESTART_POLICY_NEVER, spec);
  }

  private void create(RestartPolicy policy, UnaryOperator<JobSpec.Builder> spec) {
    submit(policy, spec);
    h.settle();
  }

  private void submit(RestartPolicy policy, UnaryOperator<JobSpec.Builder> spec) {
    var t = template(Map.of("app", "batch"), "task:1").toBuilder();
    t.getSpecBuilder().setRestartPolicy(policy);
    h.cluster.create(
        Job.newBuilder()
            .setMetadata(meta("task"))
            .setSpec(spec.apply(JobSpec.newBuilder().setTemplate(t)))
            .build());
  }

  private Optional<Job> job() {
    return h.cluster.fetch(Kind.KIND_JOB, "default", "task");
  }

  private List<Pod> active() {
    return h.cluster.<Pod>stored(Kind.KIND_POD).stream().filter(Pods::isActive).toList();
  }

  private List<Pod> all() {
    return h.cluster.stored(Kind.KIND_POD);
  }

  /** Plays the agent: the pod's container exits now with the code. */
  private void finish(Pod pod, boolean success) {
    Pod current = h.cluster.stored(Kind.KIND_POD, "default", pod.getMetadata().getName());
    h.cluster.updateStatus(
        current.toBuilder()
            .setStatus(
                PodStatus.newBuilder()
                    .setPhase(success ? PodPhase.POD_PHASE_SUCCEEDED : PodPhase.POD_PHASE_FAILED)
                    .addContainerStatuses(
                        ContainerStatus.newBuilder()
                            .setName("main")
                            .setState(
                                ContainerState.newBuilder()
                                    .setTerminated(
                                        ContainerStateTerminated.newBuilder()
                                            .setExitCode(success ? 0 : 1)
                                            .setFinishedAt(
                                                ApiObjects.timestamp(h.clock.instant()))))))
            .build());
    h.settle();
  }

  /**
   * Plays the agent of a pod with restart policy OnFailure: its container exits with code 1 and is
   * started again in the same pod, which stays Running with one more restart.
   */
  private void restartInPlace(Pod pod) {
    Pod current = h.cluster.stored(Kind.KIND_POD, "default", pod.getMetadata().getName());
    int restarts =
        current.getStatus().getContainerStatusesCount() == 0
            ? 0
            : current.getStatus().getContainerStatuses(0).getRestartCount();
    h.cluster.updateStatus(
        current.toBuilder()
            .setStatus(
                PodStatus.newBuilder()
                    .setPhase(PodPhase.POD_PHASE_RUNNING)
                    .addContainerStatuses(
                        ContainerStatus.newBuilder()
                            .setName("main")
                            .setRestartCount(restarts + 1)
                            .setState(
                                ContainerState.newBuilder()
                                    .setRunning(
                                        ContainerStateRunning.newBuilder()
                                            .setStartedAt(ApiObjects.timestamp(h.clock.instant()))))
                            .setLastState(
                                ContainerState.newBuilder()
                                    .setTerminated(
                                        ContainerStateTerminated.newBuilder()
                                            .setExitCode(1)
                                            .setFinishedAt(
                                                ApiObjects.timestamp(h.clock.instant()))))))
            .build());
    h.settle();
  }

  private List<String> names(List<Pod> pods) {
    return pods.stream().map(p -> p.getMetadata().getName()).toList();
  }

  private Optional<Condition> condition(String type) {
    return job().orElseThrow().getStatus().getConditionsList().stream()
        .filter(c -> c.getType().equals(type))
        .findFirst();
  }

  @Test
  void creationsObservedWhileASyncListsDoNotCreateThePodsAgain() {
    submit(RestartPolicy.RESTART_POLICY_NEVER, s -> s.setCompletions(3).setParallelism(2));
    h.cluster.holdEvents();
    h.settle();
    assertThat(all()).hasSize(2);
    // The next sync lists no pods; the two creations arrive just after its list.
    h.cluster.releaseEventsAfterNextList(Kind.KIND_POD);
    controller.queue().add("default/task");
    h.settle();
    assertThat(h.cluster.eventReasons("task"))
        .containsExactly("SuccessfulCreate", "SuccessfulCreate");
  }

  @Test
  void runsParallelPodsUntilCompletionsSucceed() {
    create(s -> s.setCompletions(3).setParallelism(2));
    assertThat(active()).hasSize(2);
    assertThat(active().get(0).getMetadata().getLabelsMap())
        .containsEntry(JobController.JOB_NAME_LABEL, "task");
    assertThat(job().orElseThrow().getStatus().hasStartTime()).isTrue();

    assertThat(h.cluster.eventReasons("task"))
        .containsExactly("SuccessfulCreate", "SuccessfulCreate");
    finish(active().get(0), true);
    assertThat(active()).hasSize(2);
    finish(active().get(0), true);
    assertThat(active()).as("only one completion left").hasSize(1);
    assertThat(h.cluster.eventReasons("task")).doesNotContain("Completed");
    assertThat(job().orElseThrow().getStatus().getSucceeded()).isEqualTo(2);
    finish(active().get(0), true);

    Job done = job().orElseThrow();
    assertThat(condition("Complete")).isPresent();
    assertThat(done.getStatus().hasCompletionTime()).isTrue();
    assertThat(done.getStatus().getSucceeded()).isEqualTo(3);
    assertThat(done.getStatus().getActive()).isZero();
    assertThat(h.cluster.eventReasons("task")).containsOnlyOnce("Completed");
  }

  @Test
  void failedPodsAreRetriedWithExponentialBackoffUntilTheLimit() {
    create(s -> s.setBackoffLimit(2));
    finish(active().get(0), false);
    assertThat(active()).isEmpty();
    h.advance(Duration.ofSeconds(9));
    assertThat(active()).as("10 s backoff after the first failure").isEmpty();
    h.advance(Duration.ofSeconds(1));
    assertThat(active()).hasSize(1);

    finish(active().get(0), false);
    h.advance(Duration.ofSeconds(19));
    assertThat(active()).as("20 s after the second").isEmpty();
    h.advance(Duration.ofSeconds(1));
    assertThat(active()).hasSize(1);
    assertThat(condition("Failed")).isEmpty();

    finish(active().get(0), false);
    assertThat(condition("Failed").orElseThrow().getReason()).isEqualTo("BackoffLimitExceeded");
    assertThat(job().orElseThrow().getStatus().getFailed()).isEqualTo(3);
    assertThat(h.cluster.eventReasons("task")).containsOnlyOnce("BackoffLimitExceeded");
    h.advance(Duration.ofMinutes(10));
    assertThat(active()).isEmpty();
  }

  @Test
  void theActiveDeadlineFailsTheJobAndStopsItsPods() {
    create(s -> s.setParallelism(2).setCompletions(4).setActiveDeadlineSeconds(30));
    assertThat(active()).hasSize(2);
    h.advance(Duration.ofSeconds(29));
    assertThat(condition("Failed")).isEmpty();
    assertThat(h.cluster.eventReasons("task")).doesNotContain("DeadlineExceeded");
    h.advance(Duration.ofSeconds(1));
    assertThat(condition("Failed").orElseThrow().getReason()).isEqualTo("DeadlineExceeded");
    assertThat(h.cluster.eventReasons("task")).containsOnlyOnce("DeadlineExceeded");
    assertThat(active()).isEmpty();
    assertThat(h.cluster.eventReasons("task")).filteredOn("SuccessfulDelete"::equals).hasSize(2);
  }

  @Test
  void aFinishedJobIsDeletedAfterItsTtl() {
    create(s -> s.setTtlSecondsAfterFinished(60));
    h.advance(Duration.ofSeconds(45));
    finish(active().get(0), true);
    assertThat(condition("Complete")).isPresent();
    h.advance(Duration.ofSeconds(59));
    assertThat(job()).as("the ttl counts from the finish, not from the start").isPresent();
    h.advance(Duration.ofSeconds(1));
    assertThat(job()).isEmpty();
  }

  @Test
  void aFailedJobIsDeletedAfterItsTtlToo() {
    create(
        RestartPolicy.RESTART_POLICY_ON_FAILURE,
        s -> s.setBackoffLimit(1).setTtlSecondsAfterFinished(30));
    h.advance(Duration.ofSeconds(10));
    restartInPlace(active().get(0));
    assertThat(condition("Failed").orElseThrow().getReason()).isEqualTo("BackoffLimitExceeded");
    h.advance(Duration.ofSeconds(29));
    assertThat(job()).isPresent();
    h.advance(Duration.ofSeconds(1));
    assertThat(job()).isEmpty();
  }

  @Test
  void aWorkQueueJobCompletesWhenOnePodSucceededAndNoneRuns() {
    create(s -> s.setParallelism(2));
    assertThat(active()).hasSize(2);
    finish(active().get(0), true);
    assertThat(condition("Complete")).isEmpty();
    assertThat(active()).as("no new pods once one succeeded").hasSize(1);
    finish(active().get(0), true);
    assertThat(condition("Complete")).isPresent();
    assertThat(all()).hasSize(2);
  }

  @Test
  void aSuspendedJobRunsNoPods() {
    create(s -> s.setParallelism(2).setCompletions(2).setSuspend(true));
    assertThat(active()).isEmpty();
    assertThat(condition("Suspended")).isPresent();
    assertThat(h.cluster.eventReasons("task")).containsExactly("Suspended");
    Job j = job().orElseThrow();
    h.cluster.update(j.toBuilder().setSpec(j.getSpec().toBuilder().setSuspend(false)).build());
    h.settle();
    assertThat(active()).hasSize(2);
    assertThat(condition("Suspended")).isEmpty();
    assertThat(h.cluster.eventReasons("task"))
        .containsExactly("Suspended", "Resumed", "SuccessfulCreate", "SuccessfulCreate");
  }

  @Test
  void anOnFailurePodRestartsInPlaceAndItsRestartsCountAgainstTheBackoffLimit() {
    create(RestartPolicy.RESTART_POLICY_ON_FAILURE, s -> s.setBackoffLimit(3));
    List<String> first = names(active());
    assertThat(first).hasSize(1);

    restartInPlace(active().get(0));
    restartInPlace(active().get(0));
    h.advance(Duration.ofMinutes(10));
    assertThat(names(all())).as("the same pod runs on, no replacement").isEqualTo(first);
    assertThat(condition("Failed")).isEmpty();
    assertThat(job().orElseThrow().getStatus().getFailed()).as("no pod failed").isZero();
    assertThat(job().orElseThrow().getStatus().getActive()).isEqualTo(1);

    restartInPlace(active().get(0));
    Condition failed = condition("Failed").orElseThrow();
    assertThat(failed.getReason()).isEqualTo("BackoffLimitExceeded");
    assertThat(active()).as("the restarting pod is stopped").isEmpty();
    assertThat(names(all())).doesNotContainAnyElementsOf(first);
    assertThat(h.cluster.events())
        .anySatisfy(
            e -> {
              assertThat(e.getInvolvedObject().getName()).isEqualTo("task");
              assertThat(e.getReason()).isEqualTo("BackoffLimitExceeded");
              assertThat(e.getType()).isEqualTo(dev.drover.api.v1.EventType.EVENT_TYPE_WARNING);
            });
  }

  @Test
  void anOnFailureJobWithBackoffLimitZeroFailsAtTheFirstRestart() {
    create(RestartPolicy.RESTART_POLICY_ON_FAILURE, s -> s.setBackoffLimit(0));
    assertThat(condition("Failed")).isEmpty();
    restartInPlace(active().get(0));
    assertThat(condition("Failed").orElseThrow().getReason()).isEqualTo("BackoffLimitExceeded");
  }

  @Test
  void theSameContainerFailureReplacesTheNeverPodButNotTheOnFailurePod() {
    // Never: the agent leaves the pod Failed; the controller counts it and creates a new pod.
    create(RestartPolicy.RESTART_POLICY_NEVER, s -> s.setBackoffLimit(3));
    Pod never = active().get(0);
    finish(never, false);
    h.advance(Duration.ofSeconds(10));
    assertThat(job().orElseThrow().getStatus().getFailed()).isEqualTo(1);
    assertThat(all()).hasSize(2);
    assertThat(names(active())).hasSize(1).doesNotContain(never.getMetadata().getName());

    // OnFailure: the agent restarts the container in the pod; nothing is created or counted.
    h.cluster.delete(Kind.KIND_JOB, "default", "task", DeleteOptions.background());
    for (Pod pod : all()) {
      h.cluster.delete(
          Kind.KIND_POD, "default", pod.getMetadata().getName(), DeleteOptions.background());
    }
    h.settle();
    create(RestartPolicy.RESTART_POLICY_ON_FAILURE, s -> s.setBackoffLimit(3));
    Pod onFailure = active().get(0);
    restartInPlace(onFailure);
    h.advance(Duration.ofSeconds(10));
    assertThat(job().orElseThrow().getStatus().getFailed()).isZero();
    assertThat(names(all())).containsExactly(onFailure.getMetadata().getName());
  }

  @Test
  void anOnFailurePodThatFailsAsAWholeIsReplacedAndCounted() {
    // E.g. evicted or lost with its node: the pod itself failed, not just a container.
    create(RestartPolicy.RESTART_POLICY_ON_FAILURE, s -> s.setBackoffLimit(3));
    Pod lost = active().get(0);
    finish(lost, false);
    h.advance(Duration.ofSeconds(10));
    assertThat(job().orElseThrow().getStatus().getFailed()).isEqualTo(1);
    assertThat(names(active())).hasSize(1).doesNotContain(lost.getMetadata().getName());
  }

  private static String index(Pod pod) {
    return pod.getMetadata().getAnnotationsOrThrow(JobController.INDEX_ANNOTATION);
  }

  private Pod activeWithIndex(String index) {
    return active().stream().filter(p -> index(p).equals(index)).findFirst().orElseThrow();
  }

  @Test
  void anIndexedJobNeedsOneSuccessPerIndex() {
    create(
        s ->
            s.setCompletions(3)
                .setParallelism(2)
                .setCompletionMode(dev.drover.api.v1.CompletionMode.COMPLETION_MODE_INDEXED));
    assertThat(active()).extracting(JobControllerTest::index).containsExactlyInAnyOrder("0", "1");

    finish(activeWithIndex("1"), true);
    assertThat(job().orElseThrow().getStatus().getCompletedIndexes()).isEqualTo("1");
    assertThat(active()).extracting(JobControllerTest::index).containsExactlyInAnyOrder("0", "2");

    finish(activeWithIndex("0"), false);
    h.advance(Duration.ofSeconds(10));
    assertThat(active()).extracting(JobControllerTest::index).containsExactlyInAnyOrder("0", "2");
    finish(activeWithIndex("2"), true);
    assertThat(job().orElseThrow().getStatus().getCompletedIndexes()).isEqualTo("1-2");
    assertThat(condition("Complete")).isEmpty();
    finish(activeWithIndex("0"), true);
    assertThat(job().orElseThrow().getStatus().getCompletedIndexes()).isEqualTo("0-2");
    assertThat(condition("Complete")).isPresent();
  }

  @Test
  void indexesAreFormattedAsRanges() {
    assertThat(JobController.formatIndexes(new java.util.TreeSet<>(List.of(1, 3, 4, 5, 7))))
        .isEqualTo("1,3-5,7");
    assertThat(JobController.formatIndexes(new java.util.TreeSet<>())).isEmpty();
  }
}
