package dev.drover.bench.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Small process and file helpers of the deploy benchmark. */
final class Shell {

  /** The Debian docker client; /usr/local/bin/docker may be a different, newer one. */
  static final String DOCKER = "/usr/bin/docker";

  private Shell() {}

  /** Output of one finished command. */
  record Result(int exit, String out) {
    String line() {
      return out.strip();
    }
  }

  /** Runs a command to completion (at most {@code timeoutSeconds}); stderr joins stdout. */
  static Result run(long timeoutSeconds, String... cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(String.join(" ", cmd) + ": timed out");
      }
      return new Result(p.exitValue(), out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** Runs a command that must succeed and returns its trimmed output. */
  static String check(long timeoutSeconds, String... cmd) {
    Result r = run(timeoutSeconds, cmd);
    if (r.exit() != 0) {
      throw new IllegalStateException(
          String.join(" ", cmd) + " failed (" + r.exit() + "): " + r.line());
    }
    return r.line();
  }

  /** A docker command line. */
  static String[] docker(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(DOCKER);
    cmd.addAll(List.of(args));
    return cmd.toArray(String[]::new);
  }

  /** A free TCP port on loopback (bound and released; a small race nothing else here hits). */
  static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** One field of /proc/PID/status in megabytes (VmRSS, VmHWM); -1 when unreadable. */
  static double procStatusMb(long pid, String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith(field + ":")) {
          String[] f = line.substring(field.length() + 1).trim().split("\\s+");
          return Long.parseLong(f[0]) / 1024.0;
        }
      }
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
    return -1;
  }

  static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // Best effort: a temp directory left behind is harmless.
    }
  }
}
