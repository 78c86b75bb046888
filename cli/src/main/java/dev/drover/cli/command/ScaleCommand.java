package dev.drover.cli.command;

import dev.drover.api.v1.ScaleRequest;
import dev.drover.cli.core.Cli;
import dev.drover.cli.core.ResourceType;
import dev.drover.cli.core.ServerCallException;
import dev.drover.cli.core.Subject;
import dev.drover.client.DroverClient;
import dev.drover.client.DroverClient.Retry;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code drover scale KIND/NAME --replicas N}: sets the replicas of a deployment (or job). */
@Command(
    name = "scale",
    mixinStandardHelpOptions = true,
    description = "Set the number of replicas of a Deployment, ReplicaSet or Job.")
final class ScaleCommand implements Callable<Integer> {

  private final Cli cli;
  @Spec CommandSpec spec;

  @Parameters(
      index = "0",
      paramLabel = "KIND/NAME",
      description = "What to scale, e.g. deployment/web (or KIND NAME).")
  String target;

  @Parameters(index = "1", arity = "0..1", paramLabel = "NAME", hidden = true)
  String name;

  @Option(
      names = "--replicas",
      required = true,
      paramLabel = "N",
      description = "The new number of replicas.")
  int replicas;

  ScaleCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    Subject subject = Targets.one(spec.commandLine(), target, name);
    ResourceType type = subject.type();
    if (type != ResourceType.DEPLOYMENT
        && type != ResourceType.REPLICA_SET
        && type != ResourceType.STATEFUL_SET
        && type != ResourceType.JOB) {
      throw new ParameterException(
          spec.commandLine(),
          "only deployments, replicasets, statefulsets and jobs can be scaled, not "
              + type.plural());
    }
    if (replicas < 0) {
      throw new ParameterException(spec.commandLine(), "--replicas must be at least 0");
    }
    try (DroverClient client = cli.connect()) {
      try {
        client.call(
            Retry.IDEMPOTENT,
            s ->
                s.scale(
                    ScaleRequest.newBuilder()
                        .setKind(type.kind())
                        .setNamespace(cli.namespace())
                        .setName(subject.name())
                        .setReplicas(replicas)
                        .build()));
      } catch (StatusRuntimeException e) {
        throw new ServerCallException(e, subject);
      }
      cli.out().println(type.qualifiedName() + "/" + subject.name() + " scaled");
      return 0;
    }
  }
}
