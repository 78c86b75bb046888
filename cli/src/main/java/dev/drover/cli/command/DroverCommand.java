package dev.drover.cli.command;

import dev.drover.cli.core.Cli;
import dev.drover.cli.core.Durations;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The root {@code drover} command: holds the global options (inherited by every subcommand, so they
 * may be given before or after the verb) and lists the verbs.
 */
@Command(
    name = "drover",
    mixinStandardHelpOptions = true,
    scope = ScopeType.INHERIT,
    versionProvider = DroverCommand.Version.class,
    description = "Drover: a lightweight, Kubernetes-shaped container orchestrator.",
    footer = {
      "",
      "Start a local cluster with `drover dev`, then `drover apply -f FILE` and `drover get pods`.",
      "Exit codes: 0 ok, 1 error (from the cluster, connection, manifest), 2 usage error."
    },
    subcommands = {
      DevCommand.class,
      MasterCommand.class,
      AgentCommand.class,
      ApplyCommand.class,
      DiffCommand.class,
      GetCommand.class,
      DescribeCommand.class,
      DeleteCommand.class,
      CreateCommand.class,
      RunCommand.class,
      ExposeCommand.class,
      EditCommand.class,
      PatchCommand.class,
      LabelCommand.class,
      AnnotateCommand.class,
      LogsCommand.class,
      ExecCommand.class,
      PortForwardCommand.class,
      CpCommand.class,
      TopCommand.class,
      ScaleCommand.class,
      RolloutCommand.class,
      NodeCommands.Cordon.class,
      NodeCommands.Uncordon.class,
      NodeCommands.Drain.class,
      WaitCommand.class,
      EventsCommand.class,
      VersionCommand.class,
      ClusterCommand.class,
      ConfigCommand.class,
      TokenCommand.class,
      CompletionCommand.class
    })
public final class DroverCommand implements Runnable {

  private final Cli cli;
  @Spec CommandSpec spec;

  DroverCommand(Cli cli) {
    this.cli = cli;
  }

  @Option(
      names = "--context",
      scope = ScopeType.INHERIT,
      paramLabel = "NAME",
      description = "Context of ~/.drover/config to use instead of the current one.")
  void setContext(String name) {
    cli.setContextOption(name);
  }

  @Option(
      names = "--server",
      scope = ScopeType.INHERIT,
      paramLabel = "HOST:PORT",
      description = "Master endpoint to talk to, overriding the context.")
  void setServer(String endpoint) {
    cli.setServerOption(endpoint);
  }

  @Option(
      names = {"-n", "--namespace"},
      scope = ScopeType.INHERIT,
      paramLabel = "NS",
      description = "Namespace (default: the context's namespace, else \"default\").")
  void setNamespace(String namespace) {
    cli.setNamespaceOption(namespace);
  }

  @Option(
      names = "--request-timeout",
      scope = ScopeType.INHERIT,
      paramLabel = "DURATION",
      description = "Deadline of each call to the cluster, e.g. 10s (default 10s).")
  void setRequestTimeout(String timeout) {
    try {
      cli.setRequestTimeout(Durations.parse(timeout));
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--request-timeout: " + e.getMessage());
    }
  }

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "missing command; see `drover --help`");
  }

  /** Reports the client version for {@code --version}. */
  static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"drover " + Cli.VERSION};
    }
  }
}
