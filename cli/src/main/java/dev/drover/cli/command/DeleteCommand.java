package dev.drover.cli.command;

import dev.drover.api.ApiObjects;
import dev.drover.api.v1.DeleteRequest;
import dev.drover.api.v1.DeleteResponse;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.cli.core.Cli;
import dev.drover.cli.core.ErrorRenderer;
import dev.drover.cli.core.ResourceType;
import dev.drover.cli.core.ServerCallException;
import dev.drover.cli.core.Subject;
import dev.drover.client.DroverClient;
import dev.drover.client.DroverClient.Retry;
import dev.drover.client.manifest.ManifestException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code drover delete}: deletes the objects of manifests ({@code -f}), objects by name ({@code
 * KIND NAME...} or {@code KIND/NAME}), or by label selector ({@code KIND -l SEL}). Every object is
 * tried; the exit code is 1 if any deletion failed.
 */
@Command(
    name = "delete",
    mixinStandardHelpOptions = true,
    description = "Delete objects by manifest, by name or by label selector.")
final class DeleteCommand implements Callable<Integer> {

  private final Cli cli;
  @Spec CommandSpec spec;

  @Parameters(
      paramLabel = "KIND [NAME...]",
      arity = "0..*",
      description = "Kind and names, or KIND/NAME pairs.")
  List<String> args = new ArrayList<>();

  @Option(
      names = {"-f", "--filename"},
      paramLabel = "FILE|DIR|-",
      description = "Delete the objects of these manifests (repeatable).")
  List<String> files = new ArrayList<>();

  @Option(
      names = {"-l", "--selector"},
      paramLabel = "SELECTOR",
      description = "Delete every object of KIND matching this label selector.")
  String selector;

  @Option(
      names = "--grace-period",
      paramLabel = "SECONDS",
      description = "Seconds pods get to stop (default: the pod's own; 0 = immediately).")
  Long gracePeriod;

  @Option(
      names = "--force",
      description =
          "Remove at once, without waiting for the node to confirm the containers" + " stopped.")
  boolean force;

  @Option(names = "--ignore-not-found", description = "Treat absent objects as deleted.")
  boolean ignoreNotFound;

  DeleteCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() throws ManifestException {
    List<Subject> targets = targets();
    String namespace = cli.namespace();
    boolean failed = false;
    try (DroverClient client = cli.connect()) {
      if (selector != null) {
        ResourceType type = targets.get(0).type();
        for (Object object : Resources.list(client, type, namespace, selector, "").items()) {
          ObjectMeta meta = ApiObjects.meta(object);
          failed |= !delete(client, type, meta.getNamespace(), meta.getName());
        }
        return failed ? 1 : 0;
      }
      for (Subject target : targets) {
        String ns = target.origin().isEmpty() ? namespace : target.origin();
        failed |= !delete(client, target.type(), ns, target.name());
      }
    }
    return failed ? 1 : 0;
  }

  /** What to delete; for manifests the namespace travels in Subject.origin. */
  private List<Subject> targets() throws ManifestException {
    List<Subject> targets = new ArrayList<>();
    if (!files.isEmpty()) {
      if (!args.isEmpty() || selector != null) {
        throw new ParameterException(
            spec.commandLine(), "-f cannot be combined with KIND, NAME or --selector");
      }
      for (Manifests.Item item : Manifests.read(cli, files, true)) {
        targets.add(
            new Subject(
                item.subject().type(),
                item.subject().name(),
                ApiObjects.meta(item.object()).getNamespace()));
      }
      return targets;
    }
    if (args.isEmpty()) {
      throw new ParameterException(
          spec.commandLine(),
          "say what to delete: -f FILE, KIND NAME..., KIND/NAME or KIND -l SELECTOR");
    }
    if (args.get(0).contains("/")) {
      for (String arg : args) {
        int slash = arg.indexOf('/');
        if (slash < 0) {
          throw new ParameterException(
              spec.commandLine(), "mixing KIND/NAME and plain names: \"" + arg + "\"");
        }
        targets.add(
            new Subject(
                Resources.type(spec.commandLine(), arg.substring(0, slash)),
                arg.substring(slash + 1)));
      }
      return targets;
    }
    ResourceType type = Resources.type(spec.commandLine(), args.get(0));
    if (selector != null) {
      if (args.size() > 1) {
        throw new ParameterException(spec.commandLine(), "names cannot be combined with -l");
      }
      targets.add(new Subject(type, ""));
      return targets;
    }
    if (args.size() == 1) {
      throw new ParameterException(
          spec.commandLine(), "name the " + type.plural() + " to delete, or select them with -l");
    }
    for (String name : args.subList(1, args.size())) {
      targets.add(new Subject(type, name));
    }
    return targets;
  }

  private boolean delete(DroverClient client, ResourceType type, String namespace, String name) {
    DeleteRequest.Builder request =
        DeleteRequest.newBuilder()
            .setKind(type.kind())
            .setNamespace(Resources.namespaceFor(type, namespace))
            .setName(name)
            .setForce(force);
    if (gracePeriod != null) {
      request.setGracePeriodSeconds(gracePeriod);
    }
    try {
      DeleteResponse response = client.call(Retry.NEVER, s -> s.delete(request.build()));
      cli.out()
          .println(type.singular() + " \"" + name + "\" " + (force ? "force deleted" : "deleted"));
      cli.out().flush();
      return response != null;
    } catch (StatusRuntimeException e) {
      if (ignoreNotFound && e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return true;
      }
      ServerCallException failure = new ServerCallException(e, new Subject(type, name));
      if (e.getStatus().getCode() == Status.Code.UNAVAILABLE
          || e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED) {
        throw failure; // the cluster is unreachable: the other objects would fail the same way
      }
      for (String line : ErrorRenderer.render(failure, cli.lastConnection())) {
        cli.err().println(line);
      }
      cli.err().flush();
      return false;
    }
  }
}
