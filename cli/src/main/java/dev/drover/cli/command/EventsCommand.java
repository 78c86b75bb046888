package dev.drover.cli.command;

import dev.drover.api.v1.Event;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.WatchEvent;
import dev.drover.api.v1.WatchEventType;
import dev.drover.api.v1.WatchRequest;
import dev.drover.cli.core.Cli;
import dev.drover.cli.core.CliException;
import dev.drover.cli.core.ResourceType;
import dev.drover.cli.core.Subject;
import dev.drover.cli.output.ObjectTables;
import dev.drover.cli.output.Table;
import dev.drover.client.DroverClient;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code drover events [-w]}: the events of a namespace (or of one object), oldest first; with
 * {@code -w}, then every new or repeated event as it is recorded.
 */
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
      names = {"-w", "--watch"},
      description = "After listing, keep printing new events as they are recorded.")
  boolean watch;

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
      Resources.Listing listing = Resources.list(client, ResourceType.EVENT, namespace, "", "");
      List<Object> events = new ArrayList<>();
      for (Object object : listing.items()) {
        if (isAbout(object, about)) {
          events.add(object);
        }
      }
      events.sort(Comparator.comparing(EventsCommand::lastSeen));
      int[] widths = null;
      if (events.isEmpty()) {
        if (!watch) {
          cli.err()
              .println(
                  allNamespaces
                      ? "No events found."
                      : "No events found in " + namespace + " namespace.");
        }
      } else {
        widths = table().table(events).print(cli.out());
      }
      if (watch) {
        follow(client, namespace, listing.resourceVersion(), about, widths);
      }
      return 0;
    }
  }

  private ObjectTables table() {
    return new ObjectTables(ResourceType.EVENT, false, allNamespaces, cli.clock().instant());
  }

  private static boolean isAbout(Object object, Subject about) {
    Event event = object.getEvent();
    return about == null
        || (event.getInvolvedObject().getKind() == about.type().kind()
            && event.getInvolvedObject().getName().equals(about.name()));
  }

  /**
   * Prints each event recorded or updated after {@code version} as a row under the listed table
   * (the first one with a header when nothing was listed), resuming the watch when its deadline
   * passes, until interrupted.
   */
  private void follow(
      DroverClient client, String namespace, long version, Subject about, int[] listedWidths) {
    int[] widths = listedWidths;
    long from = version;
    while (true) {
      WatchRequest request =
          WatchRequest.newBuilder()
              .setKind(ResourceType.EVENT.kind())
              .setNamespace(namespace)
              .setResourceVersion(from)
              .setAllowBookmarks(true)
              .build();
      try {
        Iterator<WatchEvent> stream = client.stub(GetCommand.WATCH_SLICE).watch(request);
        while (stream.hasNext()) {
          WatchEvent change = stream.next();
          if (change.getType() == WatchEventType.WATCH_EVENT_TYPE_ERROR) {
            throw new CliException("the watch ended: " + change.getError().getMessage());
          }
          from = Math.max(from, change.getResourceVersion());
          boolean shown =
              change.getType() == WatchEventType.WATCH_EVENT_TYPE_ADDED
                  || change.getType() == WatchEventType.WATCH_EVENT_TYPE_MODIFIED;
          if (shown && isAbout(change.getObject(), about)) {
            Table row = table().table(List.of(change.getObject()));
            if (widths == null) {
              widths = row.print(cli.out());
            } else {
              row.printRows(cli.out(), widths);
            }
          }
        }
        return;
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.DEADLINE_EXCEEDED) {
          throw e;
        }
      }
    }
  }

  private static Instant lastSeen(Object object) {
    Instant at = ObjectTables.lastSeen(object.getEvent());
    return at == null ? Instant.EPOCH : at;
  }
}
