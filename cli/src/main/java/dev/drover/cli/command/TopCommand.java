package dev.drover.cli.command;

import dev.drover.api.ApiObjects;
import dev.drover.api.Quantity;
import dev.drover.api.v1.ContainerMetrics;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodMetrics;
import dev.drover.api.v1.PodMetricsRequest;
import dev.drover.api.v1.PodPhase;
import dev.drover.cli.core.Cli;
import dev.drover.cli.core.CliException;
import dev.drover.cli.core.ResourceType;
import dev.drover.cli.core.ServerCallException;
import dev.drover.cli.core.Subject;
import dev.drover.cli.output.Table;
import dev.drover.client.DroverClient;
import dev.drover.client.DroverClient.Retry;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code drover top pods|nodes}: CPU and memory in use, as kubectl top prints them, sampled by each
 * node's container runtime through ControlService.GetPodMetrics. A node's figures are the sums over
 * the pods on it (Drover measures containers, not the whole host), against its allocatable.
 */
@Command(
    name = "top",
    mixinStandardHelpOptions = true,
    description = "Show the CPU and memory use of pods or nodes.",
    subcommands = {TopCommand.Pods.class, TopCommand.Nodes.class})
final class TopCommand implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "give what to show: pods or nodes");
  }

  /** The metrics of the running pods matching a namespace, selector and name. */
  static List<PodMetrics> metrics(
      DroverClient client, String namespace, String selector, String name) {
    List<Object> pods =
        name == null
            ? Resources.list(client, ResourceType.POD, namespace, selector, "").items()
            : List.of(Resources.get(client, ResourceType.POD, namespace, name));
    List<PodMetrics> out = new ArrayList<>();
    for (Object object : pods) {
      Pod pod = object.getPod();
      if (pod.getStatus().getPhase() != PodPhase.POD_PHASE_RUNNING) {
        continue;
      }
      PodMetricsRequest request =
          PodMetricsRequest.newBuilder()
              .setNamespace(pod.getMetadata().getNamespace())
              .setPod(pod.getMetadata().getName())
              .build();
      try {
        out.add(client.call(Retry.READ, s -> s.getPodMetrics(request)));
      } catch (StatusRuntimeException e) {
        Status.Code code = e.getStatus().getCode();
        if (code == Status.Code.NOT_FOUND || code == Status.Code.FAILED_PRECONDITION) {
          continue; // gone or not placed since the listing
        }
        if (code == Status.Code.UNIMPLEMENTED) {
          throw new CliException(
              "metrics not available for pod "
                  + pod.getMetadata().getName()
                  + ": "
                  + e.getStatus().getDescription());
        }
        throw new ServerCallException(e, new Subject(ResourceType.POD, request.getPod()));
      }
    }
    return out;
  }

  static long cpu(PodMetrics m) {
    return m.getContainersList().stream().mapToLong(ContainerMetrics::getCpuMillicores).sum();
  }

  static long memory(PodMetrics m) {
    return m.getContainersList().stream().mapToLong(ContainerMetrics::getMemoryBytes).sum();
  }

  static String cores(long millicores) {
    return millicores + "m";
  }

  static String mebibytes(long bytes) {
    return (bytes / (1024 * 1024)) + "Mi";
  }

  /** {@code top pods [NAME]}. */
  @Command(
      name = "pods",
      aliases = {"pod", "po"},
      mixinStandardHelpOptions = true,
      description = "Show the CPU (cores) and memory (bytes) in use by pods.")
  static final class Pods implements Callable<Integer> {
    private final Cli cli;
    @Spec CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "One pod.")
    String name;

    @Option(
        names = {"-A", "--all-namespaces"},
        description = "Pods of every namespace.")
    boolean allNamespaces;

    @Option(
        names = {"-l", "--selector"},
        paramLabel = "SELECTOR",
        description = "Only pods matching this label selector.")
    String selector = "";

    @Option(names = "--containers", description = "One line per container.")
    boolean containers;

    @Option(
        names = "--sort-by",
        paramLabel = "cpu|memory",
        description = "Sort by cpu or memory use, largest first.")
    String sortBy;

    Pods(Cli cli) {
      this.cli = cli;
    }

    @Override
    public Integer call() {
      if (sortBy != null && !sortBy.equals("cpu") && !sortBy.equals("memory")) {
        throw new ParameterException(spec.commandLine(), "--sort-by must be cpu or memory");
      }
      if (name != null && (allNamespaces || !selector.isEmpty())) {
        throw new ParameterException(
            spec.commandLine(), "a NAME cannot be combined with --selector or --all-namespaces");
      }
      String namespace = allNamespaces ? "" : cli.namespace();
      List<PodMetrics> all;
      try (DroverClient client = cli.connect()) {
        all = new ArrayList<>(metrics(client, namespace, selector, name));
      }
      if (all.isEmpty()) {
        throw new CliException(
            "Metrics not available for pods in "
                + (allNamespaces ? "any namespace" : "namespace " + namespace)
                + " (no running pods)");
      }
      if (sortBy != null) {
        all.sort(
            Comparator.comparingLong((PodMetrics m) -> sortBy.equals("cpu") ? cpu(m) : memory(m))
                .reversed());
      }
      List<String> headers = new ArrayList<>();
      if (allNamespaces) {
        headers.add("NAMESPACE");
      }
      headers.addAll(
          containers
              ? List.of("POD", "NAME", "CPU(cores)", "MEMORY(bytes)")
              : List.of("NAME", "CPU(cores)", "MEMORY(bytes)"));
      Table table = new Table(headers);
      for (PodMetrics m : all) {
        List<List<String>> rows = new ArrayList<>();
        if (containers) {
          for (ContainerMetrics c : m.getContainersList()) {
            rows.add(
                List.of(
                    m.getPod(),
                    c.getName(),
                    cores(c.getCpuMillicores()),
                    mebibytes(c.getMemoryBytes())));
          }
        } else {
          rows.add(List.of(m.getPod(), cores(cpu(m)), mebibytes(memory(m))));
        }
        for (List<String> row : rows) {
          List<String> cells = new ArrayList<>();
          if (allNamespaces) {
            cells.add(m.getNamespace());
          }
          cells.addAll(row);
          table.row(cells);
        }
      }
      table.print(cli.out());
      return 0;
    }
  }

  /** {@code top nodes [NAME]}. */
  @Command(
      name = "nodes",
      aliases = {"node", "no"},
      mixinStandardHelpOptions = true,
      description = "Show the CPU (cores) and memory (bytes) in use by the pods of each node.")
  static final class Nodes implements Callable<Integer> {
    private final Cli cli;

    @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "One node.")
    String name;

    Nodes(Cli cli) {
      this.cli = cli;
    }

    @Override
    public Integer call() {
      Map<String, long[]> used = new LinkedHashMap<>();
      Table table = new Table("NAME", "CPU(cores)", "CPU%", "MEMORY(bytes)", "MEMORY%");
      try (DroverClient client = cli.connect()) {
        List<Object> nodes =
            name == null
                ? Resources.list(client, ResourceType.NODE, "", "", "").items()
                : List.of(Resources.get(client, ResourceType.NODE, "", name));
        for (PodMetrics m : metrics(client, "", "", null)) {
          long[] sum = used.computeIfAbsent(m.getNodeName(), k -> new long[2]);
          sum[0] += cpu(m);
          sum[1] += memory(m);
        }
        for (Object object : nodes) {
          String node = ApiObjects.meta(object).getName();
          long[] sum = used.getOrDefault(node, new long[2]);
          Map<String, String> allocatable = object.getNode().getStatus().getAllocatableMap();
          table.row(
              node,
              cores(sum[0]),
              percent(sum[0], allocatable.get("cpu"), true),
              mebibytes(sum[1]),
              percent(sum[1], allocatable.get("memory"), false));
        }
      }
      table.print(cli.out());
      return 0;
    }

    private static String percent(long used, String allocatable, boolean milli) {
      Quantity total = allocatable == null ? null : Quantity.parseOrNull(allocatable);
      long of = total == null ? 0 : milli ? total.milliValue() : total.value();
      return of <= 0 ? "<unknown>" : (used * 100 / of) + "%";
    }
  }
}
