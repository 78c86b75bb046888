package dev.drover.agent.runtime.docker;

import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A Docker daemon of a test's own, so the test may kill and restart it without disturbing the
 * shared daemon other tests use. It runs in a network namespace made for it (its docker0 bridge and
 * containers cannot clash with the shared daemon's) with its own socket, data root, exec root and
 * pid file under a temporary directory. Images come from the shared daemon by save and load: the
 * namespace has no route to the loopback registry of the host.
 *
 * <p>{@link #close()} removes its containers, stops it, unmounts what it left mounted and deletes
 * the namespace and the directory, whatever state the test left it in.
 */
final class PrivateDockerd implements AutoCloseable {

  private static final Path DOCKERD = Path.of("/usr/sbin/dockerd");
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);

  private final String netns = "drover-it-" + UUID.randomUUID().toString().substring(0, 8);
  private final Path dir;
  private final String storageDriver;
  private Process process;
  private DockerClient client;

  private PrivateDockerd(Path dir, String storageDriver) {
    this.dir = dir;
    this.storageDriver = storageDriver;
  }

  /**
   * Starts a private daemon, or skips the calling test when this host cannot run one (not root, no
   * dockerd binary); under {@code CI=true} that is a failure instead.
   */
  static PrivateDockerd start() throws IOException, InterruptedException {
    DockerTestSupport.assumeDocker();
    String missing = null;
    if (!Files.isExecutable(DOCKERD)) {
      missing = DOCKERD + " is not installed";
    } else if (!"root".equals(System.getProperty("user.name"))) {
      missing = "a private dockerd needs root";
    }
    if (missing != null) {
      if (DockerTestSupport.isCi()) {
        throw new AssertionError(missing + "; CI=true requires the dockerd restart test to run");
      }
      Assumptions.assumeTrue(false, missing + "; skipping");
    }
    String driver;
    try (DockerClient shared = DockerTestSupport.newClient()) {
      // Whatever driver works for the shared daemon on this kernel works for ours.
      driver = shared.infoCmd().exec().getDriver();
    }
    // Short path: a unix socket path must stay under 108 bytes.
    PrivateDockerd d =
        new PrivateDockerd(Files.createTempDirectory(Path.of("/tmp"), "drvd"), driver);
    try {
      run("ip", "netns", "add", d.netns);
      run("ip", "netns", "exec", d.netns, "ip", "link", "set", "lo", "up");
      d.launch();
      return d;
    } catch (IOException | InterruptedException | RuntimeException | Error e) {
      d.close();
      throw e;
    }
  }

  /** The daemon's address for docker-java and the agent. */
  String host() {
    return "unix://" + dir.resolve("docker.sock");
  }

  /** A client of this daemon (owned by this object). */
  DockerClient client() {
    return client;
  }

  /** Copies an image from the shared daemon into this one. */
  void loadImage(String image) throws IOException {
    try (DockerClient shared = DockerTestSupport.newClient();
        InputStream tar = shared.saveImageCmd(image).exec()) {
      client.loadImageCmd(tar).exec();
    }
  }

  /**
   * Restarts the daemon as an operator would ({@code systemctl restart docker}): SIGTERM, which
   * stops its containers, then a fresh start on the same data.
   */
  void restart() throws IOException, InterruptedException {
    stopDaemon();
    launch();
  }

  private void launch() throws IOException {
    List<String> cmd =
        List.of(
            "nsenter",
            "--net=/run/netns/" + netns,
            DOCKERD.toString(),
            "--host=" + host(),
            "--data-root=" + dir.resolve("data"),
            "--exec-root=" + dir.resolve("exec"),
            "--pidfile=" + dir.resolve("docker.pid"),
            "--storage-driver=" + storageDriver,
            // Alone in its namespace: no NAT or filter rules are needed, and none may leak into
            // the host's tables.
            "--iptables=false",
            "--ip-masq=false",
            // The test's containers exit on TERM; do not wait the default 15 s on shutdown.
            "--shutdown-timeout=2");
    process =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("dockerd.log").toFile()))
            .start();
    if (client == null) {
      client = DockerTestSupport.newClient(host(), Duration.ofMinutes(2));
    }
    await()
        .atMost(READY_TIMEOUT)
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              if (!process.isAlive()) {
                throw new AssertionError("private dockerd exited; log:\n" + log());
              }
              try {
                client.pingCmd().exec();
                return true;
              } catch (RuntimeException e) {
                return false;
              }
            });
  }

  /** The daemon's log so far, for failure messages. */
  String log() {
    try {
      return Files.readString(dir.resolve("dockerd.log"), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  private void stopDaemon() throws InterruptedException {
    if (process == null) {
      return;
    }
    process.destroy();
    if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
    process = null;
  }

  @Override
  public void close() throws IOException, InterruptedException {
    try {
      if (client != null && process != null && process.isAlive()) {
        for (Container c : client.listContainersCmd().withShowAll(true).exec()) {
          try {
            client.removeContainerCmd(c.getId()).withForce(true).exec();
          } catch (RuntimeException e) {
            // Gone already, or the daemon is going: the stop below cleans up either way.
          }
        }
      }
    } finally {
      stopDaemon();
      // Goes to the test's output (surefire keeps it next to the report) for post-mortems.
      String log = log();
      System.out.println(
          "--- private dockerd log (last 4000 chars) ---\n"
              + log.substring(Math.max(0, log.length() - 4000)));
      if (client != null) {
        client.close();
      }
      killManagedContainerd();
      unmountUnder(dir);
      runQuietly("ip", "netns", "delete", netns);
      deleteTree(dir);
    }
  }

  /** dockerd stops the containerd it started; a forced stop may leave it behind. */
  private void killManagedContainerd() throws IOException {
    Path pidFile = dir.resolve("exec").resolve("containerd").resolve("containerd.pid");
    if (!Files.isRegularFile(pidFile)) {
      return;
    }
    String pid = Files.readString(pidFile).trim();
    if (pid.matches("\\d+")) {
      ProcessHandle.of(Long.parseLong(pid))
          .filter(h -> h.info().command().map(c -> c.endsWith("containerd")).orElse(false))
          .ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  private static void unmountUnder(Path dir) throws IOException {
    String prefix = dir.toString() + "/";
    List<String> mounts = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of("/proc/mounts"))) {
      String[] f = line.split(" ");
      if (f.length > 1 && f[1].startsWith(prefix)) {
        mounts.add(f[1]);
      }
    }
    // Deepest first, so nested mounts go before their parents.
    mounts.sort(Comparator.reverseOrder());
    for (String m : mounts) {
      runQuietly("umount", "-l", m);
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static void run(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException(String.join(" ", cmd) + " failed: " + out.strip());
    }
  }

  private static void runQuietly(String... cmd) {
    try {
      run(cmd);
    } catch (IOException e) {
      // Best effort during cleanup; the next step still runs.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
