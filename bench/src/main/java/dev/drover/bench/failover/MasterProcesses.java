package dev.drover.bench.failover;

import dev.drover.store.KvStores;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Three Drover masters as separate JVM processes ({@code drover master} of the CLI, default
 * settings, one replicated store member each) on loopback ports picked at start. A master can be
 * killed with SIGKILL and started again on its data and ports. Each process logs to {@code
 * <dir>/<id>.log}. {@link #close()} kills whatever still runs.
 */
final class MasterProcesses implements AutoCloseable {
  private final Path dir;
  private final Map<String, Integer> apiPorts = new LinkedHashMap<>();
  private final Map<String, Integer> storePorts = new LinkedHashMap<>();
  private final Map<String, Process> running = new LinkedHashMap<>();

  MasterProcesses(Path dir) {
    this.dir = dir;
    for (String id : List.of("m1", "m2", "m3")) {
      apiPorts.put(id, KvStores.freePort());
      storePorts.put(id, KvStores.freePort());
    }
  }

  /** Starts every master (they must start together: each store member waits for a majority). */
  void startAll() {
    for (String id : apiPorts.keySet()) {
      start(id);
    }
  }

  /** Starts master {@code id}. */
  void start(String id) {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx384m",
                "-XX:+UseSerialGC",
                "-cp",
                System.getProperty("java.class.path"),
                "dev.drover.cli.Main",
                "master",
                "--id",
                id,
                "--data-dir",
                dir.resolve(id).toString(),
                "--api-host",
                "127.0.0.1",
                "--api-port",
                Integer.toString(apiPorts.get(id)),
                "--metrics-port",
                "-1"));
    storePorts.forEach((peer, port) -> cmd.addAll(List.of("--peer", peer + "=127.0.0.1:" + port)));
    try {
      Process p =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(id + ".log").toFile()))
              .start();
      running.put(id, p);
    } catch (IOException e) {
      throw new UncheckedIOException("starting master " + id, e);
    }
  }

  /** Sends SIGKILL to master {@code id} and waits for the process to be gone. */
  void kill(String id) throws InterruptedException {
    Process p = running.remove(id);
    if (p == null) {
      throw new IllegalStateException("master " + id + " is not running");
    }
    p.destroyForcibly();
    p.waitFor(30, TimeUnit.SECONDS);
  }

  /** API endpoints of all masters. */
  List<String> endpoints() {
    return apiPorts.values().stream().map(p -> "127.0.0.1:" + p).toList();
  }

  /** Id of the master serving {@code endpoint}. */
  String idOf(String endpoint) {
    return apiPorts.entrySet().stream()
        .filter(e -> endpoint.endsWith(":" + e.getValue()))
        .map(Map.Entry::getKey)
        .findFirst()
        .orElseThrow();
  }

  @Override
  public void close() {
    for (Process p : running.values()) {
      p.destroyForcibly();
      try {
        p.waitFor(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    running.clear();
  }
}
