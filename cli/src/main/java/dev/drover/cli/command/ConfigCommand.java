package dev.drover.cli.command;

import dev.drover.cli.core.Cli;
import dev.drover.cli.core.CliException;
import dev.drover.cli.core.ClientConfig;
import dev.drover.cli.core.ClientConfigStore;
import dev.drover.cli.core.ContextEntry;
import dev.drover.cli.output.Table;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code drover config}: the contexts of {@code ~/.drover/config} (or $DROVER_CONFIG): list them,
 * switch, create or change one, remove one.
 */
@Command(
    name = "config",
    mixinStandardHelpOptions = true,
    description = "Manage the contexts of ~/.drover/config ($DROVER_CONFIG overrides the path).",
    subcommands = {
      ConfigCommand.GetContexts.class,
      ConfigCommand.CurrentContext.class,
      ConfigCommand.UseContext.class,
      ConfigCommand.SetContext.class,
      ConfigCommand.DeleteContext.class
    })
final class ConfigCommand implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(
        spec.commandLine(),
        "missing subcommand: get-contexts,"
            + " current-context, use-context, set-context or delete-context");
  }

  /** {@code config get-contexts}. */
  @Command(
      name = "get-contexts",
      mixinStandardHelpOptions = true,
      description = "List the contexts; * marks the current one.")
  static final class GetContexts implements Callable<Integer> {
    private final Cli cli;

    GetContexts(Cli cli) {
      this.cli = cli;
    }

    @Override
    public Integer call() {
      ClientConfig config = cli.configStore().load();
      if (config.contexts().isEmpty()) {
        cli.err()
            .println(
                "No contexts in "
                    + cli.configStore().path()
                    + "; `drover dev` or `drover config set-context` creates one.");
        return 0;
      }
      Table table = new Table("CURRENT", "NAME", "ENDPOINTS", "NAMESPACE");
      for (ContextEntry context : config.contexts()) {
        table.row(
            context.name().equals(config.currentContext()) ? "*" : "",
            context.name(),
            String.join(",", context.endpoints()),
            context.namespace().isEmpty() ? "default" : context.namespace());
      }
      table.print(cli.out());
      return 0;
    }
  }

  /** {@code config current-context}. */
  @Command(
      name = "current-context",
      mixinStandardHelpOptions = true,
      description = "Print the name of the current context.")
  static final class CurrentContext implements Callable<Integer> {
    private final Cli cli;

    CurrentContext(Cli cli) {
      this.cli = cli;
    }

    @Override
    public Integer call() {
      String current = cli.configStore().load().currentContext();
      if (current.isEmpty()) {
        throw new CliException("current context is not set");
      }
      cli.out().println(current);
      return 0;
    }
  }

  /** {@code config use-context NAME}. */
  @Command(
      name = "use-context",
      mixinStandardHelpOptions = true,
      description = "Make a context the current one.")
  static final class UseContext implements Callable<Integer> {
    private final Cli cli;

    @Parameters(index = "0", paramLabel = "NAME", description = "The context.")
    String name;

    UseContext(Cli cli) {
      this.cli = cli;
    }

    @Override
    public Integer call() {
      ClientConfigStore store = cli.configStore();
      ClientConfig config = store.load();
      if (config.context(name).isEmpty()) {
        throw new CliException("no context exists with the name \"" + name + "\"");
      }
      store.save(config.withCurrent(name));
      cli.out().println("Switched to context \"" + name + "\".");
      return 0;
    }
  }

  /** {@code config set-context NAME}. */
  @Command(
      name = "set-context",
      mixinStandardHelpOptions = true,
      description = {
        "Create a context or change some of its fields.",
        "Use the global -n/--namespace option to set its namespace."
      })
  static final class SetContext implements Callable<Integer> {
    private final Cli cli;

    @Parameters(index = "0", paramLabel = "NAME", description = "The context.")
    String name;

    @Option(
        names = "--endpoint",
        paramLabel = "HOST:PORT",
        description = "Master endpoint; repeat for several masters (replaces the list).")
    List<String> endpoints = new ArrayList<>();

    @Option(names = "--token", paramLabel = "TOKEN", description = "Bearer token.")
    String token;

    @Option(names = "--ca-file", paramLabel = "FILE", description = "CA certificate (PEM).")
    String caFile;

    @Option(names = "--cert-file", paramLabel = "FILE", description = "Client certificate (PEM).")
    String certFile;

    @Option(names = "--key-file", paramLabel = "FILE", description = "Client key (PEM).")
    String keyFile;

    @Option(names = "--current", description = "Also make it the current context.")
    boolean current;

    SetContext(Cli cli) {
      this.cli = cli;
    }

    @Override
    public Integer call() {
      for (String endpoint : endpoints) {
        checkEndpoint(endpoint);
      }
      ClientConfigStore store = cli.configStore();
      ClientConfig config = store.load();
      ContextEntry old =
          config
              .context(name)
              .orElse(new ContextEntry(name, List.of(), "", ContextEntry.Credentials.NONE));
      ContextEntry.Credentials c = old.credentials();
      ContextEntry updated =
          new ContextEntry(
              name,
              endpoints.isEmpty() ? old.endpoints() : endpoints,
              cli.namespaceOption() != null ? cli.namespaceOption() : old.namespace(),
              new ContextEntry.Credentials(
                  token != null ? token : c.token(),
                  caFile != null ? caFile : c.caFile(),
                  certFile != null ? certFile : c.certFile(),
                  keyFile != null ? keyFile : c.keyFile()));
      ClientConfig next = config.withContext(updated);
      if (current || next.currentContext().isEmpty()) {
        next = next.withCurrent(name);
      }
      store.save(next);
      cli.out()
          .println(
              "Context \""
                  + name
                  + "\" "
                  + (config.context(name).isPresent() ? "modified." : "created."));
      return 0;
    }

    static void checkEndpoint(String endpoint) {
      int colon = endpoint.lastIndexOf(':');
      if (colon <= 0) {
        throw new CliException("--endpoint \"" + endpoint + "\": expected host:port");
      }
      try {
        int port = Integer.parseInt(endpoint.substring(colon + 1));
        if (port < 1 || port > 65535) {
          throw new NumberFormatException();
        }
      } catch (NumberFormatException e) {
        throw new CliException("--endpoint \"" + endpoint + "\": the port must be 1-65535");
      }
    }
  }

  /** {@code config delete-context NAME}. */
  @Command(
      name = "delete-context",
      mixinStandardHelpOptions = true,
      description = "Remove a context.")
  static final class DeleteContext implements Callable<Integer> {
    private final Cli cli;

    @Parameters(index = "0", paramLabel = "NAME", description = "The context.")
    String name;

    DeleteContext(Cli cli) {
      this.cli = cli;
    }

    @Override
    public Integer call() {
      ClientConfigStore store = cli.configStore();
      ClientConfig config = store.load();
      if (config.context(name).isEmpty()) {
        throw new CliException("no context exists with the name \"" + name + "\"");
      }
      store.save(config.withoutContext(name));
      cli.out().println("Deleted context \"" + name + "\".");
      return 0;
    }
  }
}
