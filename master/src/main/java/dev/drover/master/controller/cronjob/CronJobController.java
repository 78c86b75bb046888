package dev.drover.master.controller.cronjob;

import dev.drover.api.ApiObjects;
import dev.drover.api.CronSchedule;
import dev.drover.api.v1.ConcurrencyPolicy;
import dev.drover.api.v1.Condition;
import dev.drover.api.v1.ConditionStatus;
import dev.drover.api.v1.CronJob;
import dev.drover.api.v1.CronJobSpec;
import dev.drover.api.v1.CronJobStatus;
import dev.drover.api.v1.Job;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.ObjectReference;
import dev.drover.api.v1.PropagationPolicy;
import dev.drover.master.controller.Controller;
import dev.drover.master.controller.ControllerContext;
import dev.drover.master.controller.DeleteOptions;
import dev.drover.master.controller.ResourceHandler;
import dev.drover.master.controller.WriteException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Runs CronJobs the way Kubernetes' CronJob controller does: at each scheduled time (read in the
 * cron job's {@code time_zone}) it creates a Job from the job template, named after the cron job
 * and the scheduled minute so that a retried run never creates a second Job. Only the latest missed
 * run starts, and not at all once {@code starting_deadline_seconds} have passed since it was due.
 * Concurrency policy Forbid skips a run while an earlier Job is active; Replace deletes the active
 * Jobs first. A suspended cron job starts nothing. Finished Jobs beyond the successful and failed
 * history limits are deleted, oldest first. The status lists the active Jobs and the last scheduled
 * and last successful times; every run, skip and deletion is an event on the cron job.
 */
public final class CronJobController extends Controller {
  /** Annotation with the time a Job was scheduled for, as Kubernetes sets it. */
  public static final String SCHEDULED_TIMESTAMP_ANNOTATION =
      "batch.kubernetes.io/cronjob-scheduled-timestamp";

  // Beyond this many missed runs the schedule or the clock is likely wrong: say so.
  private static final int MAX_MISSED_RUNS = 100;

  /** Creates the controller and registers its handlers. */
  public CronJobController(ControllerContext context, int workers, Duration resync) {
    super("cronjob-controller", context, workers, resync);
    cache.addHandler(Kind.KIND_CRON_JOB, primaryHandler(c -> {}));
    cache.addHandler(
        Kind.KIND_JOB,
        new ResourceHandler() {
          @Override
          public void onAdd(com.google.protobuf.Message job) {
            enqueueController(job, Kind.KIND_CRON_JOB);
          }

          @Override
          public void onUpdate(com.google.protobuf.Message old, com.google.protobuf.Message job) {
            enqueueController(job, Kind.KIND_CRON_JOB);
          }

          @Override
          public void onDelete(com.google.protobuf.Message job) {
            enqueueController(job, Kind.KIND_CRON_JOB);
          }
        });
  }

  /** Creates the controller with one worker and a 30 s resync. */
  public CronJobController(ControllerContext context) {
    this(context, 1, Duration.ofSeconds(30));
  }

  @Override
  protected List<String> allKeys() {
    return cache.<CronJob>list(Kind.KIND_CRON_JOB, "", null).stream().map(ApiObjects::key).toList();
  }

  @Override
  protected void sync(String key) {
    Optional<CronJob> found =
        cache.get(Kind.KIND_CRON_JOB, ApiObjects.namespaceOf(key), ApiObjects.nameOf(key));
    if (found.isEmpty() || found.get().getMetadata().hasDeletionTime()) {
      return;
    }
    CronJob cronJob = found.get();
    CronJobSpec spec = cronJob.getSpec();
    Instant now = clock.instant();
    List<Job> owned = new ArrayList<>();
    for (Job job : cache.<Job>list(Kind.KIND_JOB, cronJob.getMetadata().getNamespace(), null)) {
      if (ApiObjects.isControlledBy(job.getMetadata(), cronJob.getMetadata().getUid())) {
        owned.add(job);
      }
    }
    CronJobStatus.Builder status = cronJob.getStatus().toBuilder();
    List<Job> active = trackFinished(cronJob, owned, status);
    trimHistory(cronJob, owned);

    CronSchedule schedule;
    try {
      schedule =
          CronSchedule.parse(
              spec.getSchedule(), CronSchedule.zone(spec.hasTimeZone() ? spec.getTimeZone() : ""));
    } catch (IllegalArgumentException e) {
      // Validation refuses such a schedule; one stored before a rule changed only gets a warning.
      events.warning(cronJob, "UnparseableSchedule", "unparseable schedule: " + e.getMessage());
      writeStatus(cronJob, status);
      return;
    }
    if (spec.getSuspend()) {
      writeStatus(cronJob, status);
      return;
    }
    Optional<Instant> due = latestMissedRun(cronJob, schedule, status, now);
    due.ifPresent(at -> run(cronJob, at, active, status, now));
    writeStatus(cronJob, status);
    schedule.next(now).ifPresent(next -> queue.addAfter(key, Duration.between(now, next)));
  }

  /**
   * Moves Jobs that finished out of the active list (noting the last success) and returns the owned
   * Jobs still running.
   */
  private List<Job> trackFinished(CronJob cronJob, List<Job> owned, CronJobStatus.Builder status) {
    Set<String> previouslyActive = new HashSet<>();
    for (ObjectReference ref : status.getActiveList()) {
      previouslyActive.add(ref.getUid());
    }
    List<Job> active = new ArrayList<>();
    status.clearActive();
    for (Job job : owned) {
      Optional<Condition> finished = finishedCondition(job);
      if (finished.isEmpty()) {
        if (!job.getMetadata().hasDeletionTime()) {
          active.add(job);
          status.addActive(ApiObjects.reference(job));
        }
        continue;
      }
      if (previouslyActive.contains(job.getMetadata().getUid())) {
        events.normal(
            cronJob,
            "SawCompletedJob",
            "Saw completed job: "
                + job.getMetadata().getName()
                + ", status: "
                + finished.get().getType());
      }
      if (finished.get().getType().equals("Complete") && job.getStatus().hasCompletionTime()) {
        Instant completed = ApiObjects.instant(job.getStatus().getCompletionTime());
        if (!status.hasLastSuccessfulTime()
            || completed.isAfter(ApiObjects.instant(status.getLastSuccessfulTime()))) {
          status.setLastSuccessfulTime(ApiObjects.timestamp(completed));
        }
      }
    }
    return active;
  }

  /**
   * The latest scheduled time not yet run, or empty when none is due or it is past the starting
   * deadline (a MissSchedule event then).
   */
  private Optional<Instant> latestMissedRun(
      CronJob cronJob, CronSchedule schedule, CronJobStatus.Builder status, Instant now) {
    CronJobSpec spec = cronJob.getSpec();
    Instant since =
        status.hasLastScheduleTime()
            ? ApiObjects.instant(status.getLastScheduleTime())
            : ApiObjects.instant(cronJob.getMetadata().getCreationTime());
    if (spec.hasStartingDeadlineSeconds()) {
      Instant earliest = now.minusSeconds(spec.getStartingDeadlineSeconds());
      if (earliest.isAfter(since)) {
        since = earliest;
      }
    }
    Instant latest = null;
    int missed = 0;
    for (Optional<Instant> t = schedule.next(since);
        t.isPresent() && !t.get().isAfter(now);
        t = schedule.next(t.get())) {
      latest = t.get();
      if (++missed == MAX_MISSED_RUNS) {
        events.warning(
            cronJob,
            "TooManyMissedTimes",
            "too many missed start times; check the clock and the schedule");
        // Only the latest counts: skip ahead instead of walking every missed time.
        Instant jump = now.minus(Duration.ofDays(1));
        if (jump.isAfter(latest)) {
          t = Optional.of(jump);
        }
      }
    }
    if (latest == null) {
      return Optional.empty();
    }
    if (spec.hasStartingDeadlineSeconds()
        && latest.plusSeconds(spec.getStartingDeadlineSeconds()).isBefore(now)) {
      events.warning(
          cronJob,
          "MissSchedule",
          "Missed scheduled time to start a job: " + DateTimeFormatter.ISO_INSTANT.format(latest));
      return Optional.empty();
    }
    return Optional.of(latest);
  }

  private void run(
      CronJob cronJob, Instant at, List<Job> active, CronJobStatus.Builder status, Instant now) {
    ConcurrencyPolicy policy = cronJob.getSpec().getConcurrencyPolicy();
    if (policy == ConcurrencyPolicy.CONCURRENCY_POLICY_FORBID && !active.isEmpty()) {
      events.normal(
          cronJob,
          "JobAlreadyActive",
          "Not starting job because prior execution is running and concurrency policy is Forbid");
      // The run is skipped, not postponed: the next one is due at the next scheduled time.
      status.setLastScheduleTime(ApiObjects.timestamp(at));
      return;
    }
    if (policy == ConcurrencyPolicy.CONCURRENCY_POLICY_REPLACE) {
      for (Job job : active) {
        deleteJob(cronJob, job);
        status.clearActive();
      }
    }
    Job job = jobFor(cronJob, at);
    try {
      Job created = writer.create(job);
      events.normal(cronJob, "SuccessfulCreate", "Created job " + created.getMetadata().getName());
      status.addActive(ApiObjects.reference(created));
    } catch (WriteException e) {
      if (e.reason() != WriteException.Reason.ALREADY_EXISTS) {
        events.warning(cronJob, "FailedCreate", "Error creating job: " + e.getMessage());
        throw e;
      }
      // Created by an earlier attempt of this run whose status write was lost.
    }
    status.setLastScheduleTime(ApiObjects.timestamp(at));
  }

  /** The Job of the run scheduled at {@code at}. */
  static Job jobFor(CronJob cronJob, Instant at) {
    ObjectMeta template = cronJob.getSpec().getJobTemplate().getMetadata();
    ObjectMeta meta =
        ObjectMeta.newBuilder()
            .setName(jobName(cronJob, at))
            .setNamespace(cronJob.getMetadata().getNamespace())
            .putAllLabels(template.getLabelsMap())
            .putAllAnnotations(template.getAnnotationsMap())
            .putAnnotations(
                SCHEDULED_TIMESTAMP_ANNOTATION, DateTimeFormatter.ISO_INSTANT.format(at))
            .addOwnerReferences(ApiObjects.controllerRef(cronJob))
            .build();
    return Job.newBuilder()
        .setMetadata(meta)
        .setSpec(cronJob.getSpec().getJobTemplate().getSpec())
        .build();
  }

  /** As Kubernetes names it: the cron job's name and the scheduled time in minutes. */
  static String jobName(CronJob cronJob, Instant at) {
    return cronJob.getMetadata().getName() + "-" + at.getEpochSecond() / 60;
  }

  private void trimHistory(CronJob cronJob, List<Job> owned) {
    List<Job> succeeded = new ArrayList<>();
    List<Job> failed = new ArrayList<>();
    for (Job job : owned) {
      if (job.getMetadata().hasDeletionTime()) {
        continue;
      }
      finishedCondition(job)
          .ifPresent(c -> (c.getType().equals("Complete") ? succeeded : failed).add(job));
    }
    trim(cronJob, succeeded, cronJob.getSpec().getSuccessfulJobsHistoryLimit());
    trim(cronJob, failed, cronJob.getSpec().getFailedJobsHistoryLimit());
  }

  private void trim(CronJob cronJob, List<Job> finished, int keep) {
    if (finished.size() <= keep) {
      return;
    }
    finished.sort(
        Comparator.comparing((Job j) -> ApiObjects.instant(j.getStatus().getStartTime()))
            .thenComparing(j -> ApiObjects.instant(j.getMetadata().getCreationTime()))
            .thenComparing(j -> j.getMetadata().getName()));
    for (Job job : finished.subList(0, finished.size() - keep)) {
      deleteJob(cronJob, job);
    }
  }

  private void deleteJob(CronJob cronJob, Job job) {
    ObjectMeta meta = job.getMetadata();
    try {
      writer.delete(
          Kind.KIND_JOB,
          meta.getNamespace(),
          meta.getName(),
          DeleteOptions.withUid(meta.getUid())
              .propagation(PropagationPolicy.PROPAGATION_POLICY_BACKGROUND));
      events.normal(cronJob, "SuccessfulDelete", "Deleted job " + meta.getName());
    } catch (WriteException e) {
      if (!isGone(e)) {
        events.warning(cronJob, "FailedDelete", "Error deleting job: " + e.getMessage());
        throw e;
      }
    }
  }

  private void writeStatus(CronJob cronJob, CronJobStatus.Builder status) {
    CronJobStatus next = status.build();
    if (!next.equals(cronJob.getStatus())) {
      writer.updateStatus(cronJob.toBuilder().setStatus(next).build());
    }
  }

  private static Optional<Condition> finishedCondition(Job job) {
    return job.getStatus().getConditionsList().stream()
        .filter(c -> c.getType().equals("Complete") || c.getType().equals("Failed"))
        .filter(c -> c.getStatus() == ConditionStatus.CONDITION_STATUS_TRUE)
        .findFirst();
  }
}
