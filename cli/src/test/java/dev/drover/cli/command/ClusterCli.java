package dev.drover.cli.command;

import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.cli.Main;
import dev.drover.cli.core.Cli;
import dev.drover.embed.DroverTestCluster;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Runs {@code drover} commands in-process against a {@link DroverTestCluster} over real gRPC, as a
 * user's shell would ({@code --server} set to the cluster, HOME a test directory), and returns what
 * they printed.
 */
final class ClusterCli {

  /** What one command returned and printed. */
  record Run(int code, String out, String err) {}

  private final DroverTestCluster cluster;
  private final Path home;

  ClusterCli(DroverTestCluster cluster, Path home) {
    this.cluster = cluster;
    this.home = home;
  }

  Run run(String... args) {
    return run(Map.of(), new StringWriter(), args);
  }

  /** Runs with extra environment variables; {@code out} sees the output as it is written. */
  Run run(Map<String, String> env, StringWriter out, String... args) {
    StringWriter err = new StringWriter();
    Map<String, String> all = new HashMap<>(env);
    all.put("HOME", home.toString());
    Cli cli =
        new Cli(
            new PrintWriter(out, true),
            new PrintWriter(err, true),
            new ByteArrayInputStream(new byte[0]),
            all,
            false,
            endpoint -> NettyChannelBuilder.forTarget(endpoint).usePlaintext().build(),
            Clock.systemUTC());
    String[] full =
        Stream.concat(Stream.of("--server", cluster.endpoint()), Stream.of(args))
            .toArray(String[]::new);
    int code = Main.run(cli, full);
    return new Run(code, out.toString(), err.toString());
  }

  /** Runs a command that must succeed. */
  Run ok(String... args) {
    Run run = run(args);
    assertThat(run.code()).as(String.join(" ", args) + ": " + run.err()).isZero();
    return run;
  }
}
