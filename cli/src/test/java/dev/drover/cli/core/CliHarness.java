package dev.drover.cli.core;

import dev.drover.cli.Main;
import dev.drover.testing.InProcessGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

/**
 * Runs {@code drover} commands in-process against a {@link FakeControlService} served on an
 * in-process gRPC server. HOME is a temporary directory holding a config whose current context
 * "test" points at the fake (endpoints starting with "inprocess:" open in-process channels;
 * anything else a real Netty channel, to test connection failures).
 */
public final class CliHarness implements AutoCloseable {

  /** The instant the tests treat as "now". */
  public static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");

  /** Output of one run. */
  public record Result(int code, String out, String err) {}

  public final FakeControlService service = new FakeControlService();
  public final Path home;
  private final InProcessGrpc server;
  public boolean terminal;
  public Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
  public String stdin = "";

  public CliHarness(Path home) throws IOException {
    this.home = home;
    this.server = InProcessGrpc.start(service);
    new ClientConfigStore(home.resolve(".drover/config"))
        .save(
            dev.drover.cli.core.ClientConfig.EMPTY
                .withContext(
                    new ContextEntry(
                        "test", List.of("inprocess:" + server.name()), "default", null))
                .withCurrent("test"));
  }

  /** A Cli for direct use of a command object (its output is discarded). */
  public Cli newCli() {
    return new Cli(
        new PrintWriter(new StringWriter(), true),
        new PrintWriter(new StringWriter(), true),
        new ByteArrayInputStream(new byte[0]),
        Map.of("HOME", home.toString()),
        false,
        CliHarness::channel,
        clock);
  }

  /** Runs the command line and returns its exit code and output. */
  public Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    Cli cli =
        new Cli(
            new PrintWriter(out, true),
            new PrintWriter(err, true),
            new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
            Map.of("HOME", home.toString()),
            terminal,
            CliHarness::channel,
            clock);
    int code = Main.run(cli, args);
    return new Result(code, out.toString(), err.toString());
  }

  private static ManagedChannel channel(String endpoint) {
    if (endpoint.startsWith("inprocess:")) {
      return InProcessGrpc.channelTo(endpoint.substring("inprocess:".length()));
    }
    return NettyChannelBuilder.forTarget(endpoint).usePlaintext().build();
  }

  @Override
  public void close() throws InterruptedException {
    server.close();
  }
}
