package dev.drover.cli.command;

import dev.drover.cli.Main;
import dev.drover.cli.core.Cli;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Runs {@code drover} commands in-process against a real cluster's endpoint (plaintext), with HOME
 * in a test directory, as a user would at a shell.
 */
final class ClusterCli {
  /** Output of one command. */
  record Run(int code, String out, String err) {}

  private final String endpoint;
  private final Path home;

  ClusterCli(String endpoint, Path home) {
    this.endpoint = endpoint;
    this.home = home;
  }

  /** Runs {@code drover --server ENDPOINT ARGS...}. */
  Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    Cli cli =
        new Cli(
            new PrintWriter(out, true),
            new PrintWriter(err, true),
            new ByteArrayInputStream(new byte[0]),
            Map.of("HOME", home.toString()),
            false,
            target -> NettyChannelBuilder.forTarget(target).usePlaintext().build(),
            Clock.systemUTC());
    String[] full =
        Stream.concat(Stream.of("--server", endpoint), Stream.of(args)).toArray(String[]::new);
    int code = Main.run(cli, full);
    return new Run(code, out.toString(), err.toString());
  }
}
