package dev.drover.cli.command;

import dev.drover.cli.core.Cli;
import dev.drover.cli.core.ErrorRenderer;
import dev.drover.client.manifest.Suggestions;
import java.io.PrintWriter;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine;

/**
 * The {@code drover} command tree for one invocation: picocli configured once (options, error
 * rendering), and every command built with the invocation's {@link Cli}. Used to run a command and
 * to generate shell completion.
 */
public final class CommandTree {
  private CommandTree() {}

  /** The configured command tree (also used to generate shell completion). */
  public static CommandLine of(Cli cli) {
    CommandLine commandLine = new CommandLine(DroverCommand.class, new Factory(cli));
    // `--context dev` names the context dev mode writes; without this, picocli would read
    // "dev" as the `dev` subcommand and report a missing option value.
    commandLine.setAllowSubcommandsAsOptionParameters(true);
    // Enum options are typed the way users write them (`--runtime docker`).
    commandLine.setCaseInsensitiveEnumValuesAllowed(true);
    commandLine.setOut(cli.out());
    commandLine.setErr(cli.err());
    commandLine.setParameterExceptionHandler(CommandTree::usageError);
    // The daemons talk to no master as clients do: the inherited client options would only
    // mislead in their help, so they take none of them.
    for (String daemon : List.of("master", "agent", "dev")) {
      CommandLine.Model.CommandSpec spec =
          commandLine.getSubcommands().get(daemon).getCommandSpec();
      for (CommandLine.Model.OptionSpec o : List.copyOf(spec.options())) {
        if (o.inherited() && !o.usageHelp() && !o.versionHelp()) {
          spec.remove(o);
        }
      }
    }
    commandLine.setExecutionExceptionHandler(
        (failure, command, parseResult) -> {
          for (String line : ErrorRenderer.render(failure, cli.lastConnection())) {
            cli.err().println(line);
          }
          cli.err().flush();
          return 1;
        });
    return commandLine;
  }

  /**
   * A usage error in one line (two with a suggestion) instead of the whole usage: the problem, a
   * "did you mean" for a mistyped verb or option, and where the full usage is.
   */
  private static int usageError(CommandLine.ParameterException e, String[] args) {
    CommandLine at = e.getCommandLine();
    PrintWriter err = at.getErr();
    err.println("error: " + e.getMessage());
    if (e instanceof CommandLine.UnmatchedArgumentException unmatched) {
      List<String> typed = unmatched.getUnmatched();
      List<String> known = new ArrayList<>(at.getSubcommands().keySet());
      for (CommandLine.Model.OptionSpec o : at.getCommandSpec().options()) {
        known.addAll(List.of(o.names()));
      }
      if (!typed.isEmpty()) {
        Optional.ofNullable(Suggestions.closest(typed.get(0), known))
            .ifPresent(m -> err.println("Did you mean \"" + m + "\"?"));
      }
    }
    err.println("See `" + at.getCommandSpec().qualifiedName() + " -h` for its usage.");
    err.flush();
    return at.getCommandSpec().exitCodeOnInvalidInput();
  }

  /** Creates commands, handing the invocation's {@link Cli} to those that take one. */
  private static final class Factory implements CommandLine.IFactory {
    private final Cli cli;
    private final CommandLine.IFactory fallback = CommandLine.defaultFactory();

    Factory(Cli cli) {
      this.cli = cli;
    }

    @Override
    public <K> K create(Class<K> type) throws Exception {
      Constructor<K> constructor;
      try {
        constructor = type.getDeclaredConstructor(Cli.class);
      } catch (NoSuchMethodException e) {
        return fallback.create(type);
      }
      try {
        constructor.setAccessible(true);
        return constructor.newInstance(cli);
      } catch (InvocationTargetException e) {
        throw e.getCause() instanceof Exception cause ? cause : e;
      }
    }
  }
}
