package dev.drover.cli.command;

import com.google.protobuf.ByteString;
import dev.drover.api.ApiObjects;
import dev.drover.api.KubeEnums;
import dev.drover.api.v1.Event;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.cli.core.Cli;
import dev.drover.cli.core.Durations;
import dev.drover.cli.core.ResourceType;
import dev.drover.cli.output.CanaryText;
import dev.drover.cli.output.ObjectTables;
import dev.drover.cli.output.PodText;
import dev.drover.cli.output.Table;
import dev.drover.client.DroverClient;
import dev.drover.client.manifest.ManifestWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code drover describe KIND NAME}: a readable account of one object, its metadata, a summary line
 * for workloads and pods, its spec and status, and the events recorded about it.
 */
@Command(
    name = "describe",
    mixinStandardHelpOptions = true,
    description = "Show the details of an object, with its events.")
final class DescribeCommand implements Callable<Integer> {

  private final Cli cli;
  @Spec CommandSpec spec;

  @Parameters(
      index = "0",
      paramLabel = "KIND",
      completionCandidates = KindCandidates.class,
      description = "Kind of object, or KIND/NAME.")
  String kind;

  @Parameters(index = "1", arity = "0..1", paramLabel = "NAME", description = "Name.")
  String name;

  DescribeCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    String kindName = kind;
    String objectName = name;
    if (kind.contains("/")) {
      kindName = kind.substring(0, kind.indexOf('/'));
      objectName = kind.substring(kind.indexOf('/') + 1);
    }
    ResourceType type = Resources.type(spec.commandLine(), kindName);
    if (objectName == null || objectName.isEmpty()) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "name the " + type.singular() + " to describe");
    }
    try (DroverClient client = cli.connect()) {
      Object object = Resources.get(client, type, cli.namespace(), objectName);
      List<Event> events = events(client, object);
      cli.out().print(render(object, events, cli.clock().instant()));
      cli.out().flush();
      return 0;
    }
  }

  private static List<Event> events(DroverClient client, Object object) {
    ObjectMeta meta = ApiObjects.meta(object);
    ResourceType type = ResourceType.of(object);
    String namespace = meta.getNamespace().isEmpty() ? "" : meta.getNamespace();
    List<Event> events = new ArrayList<>();
    for (Object item : Resources.list(client, ResourceType.EVENT, namespace, "", "").items()) {
      Event event = item.getEvent();
      if (event.getInvolvedObject().getKind() == type.kind()
          && event.getInvolvedObject().getName().equals(meta.getName())
          && (event.getInvolvedObject().getUid().isEmpty()
              || event.getInvolvedObject().getUid().equals(meta.getUid()))) {
        events.add(event);
      }
    }
    events.sort(Comparator.comparing(e -> lastSeen(e)));
    return events;
  }

  private static Instant lastSeen(Event event) {
    Instant at = ObjectTables.lastSeen(event);
    return at == null ? Instant.EPOCH : at;
  }

  /** The text of a description. */
  static String render(Object object, List<Event> events, Instant now) {
    StringWriter text = new StringWriter();
    PrintWriter out = new PrintWriter(text);
    ObjectMeta meta = ApiObjects.meta(object);
    field(out, "Name", meta.getName());
    if (ResourceType.of(object).namespaced()) {
      field(out, "Namespace", meta.getNamespace());
    }
    field(out, "Kind", ResourceType.of(object).kindName());
    field(
        out,
        "Labels",
        meta.getLabelsCount() == 0 ? "<none>" : ObjectTables.labels(meta.getLabelsMap()));
    field(
        out,
        "Annotations",
        meta.getAnnotationsCount() == 0 ? "<none>" : ObjectTables.labels(meta.getAnnotationsMap()));
    Instant created = ApiObjects.instantOrNull(meta.getCreationTime());
    field(
        out,
        "Created",
        created == null
            ? "<unknown>"
            : created + " (" + Durations.age(Duration.between(created, now)) + " ago)");
    field(out, "UID", meta.getUid());
    if (meta.hasDeletionTime()) {
      field(
          out, "Deleting since", String.valueOf(ApiObjects.instantOrNull(meta.getDeletionTime())));
    }
    switch (object.getKindCase()) {
      case POD -> {
        var pod = object.getPod();
        field(out, "Status", PodText.status(pod));
        field(out, "Ready", PodText.ready(pod));
        field(
            out,
            "Node",
            pod.getSpec().getNodeName().isEmpty() ? "<none>" : pod.getSpec().getNodeName());
        field(
            out,
            "IP",
            pod.getStatus().getPodIp().isEmpty() ? "<none>" : pod.getStatus().getPodIp());
        String stuck = PodText.stuckReason(pod);
        if (stuck != null) {
          field(out, "Problem", stuck);
        }
      }
      case DEPLOYMENT -> {
        var d = object.getDeployment();
        int desired = d.getSpec().hasReplicas() ? d.getSpec().getReplicas() : 1;
        var s = d.getStatus();
        field(
            out,
            "Replicas",
            desired
                + " desired | "
                + s.getUpdatedReplicas()
                + " updated | "
                + s.getReplicas()
                + " total | "
                + s.getAvailableReplicas()
                + " available | "
                + s.getUnavailableReplicas()
                + " unavailable");
        field(out, "Revision", String.valueOf(s.getCurrentRevision()));
        String canary = CanaryText.describe(d, now);
        if (canary != null) {
          field(out, "Canary", canary);
        }
      }
      default -> {}
    }
    Map<String, java.lang.Object> tree = ManifestWriter.toTree(object);
    for (Map.Entry<String, java.lang.Object> entry : tree.entrySet()) {
      String key = entry.getKey();
      if (key.equals("apiVersion") || key.equals("kind") || key.equals("metadata")) {
        continue;
      }
      if (object.hasSecret() && key.equals("data")) {
        secretData(out, object.getSecret().getDataMap());
        continue;
      }
      out.println(capitalize(key) + ":");
      tree(out, entry.getValue(), "  ");
    }
    out.println("Events:" + (events.isEmpty() ? "  <none>" : ""));
    if (!events.isEmpty()) {
      Table table = new Table("  TYPE", "REASON", "AGE", "FROM", "MESSAGE");
      for (Event event : events) {
        String type = KubeEnums.text(event.getType());
        String from =
            !event.getReportingComponent().isEmpty()
                ? event.getReportingComponent()
                : event.getSource().getComponent();
        String age = Durations.age(Duration.between(lastSeen(event), now));
        if (event.getCount() > 1) {
          age += " (x" + event.getCount() + ")";
        }
        table.row(
            "  " + (type.isEmpty() ? "Normal" : type),
            event.getReason(),
            age,
            from,
            event.getMessage());
      }
      table.print(out);
    }
    out.flush();
    return text.toString();
  }

  /** A Secret's keys and sizes, never its values (as kubectl describes Secrets). */
  private static void secretData(PrintWriter out, Map<String, ByteString> data) {
    out.println("Data:");
    for (String k : new java.util.TreeSet<>(data.keySet())) {
      out.println("  " + k + ":  " + data.get(k).size() + " bytes");
    }
  }

  private static void field(PrintWriter out, String label, String value) {
    out.printf("%-14s%s%n", label + ":", value);
  }

  private static String capitalize(String key) {
    return Character.toUpperCase(key.charAt(0)) + key.substring(1);
  }

  private static void tree(PrintWriter out, java.lang.Object value, String indent) {
    if (value instanceof Map<?, ?> map) {
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        java.lang.Object child = entry.getValue();
        if (child instanceof Map<?, ?> || child instanceof List<?>) {
          out.println(indent + entry.getKey() + ":");
          tree(out, child, indent + "  ");
        } else {
          out.println(indent + entry.getKey() + ": " + child);
        }
      }
    } else if (value instanceof List<?> list) {
      for (java.lang.Object item : list) {
        if (item instanceof Map<?, ?> map && !map.isEmpty()) {
          // "- first: value" then the other keys aligned under it, as YAML writes list items.
          StringWriter text = new StringWriter();
          PrintWriter nested = new PrintWriter(text);
          tree(nested, item, indent + "  ");
          nested.flush();
          String lines = text.toString();
          out.print(indent + "- " + lines.substring(indent.length() + 2));
        } else if (item instanceof Map<?, ?> || item instanceof List<?>) {
          out.println(indent + "-");
          tree(out, item, indent + "  ");
        } else {
          out.println(indent + "- " + item);
        }
      }
    } else {
      out.println(indent + value);
    }
  }
}
