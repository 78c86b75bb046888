package dev.drover.master.controller.cronjob;

import static dev.drover.testing.TestObjects.meta;
import static dev.drover.testing.TestObjects.template;
import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.api.ApiObjects;
import dev.drover.api.v1.ConcurrencyPolicy;
import dev.drover.api.v1.Condition;
import dev.drover.api.v1.ConditionStatus;
import dev.drover.api.v1.CronJob;
import dev.drover.api.v1.CronJobSpec;
import dev.drover.api.v1.Job;
import dev.drover.api.v1.JobSpec;
import dev.drover.api.v1.JobTemplateSpec;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.RestartPolicy;
import dev.drover.master.controller.Harness;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** The cron job controller over a fake cluster and the shared fake clock (2026-01-01T00:00Z). */
class CronJobControllerTest {
  private final Harness h = new Harness();

  CronJobControllerTest() {
    h.add(new CronJobController(h.context()));
  }

  private void create(String schedule, UnaryOperator<CronJobSpec.Builder> spec) {
    var pod = template(Map.of("app", "tick"), "busybox:1").toBuilder();
    pod.getSpecBuilder().setRestartPolicy(RestartPolicy.RESTART_POLICY_NEVER);
    CronJobSpec.Builder b =
        CronJobSpec.newBuilder()
            .setSchedule(schedule)
            .setConcurrencyPolicy(ConcurrencyPolicy.CONCURRENCY_POLICY_ALLOW)
            .setSuspend(false)
            .setSuccessfulJobsHistoryLimit(3)
            .setFailedJobsHistoryLimit(1)
            .setJobTemplate(
                JobTemplateSpec.newBuilder()
                    .setMetadata(ObjectMeta.newBuilder().putLabels("team", "ops"))
                    .setSpec(JobSpec.newBuilder().setTemplate(pod)));
    h.cluster.create(CronJob.newBuilder().setMetadata(meta("tick")).setSpec(spec.apply(b)).build());
    h.settle();
  }

  private CronJob cronJob() {
    return h.cluster.stored(Kind.KIND_CRON_JOB, "default", "tick");
  }

  /** Jobs of the cron job that are not being deleted, oldest first. */
  private List<Job> jobs() {
    return h.cluster.<Job>stored(Kind.KIND_JOB).stream()
        .filter(j -> !j.getMetadata().hasDeletionTime())
        .sorted(Comparator.comparing(j -> j.getMetadata().getName()))
        .toList();
  }

  private List<String> jobNames() {
    return jobs().stream().map(j -> j.getMetadata().getName()).toList();
  }

  /** Plays the job controller: the job finishes now. */
  private void finish(Job job, boolean success) {
    Job current = h.cluster.stored(Kind.KIND_JOB, "default", job.getMetadata().getName());
    var status =
        current.getStatus().toBuilder()
            .setStartTime(current.getMetadata().getCreationTime())
            .addConditions(
                Condition.newBuilder()
                    .setType(success ? "Complete" : "Failed")
                    .setStatus(ConditionStatus.CONDITION_STATUS_TRUE));
    if (success) {
      status.setCompletionTime(ApiObjects.timestamp(h.clock.instant()));
    }
    h.cluster.updateStatus(current.toBuilder().setStatus(status).build());
    h.settle();
  }

  private static String nameAt(String instant) {
    return "tick-" + Instant.parse(instant).getEpochSecond() / 60;
  }

  @Test
  void createsAJobAtEachScheduledTime() {
    create("*/5 * * * *", s -> s);
    assertThat(jobs()).isEmpty();

    h.advanceInSteps(Duration.ofMinutes(5), Duration.ofMinutes(1));
    assertThat(jobNames()).containsExactly(nameAt("2026-01-01T00:05:00Z"));
    Job job = jobs().get(0);
    assertThat(job.getMetadata().getLabelsMap()).containsEntry("team", "ops");
    assertThat(ApiObjects.controllerOf(job.getMetadata()).orElseThrow().getUid())
        .isEqualTo(cronJob().getMetadata().getUid());
    assertThat(job.getMetadata().getAnnotationsMap())
        .containsEntry(CronJobController.SCHEDULED_TIMESTAMP_ANNOTATION, "2026-01-01T00:05:00Z");
    assertThat(cronJob().getStatus().getActiveList())
        .extracting(r -> r.getName())
        .containsExactly(job.getMetadata().getName());
    assertThat(ApiObjects.instant(cronJob().getStatus().getLastScheduleTime()))
        .isEqualTo(Instant.parse("2026-01-01T00:05:00Z"));

    // Nothing more until the next scheduled time; Allow lets the runs overlap.
    h.advanceInSteps(Duration.ofMinutes(4), Duration.ofMinutes(1));
    assertThat(jobs()).hasSize(1);
    h.advance(Duration.ofMinutes(1));
    assertThat(jobNames())
        .containsExactly(nameAt("2026-01-01T00:05:00Z"), nameAt("2026-01-01T00:10:00Z"));
    assertThat(h.cluster.eventReasons("tick"))
        .containsExactly("SuccessfulCreate", "SuccessfulCreate");

    finish(jobs().get(0), true);
    assertThat(cronJob().getStatus().getActiveCount()).isEqualTo(1);
    assertThat(ApiObjects.instant(cronJob().getStatus().getLastSuccessfulTime()))
        .isEqualTo(Instant.parse("2026-01-01T00:10:00Z"));
    assertThat(h.cluster.eventReasons("tick")).contains("SawCompletedJob");
  }

  @Test
  void forbidSkipsARunWhileTheLastOneIsActive() {
    create("* * * * *", s -> s.setConcurrencyPolicy(ConcurrencyPolicy.CONCURRENCY_POLICY_FORBID));
    h.advance(Duration.ofMinutes(1));
    assertThat(jobs()).hasSize(1);

    h.advance(Duration.ofMinutes(1));
    h.advance(Duration.ofMinutes(1));
    assertThat(jobs()).hasSize(1);
    assertThat(h.cluster.eventReasons("tick")).contains("JobAlreadyActive");

    finish(jobs().get(0), true);
    h.advance(Duration.ofMinutes(1));
    assertThat(jobNames())
        .containsExactly(nameAt("2026-01-01T00:01:00Z"), nameAt("2026-01-01T00:04:00Z"));
  }

  @Test
  void replaceDeletesTheActiveRunFirst() {
    create("* * * * *", s -> s.setConcurrencyPolicy(ConcurrencyPolicy.CONCURRENCY_POLICY_REPLACE));
    h.advance(Duration.ofMinutes(1));
    h.advance(Duration.ofMinutes(1));
    assertThat(jobNames()).containsExactly(nameAt("2026-01-01T00:02:00Z"));
    assertThat(h.cluster.eventReasons("tick"))
        .containsExactly("SuccessfulCreate", "SuccessfulDelete", "SuccessfulCreate");
  }

  @Test
  void keepsOnlyTheNewestFinishedJobsWithinTheHistoryLimits() {
    create("* * * * *", s -> s.setSuccessfulJobsHistoryLimit(2).setFailedJobsHistoryLimit(1));
    for (int i = 0; i < 4; i++) {
      h.advance(Duration.ofMinutes(1));
      finish(jobs().get(jobs().size() - 1), true);
    }
    assertThat(jobNames())
        .containsExactly(nameAt("2026-01-01T00:03:00Z"), nameAt("2026-01-01T00:04:00Z"));
    for (int i = 0; i < 2; i++) {
      h.advance(Duration.ofMinutes(1));
      finish(jobs().get(jobs().size() - 1), false);
    }
    assertThat(jobNames())
        .containsExactly(
            nameAt("2026-01-01T00:03:00Z"),
            nameAt("2026-01-01T00:04:00Z"),
            nameAt("2026-01-01T00:06:00Z"));
  }

  @Test
  void suspendedCronJobStartsNothing() {
    create("* * * * *", s -> s.setSuspend(true));
    h.advanceInSteps(Duration.ofMinutes(5), Duration.ofMinutes(1));
    assertThat(jobs()).isEmpty();
  }

  @Test
  void aRunPastItsStartingDeadlineIsSkipped() {
    create("0 * * * *", s -> s.setStartingDeadlineSeconds(60));
    // The controller misses the 01:00 run by 30 minutes (say no master was active).
    h.clock.advance(Duration.ofMinutes(90));
    h.settle();
    assertThat(jobs()).isEmpty();

    h.advance(Duration.ofMinutes(30));
    assertThat(jobNames()).containsExactly(nameAt("2026-01-01T02:00:00Z"));
  }

  @Test
  void aLateControllerStartsOnlyTheLatestMissedRun() {
    create("*/10 * * * *", s -> s);
    h.clock.advance(Duration.ofMinutes(35));
    h.settle();
    assertThat(jobNames()).containsExactly(nameAt("2026-01-01T00:30:00Z"));
  }

  @Test
  void timeZoneDecidesTheWallClock() {
    create("0 9 * * *", s -> s.setTimeZone("Asia/Tokyo"));
    // 09:00 in Tokyo (UTC+9) is midnight UTC: the first run is on 2026-01-02 at 00:00Z.
    h.advanceInSteps(Duration.ofHours(24), Duration.ofHours(1));
    assertThat(jobNames()).containsExactly(nameAt("2026-01-02T00:00:00Z"));
  }
}
