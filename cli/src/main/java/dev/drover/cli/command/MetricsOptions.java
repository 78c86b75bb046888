package dev.drover.cli.command;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The metrics port's address and bearer token, shared by {@code drover master} and {@code drover
 * agent} (each keeps its own {@code --metrics-port}, as their defaults differ): loopback unless
 * told otherwise, and a token file whenever it is not.
 */
final class MetricsOptions {
  @Option(
      names = "--metrics-host",
      paramLabel = "HOST",
      description = "Address the metrics port binds to (default ${DEFAULT-VALUE}).")
  String host = "127.0.0.1";

  @Option(
      names = "--metrics-token-file",
      paramLabel = "FILE",
      description =
          "File holding the bearer token /metrics asks scrapers for; required when"
              + " --metrics-host is not a loopback address.")
  Path tokenFile;
}
