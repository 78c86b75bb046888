package dev.drover.cli;

import dev.drover.cli.command.CommandTree;
import dev.drover.cli.core.Cli;
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
    CommandLine commandLine = CommandTree.of(cli);
    int code = commandLine.execute(args);
    cli.out().flush();
    cli.err().flush();
    return code;
  }
}
