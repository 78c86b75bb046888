package dev.drover.cli.command;

import dev.drover.api.ApiObjects;
import dev.drover.api.WellKnown;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.OwnerReference;
import dev.drover.api.v1.ReplicaSet;
import dev.drover.api.v1.RollbackRequest;
import dev.drover.api.v1.RolloutActionRequest;
import dev.drover.api.v1.RolloutActionType;
import dev.drover.cli.core.Cli;
import dev.drover.cli.core.Durations;
import dev.drover.cli.core.ResourceType;
import dev.drover.cli.core.ServerCallException;
import dev.drover.cli.core.Subject;
import dev.drover.cli.output.CanaryText;
import dev.drover.cli.output.Table;
import dev.drover.client.DroverClient;
import dev.drover.client.DroverClient.Retry;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code drover rollout status|history|undo|restart|pause|resume|promote}: manages rollouts,
 * including Drover's canary steps.
 */
@Command(
    name = "rollout",
    mixinStandardHelpOptions = true,
    description = "Manage the rollout of a Deployment.",
    subcommands = {
      RolloutCommand.Status.class,
      RolloutCommand.History.class,
      RolloutCommand.Undo.class,
      RolloutCommand.Restart.class,
      RolloutCommand.Pause.class,
      RolloutCommand.Resume.class,
      RolloutCommand.Promote.class
    })
final class RolloutCommand implements Runnable {

  static final String CHANGE_CAUSE_ANNOTATION = "kubernetes.io/change-cause";

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(
        spec.commandLine(),
        "missing subcommand: status, history, undo, restart, pause, resume or promote");
  }

  /** The deployment (or, for status, daemon set) argument shared by the subcommands. */
  abstract static class Target implements Callable<Integer> {
    final Cli cli;
    @Spec CommandSpec spec;

    @Parameters(
        index = "0",
        paramLabel = "KIND/NAME",
        description = "The deployment, e.g. deployment/web (or KIND NAME, or just NAME).")
    String first;

    @Parameters(index = "1", arity = "0..1", paramLabel = "NAME", hidden = true)
    String second;

    Target(Cli cli) {
      this.cli = cli;
    }

    Subject deployment() {
      return Targets.of(spec.commandLine(), ResourceType.DEPLOYMENT, first, second);
    }
  }

  /**
   * {@code rollout status}: waits for the rollout to finish, showing progress; a canary rollout
   * that stands at a step until promoted ends the wait, saying so (exit code 0).
   */
  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description = {
        "Wait for a rollout to finish, showing progress.",
        "A canary rollout waiting for promotion at a step ends the wait with exit code 0."
      })
  static final class Status extends Target {
    @Option(
        names = "--timeout",
        paramLabel = "DURATION",
        defaultValue = "10m",
        description = "How long to wait (default ${DEFAULT-VALUE}).")
    String timeout;

    Status(Cli cli) {
      super(cli);
    }

    @Override
    public Integer call() {
      Subject subject =
          first.indexOf('/') < 0 && second == null
              ? new Subject(ResourceType.DEPLOYMENT, first)
              : Targets.one(spec.commandLine(), first, second);
      if (subject.type() != ResourceType.DEPLOYMENT && subject.type() != ResourceType.DAEMON_SET) {
        throw new ParameterException(
            spec.commandLine(),
            "rollout status follows deployments and daemonsets, not " + subject.type().plural());
      }
      try (DroverClient client = cli.connect()) {
        Object object = Resources.get(client, subject.type(), cli.namespace(), subject.name());
        boolean ok =
            new ReadinessWaiter(cli, client, Durations.parse(timeout), "successfully rolled out")
                .haltWhen(Status::waitingForPromotion)
                .await(List.of(object));
        return ok ? 0 : 1;
      }
    }

    /** Why the wait ends early: the canary stands at a step until promoted; else null. */
    static String waitingForPromotion(Object object) {
      if (!object.hasDeployment() || !CanaryText.awaitsPromotion(object.getDeployment())) {
        return null;
      }
      return "waits for promotion at "
          + CanaryText.step(object.getDeployment())
          + "; continue with: "
          + CanaryText.promoteCommand(object.getDeployment());
    }
  }

  /** {@code rollout history}: the revisions kept for rollback. */
  @Command(
      name = "history",
      mixinStandardHelpOptions = true,
      description = "List the revisions of a deployment.")
  static final class History extends Target {
    History(Cli cli) {
      super(cli);
    }

    @Override
    public Integer call() {
      Subject subject = deployment();
      try (DroverClient client = cli.connect()) {
        Object deployment = Resources.get(client, subject.type(), cli.namespace(), subject.name());
        String uid = ApiObjects.meta(deployment).getUid();
        List<ReplicaSet> owned = new ArrayList<>();
        for (Object item :
            Resources.list(client, ResourceType.REPLICA_SET, cli.namespace(), "", "").items()) {
          ReplicaSet rs = item.getReplicaSet();
          for (OwnerReference owner : rs.getMetadata().getOwnerReferencesList()) {
            if (owner.getUid().equals(uid)) {
              owned.add(rs);
            }
          }
        }
        owned.sort(Comparator.comparingLong(History::revision));
        cli.out().println(ResourceType.DEPLOYMENT.qualifiedName() + "/" + subject.name());
        Table table = new Table("REVISION", "IMAGES", "CHANGE-CAUSE");
        for (ReplicaSet rs : owned) {
          ObjectMeta meta = rs.getMetadata();
          table.row(
              String.valueOf(revision(rs)),
              rs.getSpec().getTemplate().getSpec().getContainersList().stream()
                  .map(c -> c.getImage())
                  .collect(Collectors.joining(",")),
              meta.getAnnotationsOrDefault(CHANGE_CAUSE_ANNOTATION, "<none>"));
        }
        table.print(cli.out());
        return 0;
      }
    }

    static long revision(ReplicaSet rs) {
      return WellKnown.revision(rs.getMetadata());
    }
  }

  /** {@code rollout undo}: back to the previous (or a given) revision. */
  @Command(
      name = "undo",
      mixinStandardHelpOptions = true,
      description = "Roll a deployment back to its previous revision, or to --to-revision.")
  static final class Undo extends Target {
    @Option(
        names = "--to-revision",
        paramLabel = "N",
        description = "Revision to go back to (default: the previous one).")
    long toRevision;

    Undo(Cli cli) {
      super(cli);
    }

    @Override
    public Integer call() {
      Subject subject = deployment();
      if (toRevision < 0) {
        throw new ParameterException(spec.commandLine(), "--to-revision must be at least 0");
      }
      try (DroverClient client = cli.connect()) {
        try {
          client.call(
              Retry.NEVER,
              s ->
                  s.rollback(
                      RollbackRequest.newBuilder()
                          .setNamespace(cli.namespace())
                          .setName(subject.name())
                          .setRevision(toRevision)
                          .build()));
        } catch (StatusRuntimeException e) {
          throw new ServerCallException(e, subject);
        }
        cli.out()
            .println(
                ResourceType.DEPLOYMENT.qualifiedName() + "/" + subject.name() + " rolled back");
        return 0;
      }
    }
  }

  /** Shared body of restart, pause and resume. */
  abstract static class Action extends Target {
    Action(Cli cli) {
      super(cli);
    }

    int act(RolloutActionType action, String done) {
      return act(action, false, done);
    }

    int act(RolloutActionType action, boolean allSteps, String done) {
      Subject subject = deployment();
      try (DroverClient client = cli.connect()) {
        try {
          // A promotion resent after it took effect would pass the next step as well.
          Retry retry =
              action == RolloutActionType.ROLLOUT_ACTION_TYPE_PROMOTE
                  ? Retry.NEVER
                  : Retry.IDEMPOTENT;
          client.call(
              retry,
              s ->
                  s.rolloutAction(
                      RolloutActionRequest.newBuilder()
                          .setNamespace(cli.namespace())
                          .setName(subject.name())
                          .setAction(action)
                          .setAllSteps(allSteps)
                          .build()));
        } catch (StatusRuntimeException e) {
          throw new ServerCallException(e, subject);
        }
        cli.out()
            .println(ResourceType.DEPLOYMENT.qualifiedName() + "/" + subject.name() + " " + done);
        return 0;
      }
    }
  }

  /** {@code rollout restart}. */
  @Command(
      name = "restart",
      mixinStandardHelpOptions = true,
      description = "Replace every pod of a deployment with a rollout.")
  static final class Restart extends Action {
    Restart(Cli cli) {
      super(cli);
    }

    @Override
    public Integer call() {
      return act(RolloutActionType.ROLLOUT_ACTION_TYPE_RESTART, "restarted");
    }
  }

  /** {@code rollout pause}. */
  @Command(
      name = "pause",
      mixinStandardHelpOptions = true,
      description = "Stop rolling out template changes of a deployment.")
  static final class Pause extends Action {
    Pause(Cli cli) {
      super(cli);
    }

    @Override
    public Integer call() {
      return act(RolloutActionType.ROLLOUT_ACTION_TYPE_PAUSE, "paused");
    }
  }

  /** {@code rollout resume}. */
  @Command(
      name = "resume",
      mixinStandardHelpOptions = true,
      description = "Resume a paused rollout.")
  static final class Resume extends Action {
    Resume(Cli cli) {
      super(cli);
    }

    @Override
    public Integer call() {
      return act(RolloutActionType.ROLLOUT_ACTION_TYPE_RESUME, "resumed");
    }
  }

  /** {@code rollout promote}: lets a canary rollout continue past its step, or past every step. */
  @Command(
      name = "promote",
      mixinStandardHelpOptions = true,
      description = {
        "Let a deployment's canary rollout continue past the step it waits at.",
        "Fails when no canary rollout is under way."
      })
  static final class Promote extends Action {
    @Option(
        names = "--all-steps",
        description = "Pass every remaining canary step: roll the new revision out to all pods.")
    boolean allSteps;

    Promote(Cli cli) {
      super(cli);
    }

    @Override
    public Integer call() {
      return act(
          RolloutActionType.ROLLOUT_ACTION_TYPE_PROMOTE,
          allSteps,
          allSteps ? "promoted past every canary step" : "promoted");
    }
  }
}
