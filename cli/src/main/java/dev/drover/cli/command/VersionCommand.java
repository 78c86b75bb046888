package dev.drover.cli.command;

import dev.drover.api.v1.ClusterInfoRequest;
import dev.drover.api.v1.ClusterInfoResponse;
import dev.drover.cli.Cli;
import dev.drover.client.DroverClient;
import dev.drover.client.DroverClient.Retry;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code drover version}: the client's version and the answering master's. */
@Command(
    name = "version",
    mixinStandardHelpOptions = true,
    description = "Print the client and server versions.")
final class VersionCommand implements Callable<Integer> {

  private final Cli cli;

  @Option(names = "--client", description = "Only the client version (no cluster needed).")
  boolean clientOnly;

  VersionCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    cli.out().println("Client Version: " + Cli.VERSION);
    cli.out().flush();
    if (clientOnly) {
      return 0;
    }
    try (DroverClient client = cli.connect()) {
      ClusterInfoResponse info =
          client.call(Retry.READ, s -> s.clusterInfo(ClusterInfoRequest.getDefaultInstance()));
      cli.out().println("Server Version: " + info.getVersion());
      return 0;
    }
  }
}
