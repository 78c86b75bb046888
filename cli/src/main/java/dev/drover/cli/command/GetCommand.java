package dev.drover.cli.command;

import dev.drover.api.ApiObjects;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.WatchEvent;
import dev.drover.api.v1.WatchEventType;
import dev.drover.api.v1.WatchRequest;
import dev.drover.cli.command.Resources.Listing;
import dev.drover.cli.core.Cli;
import dev.drover.cli.core.CliException;
import dev.drover.cli.core.ResourceType;
import dev.drover.cli.output.CustomColumns;
import dev.drover.cli.output.JsonPath;
import dev.drover.cli.output.ObjectTables;
import dev.drover.cli.output.ObjectTrees;
import dev.drover.client.DroverClient;
import dev.drover.client.manifest.ManifestWriter;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code drover get KIND [NAME...]}: lists or reads objects and prints them as a table, YAML or
 * JSON; {@code -w} keeps printing changes.
 */
@Command(
    name = "get",
    mixinStandardHelpOptions = true,
    description = {
      "Display one or many objects.",
      "KIND is a kind name, plural or short name: pods (po), deployments (deploy), services"
          + " (svc), nodes (no), namespaces (ns), daemonsets (ds), replicasets (rs), jobs,"
          + " configmaps (cm), secrets, events (ev), endpoints (ep), leases."
    })
final class GetCommand implements Callable<Integer> {

  /** Watch streams get this deadline and are resumed when it passes. */
  static final Duration WATCH_SLICE = Duration.ofMinutes(30);

  private final Cli cli;
  @Spec CommandSpec spec;

  @Parameters(
      index = "0",
      paramLabel = "KIND",
      completionCandidates = KindCandidates.class,
      description = "Kind of object, or KIND/NAME.")
  String kind;

  @Parameters(index = "1..*", paramLabel = "NAME", description = "Names of objects to show.")
  List<String> names = new ArrayList<>();

  OutputFormat output = OutputFormat.table;

  /** The text after {@code jsonpath=} or {@code custom-columns=}. */
  String template = "";

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      description =
          "Output format: table, wide, yaml, json, name, jsonpath=TEMPLATE,"
              + " custom-columns=NAME:PATH,... (default table).")
  void output(String value) {
    int eq = value.indexOf('=');
    String format = eq < 0 ? value : value.substring(0, eq);
    template = eq < 0 ? "" : value.substring(eq + 1);
    output =
        switch (format) {
          case "jsonpath" -> OutputFormat.jsonpath;
          case "custom-columns" -> OutputFormat.customColumns;
          case "table", "wide", "yaml", "json", "name" -> OutputFormat.valueOf(format);
          default ->
              throw new ParameterException(
                  spec.commandLine(),
                  "Invalid value for option '--output': '"
                      + value
                      + "' (expected table, wide, yaml, json, name, jsonpath=... or"
                      + " custom-columns=...)");
        };
    if ((eq >= 0) != (output.ordinal() >= OutputFormat.jsonpath.ordinal())) {
      throw new ParameterException(
          spec.commandLine(), "Invalid value for option '--output': '" + value + "'");
    }
  }

  @Option(
      names = "--sort-by",
      paramLabel = "JSONPATH",
      description = "Sort the list by this field, e.g. .metadata.name or '{.metadata.name}'.")
  String sortBy = "";

  @Option(names = "--show-labels", description = "Add a LABELS column to the table.")
  boolean showLabels;

  @Option(
      names = {"-L", "--label-columns"},
      paramLabel = "KEY",
      split = ",",
      description = "Add a column with the value of this label (repeatable, or KEY1,KEY2).")
  List<String> labelColumns = new ArrayList<>();

  @Option(
      names = {"-l", "--selector"},
      paramLabel = "SELECTOR",
      description = "Label selector, e.g. app=web,tier in (a,b).")
  String selector = "";

  @Option(
      names = "--field-selector",
      paramLabel = "SELECTOR",
      description = "Field selector, e.g. spec.node_name=n1,status.phase=Running.")
  String fieldSelector = "";

  @Option(
      names = {"-A", "--all-namespaces"},
      description = "List across all namespaces.")
  boolean allNamespaces;

  @Option(
      names = {"-w", "--watch"},
      description = "After listing, watch for changes.")
  boolean watch;

  GetCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    if (kind.contains(",")) {
      return callForEach(kind.split(","));
    }
    ResourceType type;
    if (kind.contains("/")) {
      type = Resources.type(spec.commandLine(), kind.substring(0, kind.indexOf('/')));
      names = new ArrayList<>(names);
      names.add(0, kind.substring(kind.indexOf('/') + 1));
    } else {
      type = Resources.type(spec.commandLine(), kind);
    }
    if (!names.isEmpty() && (!selector.isEmpty() || allNamespaces)) {
      throw new ParameterException(
          spec.commandLine(), "a NAME cannot be combined with --selector or --all-namespaces");
    }
    if (watch && names.size() > 1) {
      throw new ParameterException(spec.commandLine(), "--watch takes at most one NAME");
    }
    String namespace = allNamespaces ? "" : cli.namespace();
    PrintWriter out = cli.out();
    try (DroverClient client = cli.connect()) {
      List<Object> objects = new ArrayList<>();
      long version = 0;
      if (names.isEmpty()) {
        Listing listing = Resources.list(client, type, namespace, selector, fieldSelector);
        objects.addAll(listing.items());
        version = listing.resourceVersion();
      } else {
        for (String name : names) {
          objects.add(Resources.get(client, type, namespace, name));
        }
        if (watch) {
          version = ApiObjects.meta(objects.get(0)).getResourceVersion();
        }
      }
      ObjectTables tables =
          new ObjectTables(type, output == OutputFormat.wide, allNamespaces, cli.clock().instant());
      int[] widths = print(type, namespace, objects, names.size() == 1, tables);
      if (watch) {
        watch(client, type, namespace, version, tables, widths);
      }
      return 0;
    }
  }

  /** {@code get deploy,svc}: one table per kind, separated by a blank line, like kubectl. */
  private int callForEach(String[] kinds) {
    if (!names.isEmpty() || watch) {
      throw new ParameterException(
          spec.commandLine(), "several kinds cannot be combined with NAME or --watch");
    }
    List<ResourceType> types = new ArrayList<>();
    for (String k : kinds) {
      types.add(Resources.type(spec.commandLine(), k.trim()));
    }
    String namespace = allNamespaces ? "" : cli.namespace();
    try (DroverClient client = cli.connect()) {
      boolean first = true;
      for (ResourceType type : types) {
        List<Object> objects =
            Resources.list(client, type, namespace, selector, fieldSelector).items();
        if (objects.isEmpty()) {
          continue;
        }
        if (!first) {
          cli.out().println();
        }
        first = false;
        print(
            type,
            namespace,
            objects,
            false,
            new ObjectTables(
                    type, output == OutputFormat.wide, allNamespaces, cli.clock().instant())
                .qualifyingNames());
      }
      if (first) {
        cli.err()
            .println(
                allNamespaces
                    ? "No resources found"
                    : "No resources found in " + namespace + " namespace.");
      }
      return 0;
    }
  }

  private int[] print(
      ResourceType type,
      String namespace,
      List<Object> objects,
      boolean single,
      ObjectTables tables) {
    PrintWriter out = cli.out();
    if (!sortBy.isEmpty()) {
      objects = ObjectTrees.sortBy(objects, sortBy);
    }
    switch (output) {
      case jsonpath ->
          out.print(JsonPath.parse(template).execute(ObjectTrees.tree(objects, single)));
      case customColumns ->
          new CustomColumns(template).print(out, ObjectTrees.trees(objects), true);
      case yaml -> out.print(ManifestWriter.toYaml(objects));
      case json ->
          out.println(
              single ? ManifestWriter.toJson(objects.get(0)) : ManifestWriter.toJson(objects));
      case name -> objects.forEach(o -> out.println(ResourceType.ref(o)));
      default -> {
        if (objects.isEmpty()) {
          cli.err()
              .println(
                  allNamespaces || !type.namespaced()
                      ? "No resources found"
                      : "No resources found in " + namespace + " namespace.");
          return ObjectTrees.withLabels(tables.table(List.of()), objects, labelColumns, showLabels)
              .widths();
        }
        return ObjectTrees.withLabels(tables.table(objects), objects, labelColumns, showLabels)
            .print(out);
      }
    }
    out.flush();
    return new int[0];
  }

  private void watch(
      DroverClient client,
      ResourceType type,
      String namespace,
      long from,
      ObjectTables tables,
      int[] widths) {
    long version = from;
    String fields = fieldSelector;
    if (names.size() == 1) {
      fields = (fields.isEmpty() ? "" : fields + ",") + "metadata.name=" + names.get(0);
    }
    while (true) {
      WatchRequest request =
          WatchRequest.newBuilder()
              .setKind(type.kind())
              .setNamespace(Resources.namespaceFor(type, namespace))
              .setLabelSelector(selector)
              .setFieldSelector(fields)
              .setResourceVersion(version)
              .setAllowBookmarks(true)
              .build();
      try {
        Iterator<WatchEvent> events = client.stub(WATCH_SLICE).watch(request);
        while (events.hasNext()) {
          WatchEvent event = events.next();
          if (event.getType() == WatchEventType.WATCH_EVENT_TYPE_ERROR) {
            throw new CliException(
                "the watch ended: "
                    + event.getError().getReason()
                    + ": "
                    + event.getError().getMessage());
          }
          version = Math.max(version, event.getResourceVersion());
          if (event.getType() == WatchEventType.WATCH_EVENT_TYPE_BOOKMARK || !event.hasObject()) {
            continue;
          }
          printChange(event.getObject(), tables, widths);
        }
        return; // the server ended the stream
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.DEADLINE_EXCEEDED) {
          throw e;
        }
        // The slice's deadline passed: resume from the last version seen.
      }
    }
  }

  private void printChange(Object object, ObjectTables tables, int[] widths) {
    PrintWriter out = cli.out();
    switch (output) {
      case yaml -> out.print("---\n" + ManifestWriter.toYaml(object));
      case json -> out.println(ManifestWriter.toJson(object));
      case name -> out.println(ResourceType.ref(object));
      case jsonpath -> out.print(JsonPath.parse(template).execute(ManifestWriter.toTree(object)));
      case customColumns ->
          new CustomColumns(template).print(out, ObjectTrees.trees(List.of(object)), false);
      default ->
          ObjectTrees.withLabels(
                  tables.table(List.of(object)), List.of(object), labelColumns, showLabels)
              .printRows(out, widths);
    }
    out.flush();
  }
}
