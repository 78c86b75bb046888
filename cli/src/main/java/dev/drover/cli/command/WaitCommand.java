package dev.drover.cli.command;

import dev.drover.api.ApiObjects;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.WatchEvent;
import dev.drover.api.v1.WatchEventType;
import dev.drover.api.v1.WatchRequest;
import dev.drover.cli.core.Cli;
import dev.drover.cli.core.CliException;
import dev.drover.cli.core.Durations;
import dev.drover.cli.core.ServerCallException;
import dev.drover.cli.core.Subject;
import dev.drover.cli.output.JsonPath;
import dev.drover.cli.patch.TreeObjects;
import dev.drover.client.DroverClient;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code drover wait KIND NAME --for=condition=Ready|delete|jsonpath=...}: waits, object by object
 * and each within {@code --timeout}, until a status condition holds, a field has a value, or the
 * object is gone. Follows a watch of the object rather than polling.
 */
@Command(
    name = "wait",
    mixinStandardHelpOptions = true,
    description = "Wait until objects meet a condition (or are deleted).",
    footer = {
      "",
      "Examples:",
      "  drover wait deploy/web --for=condition=Available --timeout=60s",
      "  drover wait pods -l app=web --for=condition=Ready",
      "  drover wait job/backup --for=condition=Complete",
      "  drover wait pod/web-1 --for=delete",
      "  drover wait pod/web-1 --for=jsonpath='{.status.phase}'=Running"
    })
final class WaitCommand implements Callable<Integer> {

  private final Cli cli;
  @Spec CommandSpec spec;
  @Mixin Selection selection = new Selection();

  @Parameters(
      paramLabel = "KIND/NAME",
      description = "KIND NAME..., KIND/NAME..., or KIND with -l.")
  List<String> words = new ArrayList<>();

  @Option(
      names = "--for",
      required = true,
      paramLabel = "CONDITION",
      description =
          "delete, condition=TYPE[=VALUE] (VALUE true by default) or jsonpath='{PATH}'=VALUE.")
  String forCondition;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      description = "How long to wait for each object (default 30s; 0s checks once).")
  String timeout = "30s";

  WaitCommand(Cli cli) {
    this.cli = cli;
  }

  /** What is waited for: a test of the object, or its deletion (test null). */
  private record Goal(Predicate<Map<String, java.lang.Object>> test) {
    boolean isDelete() {
      return test == null;
    }
  }

  @Override
  public Integer call() {
    Goal goal = goal();
    Duration each;
    try {
      each = Durations.parse(timeout);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--timeout: " + e.getMessage());
    }
    Selection.Named named = selection.named(spec.commandLine(), words);
    String namespace = cli.namespace();
    try (DroverClient client = cli.connect()) {
      List<Subject> subjects = selection.subjects(client, named, namespace);
      if (subjects.isEmpty()) {
        throw new CliException("no matching resources found");
      }
      for (Subject subject : subjects) {
        String ref = waitFor(client, subject, namespace, goal, cli.clock().instant().plus(each));
        cli.out().println(ref + " condition met");
        cli.out().flush();
      }
      return 0;
    }
  }

  private Goal goal() {
    if (forCondition.equals("delete")) {
      return new Goal(null);
    }
    if (forCondition.startsWith("condition=")) {
      String[] parts = forCondition.substring("condition=".length()).split("=", 2);
      String value = parts.length > 1 ? parts[1] : "true";
      if (parts[0].isEmpty()) {
        throw new ParameterException(spec.commandLine(), "--for=condition= needs a TYPE");
      }
      return new Goal(tree -> hasCondition(tree, parts[0], value));
    }
    if (forCondition.startsWith("jsonpath=")) {
      String expression = forCondition.substring("jsonpath=".length());
      int eq = expression.lastIndexOf('=');
      if (eq <= 0) {
        throw new ParameterException(spec.commandLine(), "--for=jsonpath= needs '{PATH}'=VALUE");
      }
      JsonPath path = JsonPath.relaxed(expression.substring(0, eq));
      String value = expression.substring(eq + 1);
      return new Goal(
          tree -> path.values(tree).stream().anyMatch(v -> JsonPath.text(v).equals(value)));
    }
    throw new ParameterException(
        spec.commandLine(),
        "unrecognized --for \"" + forCondition + "\": use delete, condition=TYPE or jsonpath=...");
  }

  private static boolean hasCondition(
      Map<String, java.lang.Object> tree, String type, String want) {
    if (!(tree.get("status") instanceof Map<?, ?> status)
        || !(status.get("conditions") instanceof List<?> conditions)) {
      return false;
    }
    for (java.lang.Object c : conditions) {
      if (c instanceof Map<?, ?> condition
          && type.equalsIgnoreCase(String.valueOf(condition.get("type")))) {
        return want.equalsIgnoreCase(String.valueOf(condition.get("status")));
      }
    }
    return false;
  }

  /** Waits for one object; returns how output names it, or fails with kubectl's timeout error. */
  private String waitFor(
      DroverClient client, Subject subject, String namespace, Goal goal, Instant deadline) {
    String ref = subject.type().qualifiedName() + "/" + subject.name();
    while (true) {
      Object current;
      try {
        current = Resources.get(client, subject.type(), namespace, subject.name());
      } catch (ServerCallException e) {
        if (goal.isDelete() && e.status().getStatus().getCode() == Status.Code.NOT_FOUND) {
          return ref;
        }
        throw e;
      }
      if (!goal.isDelete() && goal.test().test(TreeObjects.tree(current))) {
        return ref;
      }
      Duration left = Duration.between(cli.clock().instant(), deadline);
      if (left.isNegative() || left.isZero()) {
        throw timedOut(subject);
      }
      if (watchUntil(client, subject, namespace, goal, current, left)) {
        return ref;
      }
    }
  }

  /**
   * Follows changes of the object after {@code current} until the goal is met (true), the time is
   * up (a timeout error), or the stream ends early (false: read again and resume).
   */
  private boolean watchUntil(
      DroverClient client,
      Subject subject,
      String namespace,
      Goal goal,
      Object current,
      Duration left) {
    WatchRequest request =
        WatchRequest.newBuilder()
            .setKind(subject.type().kind())
            .setNamespace(Resources.namespaceFor(subject.type(), namespace))
            .setFieldSelector("metadata.name=" + subject.name())
            .setResourceVersion(ApiObjects.meta(current).getResourceVersion())
            .build();
    try {
      Iterator<WatchEvent> events = client.stub(left).watch(request);
      while (events.hasNext()) {
        WatchEvent event = events.next();
        if (event.getType() == WatchEventType.WATCH_EVENT_TYPE_ERROR) {
          return false; // e.g. the version expired: read again
        }
        if (event.getType() == WatchEventType.WATCH_EVENT_TYPE_DELETED) {
          if (goal.isDelete()) {
            return true;
          }
          throw new CliException(
              subject.type().plural() + " \"" + subject.name() + "\" was deleted while waiting");
        }
        if (event.hasObject()
            && !goal.isDelete()
            && goal.test().test(TreeObjects.tree(event.getObject()))) {
          return true;
        }
      }
      return false;
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED) {
        throw timedOut(subject);
      }
      throw new ServerCallException(e, subject);
    }
  }

  private static CliException timedOut(Subject subject) {
    return new CliException(
        "timed out waiting for the condition on " + subject.type().plural() + "/" + subject.name());
  }
}
