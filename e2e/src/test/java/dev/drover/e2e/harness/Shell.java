package dev.drover.e2e.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the short host commands the harness is made of ({@code ip}, {@code iptables}, {@code kill})
 * and waits for them, so that a failed setup step is an exception naming the command and its output
 * instead of a half-built network.
 */
final class Shell {

  private static final long TIMEOUT_SECONDS = 30;

  private Shell() {}

  /** The result of one command: exit code and its combined output. */
  record Result(int exitCode, String output) {
    boolean ok() {
      return exitCode == 0;
    }
  }

  /** Runs {@code cmd}; throws when it exits with a non-zero code. Returns its output. */
  static String run(List<String> cmd) {
    Result r = tryRun(cmd);
    if (!r.ok()) {
      throw new IllegalStateException(
          String.join(" ", cmd) + " exited with " + r.exitCode() + ": " + r.output().strip());
    }
    return r.output();
  }

  /** Runs {@code cmd} and returns its result whatever its exit code (teardown steps). */
  static Result tryRun(List<String> cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      p.getOutputStream().close();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return new Result(-1, String.join(" ", cmd) + ": timed out");
      }
      return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + String.join(" ", cmd), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + String.join(" ", cmd), e);
    }
  }
}
