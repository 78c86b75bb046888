package dev.drover.cli.command;

import dev.drover.api.KubeEnums;
import dev.drover.api.v1.ClusterInfoRequest;
import dev.drover.api.v1.ClusterInfoResponse;
import dev.drover.api.v1.MasterInfo;
import dev.drover.cli.Cli;
import dev.drover.cli.output.Table;
import dev.drover.client.DroverClient;
import dev.drover.client.DroverClient.Retry;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code drover cluster info}: the masters of the cluster, their roles and the API version. */
@Command(
    name = "cluster",
    mixinStandardHelpOptions = true,
    description = "Information about the cluster.",
    subcommands = ClusterCommand.Info.class)
final class ClusterCommand implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "missing subcommand: info");
  }

  /** {@code drover cluster info}. */
  @Command(
      name = "info",
      mixinStandardHelpOptions = true,
      description = "Show the masters and the version they serve.")
  static final class Info implements Callable<Integer> {
    private final Cli cli;

    Info(Cli cli) {
      this.cli = cli;
    }

    @Override
    public Integer call() {
      try (DroverClient client = cli.connect()) {
        ClusterInfoResponse info =
            client.call(Retry.READ, s -> s.clusterInfo(ClusterInfoRequest.getDefaultInstance()));
        cli.out().printf("Drover control plane is running at %s%n", client.currentEndpoint());
        cli.out()
            .printf(
                "Version: %s, store revision %d, answered by %s%n",
                info.getVersion(), info.getRevision(), info.getAnsweredBy());
        Table table = new Table("ID", "ADDRESS", "ROLE", "ACTIVE");
        for (MasterInfo master : info.getMastersList()) {
          table.row(
              master.getId(),
              master.getAddress(),
              KubeEnums.text(master.getRole()),
              master.getActive() ? "yes" : "");
        }
        table.print(cli.out());
        return 0;
      }
    }
  }
}
