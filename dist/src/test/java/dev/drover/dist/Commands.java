package dev.drover.dist;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs shell commands for the distribution's tests the way a user at a terminal would: in a
 * directory, with a small, explicit environment (no Maven, only the test JVM's java on PATH),
 * output captured, and a time limit after which the command is killed and the test fails.
 */
final class Commands {

  /** What a finished command left: exit code and output. */
  record Result(int exit, String stdout, String stderr) {
    String both() {
      return stdout + stderr;
    }
  }

  private final Path dir;
  private final Map<String, String> env;

  Commands(Path dir, Map<String, String> env) {
    this.dir = dir;
    this.env = env;
  }

  /** The PATH a machine with only a Java runtime has: java, and the base system. */
  static String javaOnlyPath() {
    return Path.of(System.getProperty("java.home"), "bin") + ":/usr/bin:/bin:/usr/sbin:/sbin";
  }

  /** Runs {@code command} with bash -c and waits at most {@code seconds}. */
  Result run(String command, int seconds) throws IOException, InterruptedException {
    Process process = start(command);
    boolean done = process.waitFor(seconds, TimeUnit.SECONDS);
    if (!done) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    Result result =
        new Result(
            done ? process.exitValue() : -1,
            Files.readString(out(process), StandardCharsets.UTF_8),
            Files.readString(err(process), StandardCharsets.UTF_8));
    if (!done) {
      throw new AssertionError(
          "`" + command + "` did not finish within " + seconds + " s:\n" + result.both());
    }
    return result;
  }

  /** Starts {@code command} with bash -c in the background; stdout and stderr go to files. */
  Process start(String command) throws IOException {
    Path logs = Files.createTempDirectory("drover-cmd-");
    ProcessBuilder builder =
        new ProcessBuilder(List.of("bash", "-c", command))
            .directory(dir.toFile())
            .redirectOutput(logs.resolve("stdout").toFile())
            .redirectError(logs.resolve("stderr").toFile());
    builder.environment().clear();
    builder.environment().putAll(env);
    Process process = builder.start();
    STARTED.put(process, logs);
    return process;
  }

  /** The file the background process's stdout goes to. */
  static Path out(Process process) {
    return STARTED.get(process).resolve("stdout");
  }

  /** The file the background process's stderr goes to. */
  static Path err(Process process) {
    return STARTED.get(process).resolve("stderr");
  }

  /** Current stdout and stderr of a background process, for assertion messages. */
  static String output(Process process) {
    try {
      return Files.readString(out(process)) + Files.readString(err(process));
    } catch (IOException e) {
      return "(cannot read output: " + e + ")";
    }
  }

  /** Stops a background process with SIGTERM (like Ctrl-C), then kills it if it lingers. */
  static int stop(Process process) throws InterruptedException {
    List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
    process.destroy();
    tree.forEach(ProcessHandle::destroy);
    // Generous: the first dev run writes its class-data archive while it exits.
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      tree.forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      return -1;
    }
    return process.exitValue();
  }

  private static final Map<Process, Path> STARTED =
      java.util.Collections.synchronizedMap(new java.util.IdentityHashMap<>());
}
