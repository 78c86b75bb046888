package dev.drover.cli.command;

import dev.drover.api.v1.NodeActionRequest;
import dev.drover.api.v1.NodeActionResponse;
import dev.drover.api.v1.NodeActionType;
import dev.drover.api.v1.ObjectReference;
import dev.drover.cli.Cli;
import dev.drover.cli.Durations;
import dev.drover.cli.ResourceType;
import dev.drover.cli.ServerCallException;
import dev.drover.cli.Subject;
import dev.drover.client.DroverClient;
import dev.drover.client.DroverClient.Retry;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code drover cordon|uncordon|drain NODE}: node maintenance. */
final class NodeCommands {

  private NodeCommands() {}

  /** Shared body: the node argument and the call. */
  abstract static class NodeVerb implements Callable<Integer> {
    final Cli cli;

    @Parameters(index = "0", paramLabel = "NODE", description = "Name of the node.")
    String node;

    NodeVerb(Cli cli) {
      this.cli = cli;
    }

    NodeActionResponse act(NodeActionRequest.Builder request, DroverClient client) {
      try {
        return client.call(Retry.IDEMPOTENT, s -> s.nodeAction(request.setNodeName(node).build()));
      } catch (StatusRuntimeException e) {
        throw new ServerCallException(e, new Subject(ResourceType.NODE, node));
      }
    }
  }

  /** {@code drover cordon NODE}. */
  @Command(
      name = "cordon",
      mixinStandardHelpOptions = true,
      description = "Mark a node unschedulable: running pods stay, no new pods go there.")
  static final class Cordon extends NodeVerb {
    Cordon(Cli cli) {
      super(cli);
    }

    @Override
    public Integer call() {
      try (DroverClient client = cli.connect()) {
        act(
            NodeActionRequest.newBuilder().setAction(NodeActionType.NODE_ACTION_TYPE_CORDON),
            client);
        cli.out().println("node/" + node + " cordoned");
        return 0;
      }
    }
  }

  /** {@code drover uncordon NODE}. */
  @Command(
      name = "uncordon",
      mixinStandardHelpOptions = true,
      description = "Mark a node schedulable again.")
  static final class Uncordon extends NodeVerb {
    Uncordon(Cli cli) {
      super(cli);
    }

    @Override
    public Integer call() {
      try (DroverClient client = cli.connect()) {
        act(
            NodeActionRequest.newBuilder().setAction(NodeActionType.NODE_ACTION_TYPE_UNCORDON),
            client);
        cli.out().println("node/" + node + " uncordoned");
        return 0;
      }
    }
  }

  /** {@code drover drain NODE}. */
  @Command(
      name = "drain",
      mixinStandardHelpOptions = true,
      description =
          "Cordon a node and evict its pods, never taking a Deployment below "
              + "replicas - max_unavailable available pods: pods that must wait are evicted once "
              + "their replacements are available.")
  static final class Drain extends NodeVerb {
    /** How often a drain with waiting pods asks again. */
    static final Duration RETRY = Duration.ofSeconds(1);

    @Option(
        names = "--ignore-daemonsets",
        description = "Leave pods of DaemonSets (they would come back anyway).")
    boolean ignoreDaemonSets;

    @Option(
        names = "--grace-period",
        paramLabel = "SECONDS",
        description = "Grace period for evicted pods (default: each pod's own).")
    Long gracePeriod;

    @Option(
        names = "--timeout",
        paramLabel = "DURATION",
        defaultValue = "5m",
        description = "Give up when pods still wait after this long (default ${DEFAULT-VALUE}).")
    String timeout;

    Drain(Cli cli) {
      super(cli);
    }

    @Override
    public Integer call() {
      NodeActionRequest.Builder request =
          NodeActionRequest.newBuilder()
              .setAction(NodeActionType.NODE_ACTION_TYPE_DRAIN)
              .setIgnoreDaemonSets(ignoreDaemonSets);
      if (gracePeriod != null) {
        request.setGracePeriodSeconds(gracePeriod);
      }
      Duration limit = Durations.parse(timeout);
      Instant deadline = cli.clock().instant().plus(limit);
      try (DroverClient client = cli.connect()) {
        NodeActionResponse response = act(request, client);
        cli.out().println("node/" + node + " cordoned");
        Set<String> told = new HashSet<>();
        while (true) {
          for (ObjectReference pod : response.getEvictedPodsList()) {
            cli.out().println("evicting pod " + pod.getNamespace() + "/" + pod.getName());
          }
          if (response.getWaitingPodsCount() == 0) {
            break;
          }
          for (ObjectReference pod : response.getWaitingPodsList()) {
            if (told.add(pod.getNamespace() + "/" + pod.getName())) {
              cli.out()
                  .println(
                      "waiting to evict pod "
                          + pod.getNamespace()
                          + "/"
                          + pod.getName()
                          + ": its Deployment has no available pod to spare yet");
            }
          }
          cli.out().flush();
          if (!cli.clock().instant().isBefore(deadline)) {
            cli.err()
                .println(
                    "error: timed out after "
                        + limit.toSeconds()
                        + "s draining node/"
                        + node
                        + "; "
                        + response.getWaitingPodsCount()
                        + " pod(s) still waiting");
            return 1;
          }
          LockSupport.parkNanos(RETRY.toNanos());
          if (Thread.currentThread().isInterrupted()) {
            return 1;
          }
          response = act(request, client);
        }
        cli.out().println("node/" + node + " drained");
        return 0;
      }
    }
  }
}
