package dev.drover.cli.command;

import dev.drover.cli.core.Cli;
import dev.drover.cli.core.ErrorRenderer;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
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
