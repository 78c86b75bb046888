package dev.drover.e2e.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One process of a host (a master, an agent), started inside its namespace with its output appended
 * to a log file, and the process faults: {@link #kill()} is SIGKILL (a crash: no shutdown hook,
 * nothing flushed or closed), {@link #pause()} and {@link #resume()} are SIGSTOP and SIGCONT,
 * {@link #restart()} starts the same command again (on the same data). {@code ip netns exec}
 * replaces itself with the command, so the process's pid is the command's own.
 */
public final class HostProcess {

  private final Hosts.Host host;
  private final String name;
  private final List<String> cmd;
  private final Path log;
  private volatile Process process;

  HostProcess(Hosts.Host host, String name, List<String> cmd, Path log) {
    this.host = host;
    this.name = name;
    this.cmd = List.copyOf(cmd);
    this.log = log;
  }

  /** The host it runs on. */
  public Hosts.Host host() {
    return host;
  }

  /** Its name (as in logs and reports). */
  public String name() {
    return name;
  }

  /** Where its output goes. */
  public Path log() {
    return log;
  }

  /** Starts the process; throws when it is running already. */
  public synchronized HostProcess start() {
    if (isAlive()) {
      throw new IllegalStateException(name + " is running already");
    }
    try {
      Files.createDirectories(log.getParent());
      Files.writeString(
          log,
          "---- start " + java.time.Instant.now() + ": " + String.join(" ", cmd) + "\n",
          java.nio.file.StandardOpenOption.CREATE,
          java.nio.file.StandardOpenOption.APPEND);
      process =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .redirectInput(ProcessBuilder.Redirect.PIPE)
              .start();
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException("starting " + name + " on " + host, e);
    }
  }

  /** True while the process runs (also while paused). */
  public boolean isAlive() {
    Process p = process;
    return p != null && p.isAlive();
  }

  /** Its pid; throws when it never started. */
  public long pid() {
    Process p = process;
    if (p == null) {
      throw new IllegalStateException(name + " never started");
    }
    return p.pid();
  }

  /** SIGKILL, and waits until the process is gone. */
  public synchronized void kill() {
    Process p = process;
    if (p == null || !p.isAlive()) {
      throw new IllegalStateException(name + " is not running");
    }
    p.destroyForcibly();
    awaitExit(p);
  }

  /** SIGTERM (an orderly stop, as {@code systemctl stop}), and waits until the process is gone. */
  public synchronized void stop() {
    Process p = process;
    if (p == null || !p.isAlive()) {
      throw new IllegalStateException(name + " is not running");
    }
    p.destroy();
    awaitExit(p);
  }

  /** SIGKILL and start again, as a crashed daemon that its supervisor restarts. */
  public synchronized void restart() {
    if (isAlive()) {
      kill();
    }
    start();
  }

  /** SIGSTOP: the process stays, frozen; its sockets stay open and silent. */
  public void pause() {
    signal("-STOP");
  }

  /** SIGCONT after {@link #pause()}. */
  public void resume() {
    signal("-CONT");
  }

  private void signal(String sig) {
    Shell.run(List.of("kill", sig, Long.toString(pid())));
  }

  /**
   * Waits for the process to end after something else killed it (a power cut of its host), so that
   * it can be started again.
   */
  public void reap() {
    Process p = process;
    if (p != null) {
      awaitExit(p);
    }
  }

  void killQuietly() {
    Process p = process;
    if (p != null && p.isAlive()) {
      p.destroyForcibly();
      awaitExit(p);
    }
  }

  private void awaitExit(Process p) {
    try {
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException(name + " (pid " + p.pid() + ") did not exit within 30 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted waiting for " + name + " to exit", e);
    }
  }
}
