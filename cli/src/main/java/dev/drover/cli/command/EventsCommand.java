package dev.drover.cli.command;

import dev.drover.api.v1.Event;
import dev.drover.api.v1.Object;
import dev.drover.cli.Cli;
import dev.drover.cli.Subject;
import dev.drover.cli.output.ObjectTables;
import dev.drover.client.DroverClient;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code drover events}: the events of a namespace (or of one object), oldest first. */
@Command(
    name = "events",
    mixinStandardHelpOptions = true,
    description = "List events, oldest first.")
final class EventsCommand implements Callable<Integer> {

  private final Cli cli;
  @Spec CommandSpec spec;

  @Option(
      names = {"-A", "--all-namespaces"},
      description = "Events of every namespace.")
  boolean allNamespaces;

  @Option(
      names = "--for",
      paramLabel = "KIND/NAME",
      description = "Only events about this object, e.g. pod/web-1.")
  String forObject;

  EventsCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    Subject about = forObject == null ? null : Targets.one(spec.commandLine(), forObject, null);
    String namespace = allNamespaces ? "" : cli.namespace();
    try (DroverClient client = cli.connect()) {
      List<Object> events = new ArrayList<>();
      for (Object object :
          Resources.list(client, dev.drover.cli.ResourceType.EVENT, namespace, "", "").items()) {
        Event event = object.getEvent();
        if (about == null
            || (event.getInvolvedObject().getKind() == about.type().kind()
                && event.getInvolvedObject().getName().equals(about.name()))) {
          events.add(object);
        }
      }
      events.sort(Comparator.comparing(EventsCommand::lastSeen));
      if (events.isEmpty()) {
        cli.err()
            .println(
                allNamespaces
                    ? "No events found."
                    : "No events found in " + namespace + " namespace.");
        return 0;
      }
      new ObjectTables(
              dev.drover.cli.ResourceType.EVENT, false, allNamespaces, cli.clock().instant())
          .table(events)
          .print(cli.out());
      return 0;
    }
  }

  private static Instant lastSeen(Object object) {
    Instant at = ObjectTables.lastSeen(object.getEvent());
    return at == null ? Instant.EPOCH : at;
  }
}
