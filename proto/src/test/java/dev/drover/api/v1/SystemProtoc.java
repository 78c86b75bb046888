package dev.drover.api.v1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Runs Debian's system {@code protoc} (not the one Maven downloads) over the drover.v1 sources,
 * because that older compiler is what users of other languages will have. Skips the calling test
 * when it is not installed, except in CI where its absence is a failure.
 */
final class SystemProtoc {

  /** Where Debian's protobuf-compiler installs protoc. */
  static final Path PROTOC = Path.of("/usr/bin/protoc");

  /** Where Debian's libprotobuf-dev installs the well-known types. */
  static final Path SYSTEM_INCLUDE = Path.of("/usr/include");

  /** Root of this module's .proto sources; surefire runs with the module as working directory. */
  static final Path PROTO_ROOT = Path.of("src", "main", "proto").toAbsolutePath();

  /** What one protoc run printed and returned. */
  record Result(int exitCode, String stdout, String stderr) {}

  private SystemProtoc() {}

  /** Skips the test when protoc is absent, unless CI=true, where that fails the test instead. */
  static void assumeInstalled() {
    boolean present = Files.isExecutable(PROTOC);
    if ("true".equals(System.getenv("CI"))) {
      assertThat(present)
          .as("CI=true but %s is missing: install Debian's protobuf-compiler", PROTOC)
          .isTrue();
    }
    assumeTrue(present, PROTOC + " not installed (Debian package protobuf-compiler); skipping");
  }

  /** The drover.v1 .proto files, relative to {@link #PROTO_ROOT}, sorted. */
  static List<String> apiFiles() throws IOException {
    Path dir = PROTO_ROOT.resolve("drover").resolve("v1");
    try (Stream<Path> files = Files.list(dir)) {
      List<String> names =
          files
              .filter(p -> p.getFileName().toString().endsWith(".proto"))
              .map(p -> PROTO_ROOT.relativize(p).toString())
              .sorted()
              .collect(Collectors.toList());
      assertThat(names).as("drover.v1 sources under %s", dir).isNotEmpty();
      return names;
    }
  }

  /** Runs protoc with the given output options over every drover.v1 file. */
  static Result run(List<String> outputOptions) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(PROTOC.toString());
    command.addAll(outputOptions);
    command.add("-I" + PROTO_ROOT);
    command.add("-I" + SYSTEM_INCLUDE);
    command.addAll(apiFiles());
    Path out = Files.createTempFile("protoc-out", ".txt");
    Path err = Files.createTempFile("protoc-err", ".txt");
    try {
      Process process =
          new ProcessBuilder(command)
              .directory(PROTO_ROOT.toFile())
              .redirectOutput(out.toFile())
              .redirectError(err.toFile())
              .start();
      if (!process.waitFor(2, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        throw new AssertionError("protoc did not finish within 2 minutes: " + command);
      }
      return new Result(
          process.exitValue(),
          Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }
}
