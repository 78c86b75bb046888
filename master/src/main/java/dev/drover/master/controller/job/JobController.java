package dev.drover.master.controller.job;

import dev.drover.api.ApiObjects;
import dev.drover.api.v1.CompletionMode;
import dev.drover.api.v1.Condition;
import dev.drover.api.v1.ConditionStatus;
import dev.drover.api.v1.ContainerStatus;
import dev.drover.api.v1.Job;
import dev.drover.api.v1.JobSpec;
import dev.drover.api.v1.JobStatus;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodPhase;
import dev.drover.api.v1.PropagationPolicy;
import dev.drover.api.v1.RestartPolicy;
import dev.drover.master.controller.Controller;
import dev.drover.master.controller.ControllerContext;
import dev.drover.master.controller.DeleteOptions;
import dev.drover.master.controller.Expectations;
import dev.drover.master.controller.Pods;
import dev.drover.master.controller.WriteException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Runs Jobs: keeps up to {@code parallelism} pods running until {@code completions} of them
 * succeeded (or, for a work-queue job without completions, until one succeeded and none is left
 * running). Failed pods are kept for inspection and replaced after an exponential backoff (10 s
 * doubling up to 6 min, from the last failure); more failed pods than {@code backoff_limit} fail
 * the job with reason BackoffLimitExceeded. With restart policy OnFailure the node agent restarts a
 * failing container in place, so the pod stays and is not replaced; as in Kubernetes, the job then
 * also fails with BackoffLimitExceeded once the restart counts of its active pods add up to {@code
 * backoff_limit} (to one when it is 0). Running longer than {@code active_deadline_seconds} fails
 * it with DeadlineExceeded. A finished job's remaining pods are deleted; {@code
 * ttl_seconds_after_finished} after finishing, the job itself is deleted (its pods follow through
 * the garbage collector). Suspended jobs run no pods. An Indexed job gives each pod an index in
 * {@value #INDEX_ANNOTATION} and needs one success per index, reported as ranges in {@code
 * completed_indexes}.
 */
public final class JobController extends Controller {
  /** Label with the job's name on its pods. */
  public static final String JOB_NAME_LABEL = "job-name";

  /** Annotation with the completion index of a pod of an Indexed job. */
  public static final String INDEX_ANNOTATION = "batch.kubernetes.io/job-completion-index";

  /** Label with the job's uid on its pods. */
  public static final String CONTROLLER_UID_LABEL = "controller-uid";

  static final Duration BACKOFF_BASE = Duration.ofSeconds(10);
  static final Duration BACKOFF_MAX = Duration.ofMinutes(6);
  static final int DEFAULT_BACKOFF_LIMIT = 6;

  private final Expectations expectations;

  /** Creates the controller and registers its handlers. */
  public JobController(ControllerContext context, int workers, Duration resync) {
    super("job-controller", context, workers, resync);
    this.expectations = new Expectations(clock);
    cache.addHandler(Kind.KIND_JOB, primaryHandler(j -> expectations.forget(ApiObjects.key(j))));
    cache.addHandler(Kind.KIND_POD, ownedPodHandler(Kind.KIND_JOB, expectations, p -> {}));
  }

  /** Creates the controller with two workers and a 30 s resync. */
  public JobController(ControllerContext context) {
    this(context, 2, Duration.ofSeconds(30));
  }

  @Override
  protected List<String> allKeys() {
    return cache.<Job>list(Kind.KIND_JOB, "", null).stream().map(ApiObjects::key).toList();
  }

  static Optional<Condition> finishedCondition(JobStatus status) {
    return status.getConditionsList().stream()
        .filter(c -> c.getType().equals("Complete") || c.getType().equals("Failed"))
        .filter(c -> c.getStatus() == ConditionStatus.CONDITION_STATUS_TRUE)
        .findFirst();
  }

  @Override
  protected void sync(String key) {
    Optional<Job> found =
        cache.get(Kind.KIND_JOB, ApiObjects.namespaceOf(key), ApiObjects.nameOf(key));
    if (found.isEmpty()) {
      expectations.forget(key);
      return;
    }
    Job job = found.get();
    if (job.getMetadata().hasDeletionTime()) {
      return;
    }
    JobSpec spec = job.getSpec();
    // Read the expectations before listing the pods: a creation observed between the two would
    // count as seen while the list still lacks the pod, and the pod would be created twice.
    boolean satisfied = expectations.satisfied(key);
    Instant now = clock.instant();
    List<Pod> active = new ArrayList<>();
    List<Pod> failedPods = new ArrayList<>();
    int succeeded = 0;
    int ready = 0;
    boolean indexed = isIndexed(spec);
    TreeSet<Integer> doneIndexes = new TreeSet<>();
    Set<Integer> activeIndexes = new HashSet<>();
    for (Pod pod : cache.<Pod>list(Kind.KIND_POD, job.getMetadata().getNamespace(), null)) {
      if (!ApiObjects.isControlledBy(pod.getMetadata(), job.getMetadata().getUid())) {
        continue;
      }
      PodPhase phase = pod.getStatus().getPhase();
      if (phase == PodPhase.POD_PHASE_SUCCEEDED) {
        succeeded++;
        indexOf(pod).filter(i -> i < completions(spec)).ifPresent(doneIndexes::add);
      } else if (phase == PodPhase.POD_PHASE_FAILED) {
        failedPods.add(pod);
      } else if (Pods.isActive(pod)) {
        active.add(pod);
        indexOf(pod).ifPresent(activeIndexes::add);
        if (Pods.isReady(pod)) {
          ready++;
        }
      }
    }
    int failed = failedPods.size();
    boolean onFailure =
        spec.getTemplate().getSpec().getRestartPolicy() == RestartPolicy.RESTART_POLICY_ON_FAILURE;
    int restarts = onFailure ? restartsOf(active) : 0;
    JobStatus.Builder status = job.getStatus().toBuilder();
    int completedCount = succeeded;
    if (indexed) {
      // An Indexed job counts each index once, however many pods succeeded for it.
      completedCount = doneIndexes.size();
      status.setCompletedIndexes(formatIndexes(doneIndexes));
    }
    boolean suspended = spec.hasSuspend() && spec.getSuspend();
    if (!status.hasStartTime() && !suspended) {
      status.setStartTime(ApiObjects.timestamp(now));
    }
    Optional<Condition> finished = finishedCondition(job.getStatus());
    if (finished.isEmpty()) {
      String[] outcome = outcome(job, status, active.size(), completedCount, failed, restarts, now);
      if (outcome != null) {
        boolean complete = outcome[0].equals("Complete");
        status.addConditions(
            Condition.newBuilder()
                .setType(outcome[0])
                .setStatus(ConditionStatus.CONDITION_STATUS_TRUE)
                .setReason(outcome[1])
                .setMessage(outcome[2])
                .setLastTransitionTime(ApiObjects.timestamp(now)));
        if (complete) {
          status.setCompletionTime(ApiObjects.timestamp(now));
          events.normal(job, "Completed", "Job completed");
        } else {
          events.warning(job, outcome[1], outcome[2]);
        }
        finished = Optional.of(status.getConditions(status.getConditionsCount() - 1));
      }
    }
    boolean wasSuspended =
        job.getStatus().getConditionsList().stream()
            .anyMatch(
                c ->
                    c.getType().equals("Suspended")
                        && c.getStatus() == ConditionStatus.CONDITION_STATUS_TRUE);
    if (!wasSuspended && suspended && finished.isEmpty()) {
      events.normal(job, "Suspended", "Job suspended");
    } else if (wasSuspended && !suspended) {
      events.normal(job, "Resumed", "Job resumed");
    }
    if (finished.isPresent() || suspended) {
      deletePods(key, job, expectations, active);
      active.clear();
    } else if (satisfied) {
      manage(
          key,
          job,
          active,
          failedPods,
          completedCount,
          freeIndexes(spec, doneIndexes, activeIndexes),
          now);
    }
    setSuspended(status, suspended && finished.isEmpty(), now);
    status
        .setActive(active.size())
        .setSucceeded(succeeded)
        .setFailed(failed)
        .setReady(ready)
        .setObservedGeneration(job.getMetadata().getGeneration());
    JobStatus next = status.build();
    if (!next.equals(job.getStatus())) {
      job = writer.updateStatus(job.toBuilder().setStatus(next).build());
    }
    if (finished.isPresent()) {
      expireAfterTtl(key, job, finished.get(), now);
    }
  }

  // Container restarts of the pods, which count as failures for restart policy OnFailure.
  private static int restartsOf(List<Pod> pods) {
    int total = 0;
    for (Pod pod : pods) {
      for (ContainerStatus c : pod.getStatus().getInitContainerStatusesList()) {
        total += c.getRestartCount();
      }
      for (ContainerStatus c : pod.getStatus().getContainerStatusesList()) {
        total += c.getRestartCount();
      }
    }
    return total;
  }

  // Returns {type, reason, message} when the job has just finished, or null.
  private String[] outcome(
      Job job,
      JobStatus.Builder status,
      int active,
      int succeeded,
      int failed,
      int restarts,
      Instant now) {
    JobSpec spec = job.getSpec();
    int backoffLimit = spec.hasBackoffLimit() ? spec.getBackoffLimit() : DEFAULT_BACKOFF_LIMIT;
    if (failed > backoffLimit || restarts >= Math.max(1, backoffLimit)) {
      return new String[] {
        "Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit"
      };
    }
    if (spec.hasActiveDeadlineSeconds() && status.hasStartTime()) {
      Instant deadline =
          ApiObjects.instant(status.getStartTime()).plusSeconds(spec.getActiveDeadlineSeconds());
      if (!now.isBefore(deadline)) {
        return new String[] {
          "Failed", "DeadlineExceeded", "Job was active longer than specified deadline"
        };
      }
      queue.addAfter(ApiObjects.key(job), Duration.between(now, deadline));
    }
    int completions = completions(spec);
    boolean done = completions > 0 ? succeeded >= completions : succeeded > 0 && active == 0;
    return done ? new String[] {"Complete", "Completed", "Job completed"} : null;
  }

  // Required successes, or -1 for a work queue (parallelism set, completions unset).
  private static int completions(JobSpec spec) {
    if (spec.hasCompletions()) {
      return spec.getCompletions();
    }
    return spec.hasParallelism() ? -1 : 1;
  }

  private void manage(
      String key,
      Job job,
      List<Pod> active,
      List<Pod> failedPods,
      int succeeded,
      List<Integer> freeIndexes,
      Instant now) {
    JobSpec spec = job.getSpec();
    int parallelism = spec.hasParallelism() ? spec.getParallelism() : 1;
    int completions = completions(spec);
    int wanted =
        completions > 0
            ? Math.min(parallelism, completions - succeeded)
            // A work queue creates no pods after a success but lets running ones finish.
            : (succeeded > 0 ? Math.min(active.size(), parallelism) : parallelism);
    wanted = Math.max(0, wanted);
    if (active.size() > wanted) {
      List<Pod> surplus =
          active.stream().sorted(Pods.deletionOrder()).limit(active.size() - wanted).toList();
      deletePods(key, job, expectations, surplus);
      return;
    }
    int missing = wanted - active.size();
    if (missing == 0) {
      return;
    }
    if (!failedPods.isEmpty()) {
      Duration backoff = backoff(failedPods.size());
      Instant retryAt = lastFailure(failedPods).plus(backoff);
      if (now.isBefore(retryAt)) {
        queue.addAfter(key, Duration.between(now, retryAt));
        return;
      }
    }
    List<Pod> pods = new ArrayList<>();
    for (int i = 0; i < missing; i++) {
      Pod pod = Pods.fromTemplate(spec.getTemplate(), job);
      ObjectMeta.Builder meta =
          pod.getMetadata().toBuilder()
              .putLabels(JOB_NAME_LABEL, job.getMetadata().getName())
              .putLabels(CONTROLLER_UID_LABEL, job.getMetadata().getUid());
      if (isIndexed(spec)) {
        if (i >= freeIndexes.size()) {
          break;
        }
        meta.putAnnotations(INDEX_ANNOTATION, Integer.toString(freeIndexes.get(i)));
      }
      pods.add(pod.toBuilder().setMetadata(meta).build());
    }
    createPods(key, job, expectations, pods);
  }

  private static boolean isIndexed(JobSpec spec) {
    return spec.hasCompletionMode()
        && spec.getCompletionMode() == CompletionMode.COMPLETION_MODE_INDEXED
        && spec.hasCompletions();
  }

  private static Optional<Integer> indexOf(Pod pod) {
    String value = pod.getMetadata().getAnnotationsOrDefault(INDEX_ANNOTATION, "");
    try {
      return value.isEmpty() ? Optional.empty() : Optional.of(Integer.parseInt(value));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  // Indexes with neither a success nor a running pod, lowest first.
  private static List<Integer> freeIndexes(JobSpec spec, Set<Integer> done, Set<Integer> running) {
    List<Integer> free = new ArrayList<>();
    if (isIndexed(spec)) {
      for (int i = 0; i < spec.getCompletions(); i++) {
        if (!done.contains(i) && !running.contains(i)) {
          free.add(i);
        }
      }
    }
    return free;
  }

  /** Formats sorted indexes as ranges, e.g. "1,3-5". */
  static String formatIndexes(SortedSet<Integer> indexes) {
    StringBuilder out = new StringBuilder();
    Integer start = null;
    Integer last = null;
    for (int i : indexes) {
      if (last != null && i == last + 1) {
        last = i;
        continue;
      }
      appendRange(out, start, last);
      start = i;
      last = i;
    }
    appendRange(out, start, last);
    return out.toString();
  }

  private static void appendRange(StringBuilder out, Integer start, Integer last) {
    if (start == null) {
      return;
    }
    if (out.length() > 0) {
      out.append(',');
    }
    out.append(start);
    if (!last.equals(start)) {
      out.append('-').append(last);
    }
  }

  static Duration backoff(int failures) {
    Duration d = BACKOFF_BASE;
    for (int i = 1; i < failures && d.compareTo(BACKOFF_MAX) < 0; i++) {
      d = d.multipliedBy(2);
    }
    return d.compareTo(BACKOFF_MAX) > 0 ? BACKOFF_MAX : d;
  }

  // When the latest failure happened: the last container exit, else the pod's creation.
  private static Instant lastFailure(List<Pod> failedPods) {
    Instant latest = Instant.EPOCH;
    for (Pod pod : failedPods) {
      Instant at = ApiObjects.instant(pod.getMetadata().getCreationTime());
      for (ContainerStatus c : pod.getStatus().getContainerStatusesList()) {
        if (c.getState().hasTerminated() && c.getState().getTerminated().hasFinishedAt()) {
          Instant finished = ApiObjects.instant(c.getState().getTerminated().getFinishedAt());
          if (finished.isAfter(at)) {
            at = finished;
          }
        }
      }
      if (at.isAfter(latest)) {
        latest = at;
      }
    }
    return latest;
  }

  private static void setSuspended(JobStatus.Builder status, boolean suspended, Instant now) {
    List<Condition> kept = new ArrayList<>();
    Condition previous = null;
    for (Condition c : status.getConditionsList()) {
      if (c.getType().equals("Suspended")) {
        previous = c;
      } else {
        kept.add(c);
      }
    }
    if (suspended) {
      kept.add(
          previous != null && previous.getStatus() == ConditionStatus.CONDITION_STATUS_TRUE
              ? previous
              : Condition.newBuilder()
                  .setType("Suspended")
                  .setStatus(ConditionStatus.CONDITION_STATUS_TRUE)
                  .setReason("JobSuspended")
                  .setMessage("Job suspended")
                  .setLastTransitionTime(ApiObjects.timestamp(now))
                  .build());
    }
    status.clearConditions().addAllConditions(kept);
  }

  private void expireAfterTtl(String key, Job job, Condition finished, Instant now) {
    if (!job.getSpec().hasTtlSecondsAfterFinished()) {
      return;
    }
    Instant expiry =
        ApiObjects.instant(finished.getLastTransitionTime())
            .plusSeconds(job.getSpec().getTtlSecondsAfterFinished());
    if (now.isBefore(expiry)) {
      queue.addAfter(key, Duration.between(now, expiry));
      return;
    }
    ObjectMeta meta = job.getMetadata();
    try {
      writer.delete(
          Kind.KIND_JOB,
          meta.getNamespace(),
          meta.getName(),
          DeleteOptions.withUid(meta.getUid())
              .propagation(PropagationPolicy.PROPAGATION_POLICY_BACKGROUND));
    } catch (WriteException e) {
      if (!isGone(e)) {
        throw e;
      }
    }
  }
}
