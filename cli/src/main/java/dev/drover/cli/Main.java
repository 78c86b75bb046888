package dev.drover.cli;

import dev.drover.cli.command.DroverCommand;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import picocli.CommandLine;

/**
 * Entry point of the {@code drover} command. Exit codes: 0 success, 1 an error (answered by the
 * cluster, unreachable cluster, bad manifest), 2 a usage error (unknown command, option or kind).
 */
public final class Main {

  /**
   * gRPC logs through java.util.logging; kept here (a strong reference) so the level set in {@link
   * #main} holds for the whole run.
   */
  private static final java.util.logging.Logger GRPC_LOG =
      java.util.logging.Logger.getLogger("io.grpc");

  private Main() {}

  public static void main(String[] args) {
    // gRPC's informational JUL lines (e.g. about epoll) are noise in a command's output.
    GRPC_LOG.setLevel(java.util.logging.Level.WARNING);
    System.exit(run(Cli.system(), args));
  }

  /** Runs one invocation against the given context and returns its exit code. */
  public static int run(Cli cli, String... args) {
    CommandLine commandLine = commandLine(cli);
    int code = commandLine.execute(args);
    cli.out().flush();
    cli.err().flush();
    return code;
  }

  /** The configured command tree (also used to generate shell completion). */
  public static CommandLine commandLine(Cli cli) {
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
