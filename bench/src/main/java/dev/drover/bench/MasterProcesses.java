package dev.drover.bench;

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
 * Drover masters as separate JVM processes on loopback ({@code drover master} of the CLI with the
 * JVM options the distribution's launcher gives a master, one replicated store member each, or one
 * embedded store when there is a single master), on ports picked at start. The API is plaintext
 * ({@code --insecure}), as the etcd it is compared with serves plain HTTP. Each process logs to
 * {@code <dir>/<id>.log}. {@link #close()} kills whatever still runs.
 */
public final class MasterProcesses implements AutoCloseable {
  /**
   * {@code daemon_opts} of {@code dist/src/bin/drover} for {@code master}: keep the two in step
   * (the JVM's default collector and compilers, a heap that starts small and shrinks when idle).
   */
  public static final List<String> SHIPPED_JVM_OPTIONS =
      List.of(
          "-Xms16m",
          "-XX:MinHeapFreeRatio=10",
          "-XX:MaxHeapFreeRatio=30",
          "-XX:G1PeriodicGCInterval=10000",
          "-XX:+IgnoreUnrecognizedVMOptions",
          "-XX:TrimNativeHeapInterval=10000",
          "-Dio.grpc.netty.shaded.io.netty.allocator.numDirectArenas=2",
          "-Dio.grpc.netty.shaded.io.netty.allocator.numHeapArenas=1",
          "-Dorg.apache.ratis.thirdparty.io.netty.allocator.numDirectArenas=1",
          "-Dorg.apache.ratis.thirdparty.io.netty.allocator.numHeapArenas=1");

  private final Path dir;
  private final Map<String, Integer> apiPorts = new LinkedHashMap<>();
  private final Map<String, Integer> storePorts = new LinkedHashMap<>();
  private final Map<String, Process> running = new LinkedHashMap<>();

  /** Masters {@code m1..mN}, not started. */
  public MasterProcesses(Path dir, int count) {
    this.dir = dir;
    for (int i = 1; i <= count; i++) {
      apiPorts.put("m" + i, KvStores.freePort());
      storePorts.put("m" + i, KvStores.freePort());
    }
  }

  /** Starts every master (they must start together: each store member waits for a majority). */
  public MasterProcesses startAll() {
    for (String id : apiPorts.keySet()) {
      start(id);
    }
    return this;
  }

  /** Starts master {@code id}. */
  public void start(String id) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(SHIPPED_JVM_OPTIONS);
    cmd.addAll(
        List.of(
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
            "-1",
            "--insecure"));
    if (apiPorts.size() > 1) {
      storePorts.forEach(
          (peer, port) -> cmd.addAll(List.of("--peer", peer + "=127.0.0.1:" + port)));
    } else {
      cmd.addAll(List.of("--store-port", Integer.toString(storePorts.get(id))));
    }
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
  public void kill(String id) throws InterruptedException {
    Process p = running.remove(id);
    if (p == null) {
      throw new IllegalStateException("master " + id + " is not running");
    }
    p.destroyForcibly();
    p.waitFor(30, TimeUnit.SECONDS);
  }

  /** API endpoints of all masters, in id order. */
  public List<String> endpoints() {
    return apiPorts.values().stream().map(p -> "127.0.0.1:" + p).toList();
  }

  /** The running processes, by id. */
  public Map<String, Process> processes() {
    return Map.copyOf(running);
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
