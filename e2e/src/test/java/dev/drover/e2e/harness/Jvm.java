package dev.drover.e2e.harness;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line of a Drover daemon as a separate JVM: the CLI ({@code dev.drover.cli.Main}) on
 * this test's class path, small and quick to start because the machine is shared.
 */
public final class Jvm {

  private Jvm() {}

  /** {@code java ... dev.drover.cli.Main SUBCOMMAND} with heap {@code xmx}; arguments follow. */
  public static List<String> drover(String xmx, String subcommand) {
    // Surefire runs tests from a manifest-only jar; the real class path is in this property.
    String classPath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    return new ArrayList<>(
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx" + xmx,
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-cp",
            classPath,
            "dev.drover.cli.Main",
            subcommand));
  }
}
