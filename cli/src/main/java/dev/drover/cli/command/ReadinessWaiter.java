package dev.drover.cli.command;

import dev.drover.api.ApiObjects;
import dev.drover.api.Kinds;
import dev.drover.api.v1.Condition;
import dev.drover.api.v1.ConditionStatus;
import dev.drover.api.v1.DaemonSet;
import dev.drover.api.v1.Deployment;
import dev.drover.api.v1.Job;
import dev.drover.api.v1.LabelSelector;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodPhase;
import dev.drover.api.v1.ReplicaSet;
import dev.drover.cli.core.Cli;
import dev.drover.cli.core.ResourceType;
import dev.drover.cli.output.CanaryText;
import dev.drover.cli.output.ObjectTables;
import dev.drover.cli.output.PodText;
import dev.drover.client.DroverClient;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;

/**
 * Follows workloads (deployments, daemon sets, replica sets, jobs, pods) until each is ready, or
 * failed, or the timeout passes. It polls the cluster and shows progress: on a terminal one live
 * line per workload with a progress bar, ready/total and the reason a pod is stuck (e.g.
 * ImagePullBackOff); otherwise a plain line whenever a workload's state changes. Other kinds are
 * ready as soon as they are applied.
 */
final class ReadinessWaiter {

  private static final int BAR = 20;
  private static final Duration POLL = Duration.ofMillis(500);

  /** DECAWM: turn the terminal's automatic wrapping at the right margin off, and back on. */
  static final String NO_WRAP = "\033[?7l";

  static final String WRAP = "\033[?7h";

  /** Where one workload stands. */
  record Progress(
      int ready, int total, boolean done, String failure, String stuck, String unit, String note) {
    Progress(int ready, int total, boolean done, String failure, String stuck) {
      this(ready, total, done, failure, stuck, "ready", null);
    }

    Progress withStuck(String why) {
      return new Progress(ready, total, false, null, why, unit, note);
    }
  }

  private final Cli cli;
  private final DroverClient client;
  private final Duration timeout;
  private final String doneText;
  private int drawnLines;
  private Function<Object, String> halt = object -> null;

  ReadinessWaiter(Cli cli, DroverClient client, Duration timeout) {
    this(cli, client, timeout, "is ready");
  }

  /** A waiter that reports each finished workload as "REF {@code doneText}". */
  ReadinessWaiter(Cli cli, DroverClient client, Duration timeout, String doneText) {
    this.cli = cli;
    this.client = client;
    this.timeout = timeout;
    this.doneText = doneText;
  }

  /**
   * Ends the wait early, successfully, once every unfinished workload is in a state {@code reason}
   * explains (non-null: "REF reason" is printed), such as a canary waiting for promotion.
   */
  ReadinessWaiter haltWhen(Function<Object, String> reason) {
    this.halt = reason;
    return this;
  }

  /** Whether a kind is followed at all. */
  static boolean isWorkload(ResourceType type) {
    return switch (type) {
      case DEPLOYMENT, DAEMON_SET, REPLICA_SET, STATEFUL_SET, JOB, POD -> true;
      default -> false;
    };
  }

  /** Waits for the workloads among {@code objects}; true when all became ready. */
  boolean await(List<Object> objects) {
    List<Object> workloads = new ArrayList<>();
    for (Object object : objects) {
      if (isWorkload(ResourceType.of(object))) {
        workloads.add(object);
      }
    }
    if (workloads.isEmpty()) {
      return true;
    }
    Instant deadline = cli.clock().instant().plus(timeout);
    Map<String, String> lastPlain = new HashMap<>();
    while (true) {
      List<Progress> states = new ArrayList<>();
      List<Object> currents = new ArrayList<>();
      for (Object workload : workloads) {
        ObjectMeta meta = ApiObjects.meta(workload);
        Object current =
            Resources.get(client, ResourceType.of(workload), meta.getNamespace(), meta.getName());
        currents.add(current);
        states.add(progress(current));
      }
      show(workloads, states, lastPlain);
      boolean allDone = true;
      for (int i = 0; i < states.size(); i++) {
        Progress p = states.get(i);
        if (p.failure() != null) {
          cli.err()
              .println("error: " + ResourceType.ref(workloads.get(i)) + " failed: " + p.failure());
          return false;
        }
        allDone &= p.done();
      }
      if (allDone) {
        for (Object workload : workloads) {
          // A Job is not "ready": it ran to completion.
          cli.out()
              .println(
                  ResourceType.ref(workload) + " " + (workload.hasJob() ? "complete" : doneText));
        }
        cli.out().flush();
        return true;
      }
      if (halted(workloads, states, currents)) {
        return true;
      }
      if (cli.clock().instant().isAfter(deadline)) {
        for (int i = 0; i < states.size(); i++) {
          if (!states.get(i).done()) {
            cli.err()
                .println(
                    "error: timed out after "
                        + timeout.toSeconds()
                        + "s waiting for "
                        + ResourceType.ref(workloads.get(i))
                        + ": "
                        + summary(states.get(i)));
          }
        }
        return false;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(POLL.toMillis()));
      if (Thread.currentThread().isInterrupted()) {
        return false;
      }
    }
  }

  private boolean halted(List<Object> workloads, List<Progress> states, List<Object> currents) {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < states.size(); i++) {
      if (!states.get(i).done()) {
        String reason = halt.apply(currents.get(i));
        if (reason == null) {
          return false;
        }
        lines.add(ResourceType.ref(workloads.get(i)) + " " + reason);
      }
    }
    lines.forEach(cli.out()::println);
    cli.out().flush();
    return true;
  }

  private void show(List<Object> workloads, List<Progress> states, Map<String, String> last) {
    PrintWriter out = cli.out();
    if (cli.terminal()) {
      if (drawnLines > 0) {
        out.print("\033[" + drawnLines + "A");
      }
      // Auto-wrap off while drawing: a line wider than the terminal (a long stuck reason) is
      // clipped at the right edge instead of wrapping onto a second row, which the cursor-up
      // above would not cover, leaving a copy of the line on every redraw.
      out.print(NO_WRAP);
      int width = workloads.stream().mapToInt(w -> ResourceType.ref(w).length()).max().orElse(0);
      for (int i = 0; i < workloads.size(); i++) {
        String ref = ResourceType.ref(workloads.get(i));
        Progress p = states.get(i);
        out.print(
            "\033[2K\r"
                + ref
                + " ".repeat(width - ref.length())
                + "  "
                + bar(p)
                + "  "
                + summary(p)
                + "\n");
      }
      out.print(WRAP);
      drawnLines = workloads.size();
    } else {
      for (int i = 0; i < workloads.size(); i++) {
        String ref = ResourceType.ref(workloads.get(i));
        String line = ref + ": " + summary(states.get(i));
        if (!line.equals(last.get(ref))) {
          out.println(line);
          last.put(ref, line);
        }
      }
    }
    out.flush();
  }

  private static String bar(Progress p) {
    int filled = p.total() == 0 ? BAR : Math.min(BAR, p.ready() * BAR / p.total());
    return "[" + "#".repeat(filled) + "-".repeat(BAR - filled) + "]";
  }

  static String summary(Progress p) {
    String text = p.ready() + "/" + p.total() + " " + p.unit();
    if (p.note() != null) {
      text += " (" + p.note() + ")";
    }
    if (p.stuck() != null) {
      text += ", " + p.stuck();
    }
    return text;
  }

  /** Computes where a workload stands from its current state and, when stuck, its pods. */
  Progress progress(Object object) {
    ObjectMeta meta =
        object.getKindCase() == Object.KindCase.KIND_NOT_SET
            ? ObjectMeta.getDefaultInstance()
            : ApiObjects.meta(object);
    boolean observed = true;
    switch (object.getKindCase()) {
      case DEPLOYMENT -> {
        Deployment d = object.getDeployment();
        int desired = d.getSpec().hasReplicas() ? d.getSpec().getReplicas() : 1;
        var s = d.getStatus();
        observed = s.getObservedGeneration() >= meta.getGeneration();
        boolean done =
            observed
                && s.getUpdatedReplicas() >= desired
                && s.getReplicas() == s.getUpdatedReplicas()
                && s.getAvailableReplicas() >= desired;
        Condition progressing = condition(s.getConditionsList(), "Progressing");
        String failure =
            progressing != null
                    && progressing.getStatus() == ConditionStatus.CONDITION_STATUS_FALSE
                    && progressing.getReason().equals("ProgressDeadlineExceeded")
                ? "ProgressDeadlineExceeded: " + progressing.getMessage()
                : null;
        // A canary step is where the rollout stands, not a stuck pod: it goes in the note.
        String canary = done ? null : CanaryText.describe(d, cli.clock().instant());
        return withStuck(
            new Progress(
                Math.min(s.getAvailableReplicas(), desired),
                desired,
                done,
                failure,
                null,
                "ready",
                canary),
            meta,
            d.getSpec().getSelector());
      }
      case REPLICA_SET -> {
        ReplicaSet rs = object.getReplicaSet();
        int desired = rs.getSpec().hasReplicas() ? rs.getSpec().getReplicas() : 1;
        var s = rs.getStatus();
        observed = s.getObservedGeneration() >= meta.getGeneration();
        // A ReplicaSet another object controls is scaled by that owner, not by the manifest:
        // say so, with the pods it really has, rather than a bare "0/0".
        String note =
            ApiObjects.controllerOf(meta)
                .map(
                    owner ->
                        s.getReplicas()
                            + (s.getReplicas() == 1 ? " pod" : " pods")
                            + "; scaled by its owner "
                            + Kinds.info(owner.getKind()).singular()
                            + "/"
                            + owner.getName())
                .orElse(null);
        return withStuck(
            new Progress(
                Math.min(s.getReadyReplicas(), desired),
                desired,
                observed && s.getReadyReplicas() >= desired,
                null,
                null,
                "ready",
                note),
            meta,
            rs.getSpec().getSelector());
      }
      case STATEFUL_SET -> {
        var set = object.getStatefulSet();
        int desired = set.getSpec().hasReplicas() ? set.getSpec().getReplicas() : 1;
        var s = set.getStatus();
        observed = s.getObservedGeneration() >= meta.getGeneration();
        return withStuck(
            new Progress(
                Math.min(s.getReadyReplicas(), desired),
                desired,
                observed
                    && s.getReadyReplicas() >= desired
                    && s.getUpdatedReplicas() >= desired
                    && s.getReplicas() == desired,
                null,
                null),
            meta,
            set.getSpec().getSelector());
      }
      case DAEMON_SET -> {
        DaemonSet ds = object.getDaemonSet();
        var s = ds.getStatus();
        observed = s.getObservedGeneration() >= meta.getGeneration();
        int desired = s.getDesiredNumberScheduled();
        return withStuck(
            new Progress(
                Math.min(s.getNumberAvailable(), desired),
                desired,
                observed
                    && s.getUpdatedNumberScheduled() >= desired
                    && s.getNumberAvailable() >= desired,
                null,
                null),
            meta,
            ds.getSpec().getSelector());
      }
      case JOB -> {
        Job job = object.getJob();
        int completions = job.getSpec().hasCompletions() ? job.getSpec().getCompletions() : 1;
        Condition complete = condition(job.getStatus().getConditionsList(), "Complete");
        Condition failed = condition(job.getStatus().getConditionsList(), "Failed");
        String failure =
            failed != null && failed.getStatus() == ConditionStatus.CONDITION_STATUS_TRUE
                ? failed.getReason()
                    + (failed.getMessage().isEmpty() ? "" : ": " + failed.getMessage())
                : null;
        boolean done =
            complete != null && complete.getStatus() == ConditionStatus.CONDITION_STATUS_TRUE;
        return withStuck(
            new Progress(
                Math.min(job.getStatus().getSucceeded(), completions),
                completions,
                done,
                failure,
                null,
                "succeeded",
                null),
            meta,
            job.getSpec().getSelector());
      }
      case POD -> {
        Pod pod = object.getPod();
        boolean done =
            PodText.isReady(pod) || pod.getStatus().getPhase() == PodPhase.POD_PHASE_SUCCEEDED;
        String failure =
            pod.getStatus().getPhase() == PodPhase.POD_PHASE_FAILED
                    && pod.getSpec().getRestartPolicy()
                        == dev.drover.api.v1.RestartPolicy.RESTART_POLICY_NEVER
                ? PodText.stuckReason(pod)
                : null;
        return new Progress(done ? 1 : 0, 1, done, failure, done ? null : PodText.stuckReason(pod));
      }
      default -> {
        return new Progress(1, 1, true, null, null);
      }
    }
  }

  /** Adds the reason a pod of the workload is stuck, when it is not done. */
  private Progress withStuck(Progress p, ObjectMeta meta, LabelSelector selector) {
    if (p.done() || p.failure() != null) {
      return p;
    }
    String labels = ObjectTables.selector(selector);
    if (labels.isEmpty()) {
      return p;
    }
    for (Object object :
        Resources.list(client, ResourceType.POD, meta.getNamespace(), labels, "").items()) {
      String why = PodText.stuckReason(object.getPod());
      if (why != null) {
        return p.withStuck(object.getPod().getMetadata().getName() + " " + why);
      }
    }
    return p;
  }

  private static Condition condition(List<Condition> conditions, String type) {
    for (Condition condition : conditions) {
      if (condition.getType().equals(type)) {
        return condition;
      }
    }
    return null;
  }
}
