package dev.drover.bench.deploy;

import dev.drover.api.Conditions;
import dev.drover.api.v1.Node;
import dev.drover.client.DroverClient;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Drover as the deploy benchmark runs it: one {@code drover master} (embedded one-member store) and
 * one {@code drover agent} on the real Docker daemon, each its own JVM started from this process's
 * class path, so the agent's memory is its own and can be read from /proc. The agent gets its own
 * defaults (sync threads included) unless the harness was given a flag. {@link #close()} stops both
 * (the agent's containers are removed by the benchmark before that).
 */
final class DroverProcesses implements AutoCloseable {

  private static final String MAIN = "dev.drover.cli.Main";
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);

  final String node = "bench-" + UUID.randomUUID().toString().substring(0, 6);
  final Path dir;
  final int apiPort = Shell.freePort();
  private final Process master;
  private final Process agent;
  final DroverClient client;
  private boolean keepLogs;

  DroverProcesses(
      List<String> masterJvm, List<String> agentJvm, Map<String, String> agentEnv, int syncThreads)
      throws IOException {
    dir = Files.createTempDirectory("drover-deploy-bench-");
    master =
        launch(
            "master",
            masterJvm,
            Map.of(),
            List.of(
                "master",
                "--data-dir",
                dir.resolve("master").toString(),
                "--api-host",
                "127.0.0.1",
                "--api-port",
                Integer.toString(apiPort),
                "--metrics-port",
                "-1",
                // Plaintext on loopback (as the harness always ran): since the API became
                // secure by default an agent needs a join token, which this harness does not
                // mint yet; TLS would add its handshake and encryption to both sides' CPU.
                "--insecure",
                "--store-port",
                Integer.toString(Shell.freePort())));
    List<String> agentArgs =
        new ArrayList<>(
            List.of(
                "agent",
                "--master",
                "127.0.0.1:" + apiPort,
                "--node-name",
                node,
                "--data-dir",
                dir.resolve("agent").toString(),
                "--host-ip",
                "127.0.0.1",
                "--bind-address",
                "127.0.0.1",
                "--agent-port",
                "0",
                "--host-port-range",
                "0-0",
                "--docker-host",
                "unix:///var/run/docker.sock",
                "--insecure"));
    if (syncThreads > 0) {
      agentArgs.addAll(List.of("--sync-threads", Integer.toString(syncThreads)));
    }
    agent = launch("agent", agentJvm, agentEnv, agentArgs);
    client =
        DroverClient.builder()
            .endpoint("127.0.0.1:" + apiPort)
            .deadline(Duration.ofSeconds(20))
            .build();
  }

  private Process launch(String name, List<String> jvm, Map<String, String> env, List<String> args)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvm);
    cmd.add("-cp");
    cmd.add(shippedClassPath());
    cmd.add(MAIN);
    cmd.addAll(args);
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve(name + ".log").toFile());
    pb.environment().putAll(env);
    return pb.start();
  }

  /**
   * This harness's class path without test jars and test class directories: the bench's class path
   * holds e2e's test jar, whose logback-test.xml would give both daemons DEBUG logging and
   * logback's XML configuration, neither of which {@code bin/drover} ships.
   */
  static String shippedClassPath() {
    return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .filter(e -> !e.endsWith("-tests.jar") && !e.endsWith("test-classes"))
        .collect(Collectors.joining(File.pathSeparator));
  }

  /** Waits until the agent's node is registered and Ready. */
  void awaitReady() throws InterruptedException {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!master.isAlive() || !agent.isAlive()) {
        keepLogs();
        throw new IllegalStateException(
            "drover " + (master.isAlive() ? "agent" : "master") + " exited; logs in " + dir);
      }
      try {
        Node n = client.nodes().get("", node);
        boolean ready = Conditions.isReady(n);
        if (ready) {
          return;
        }
      } catch (RuntimeException e) {
        // Not up or not registered yet.
      }
      Thread.sleep(200);
    }
    keepLogs();
    throw new IllegalStateException(
        "node " + node + " not Ready within " + READY_TIMEOUT + "; logs in " + dir);
  }

  long agentPid() {
    return agent.pid();
  }

  /** Keeps the logs directory on close (after a failed run, for the post-mortem). */
  void keepLogs() {
    keepLogs = true;
  }

  @Override
  public void close() throws InterruptedException {
    client.close();
    for (Process p : List.of(agent, master)) {
      p.destroy();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
      }
    }
    if (keepLogs) {
      System.out.println("drover logs kept in " + dir);
    } else {
      Shell.deleteTree(dir);
    }
  }
}
