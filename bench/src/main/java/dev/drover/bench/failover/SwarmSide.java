package dev.drover.bench.failover;

import dev.drover.store.KvStores;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The Docker Swarm side of the node-failure benchmark, on the local daemon through {@code
 * /usr/bin/docker}. One daemon is one swarm node, so a second node cannot die; what can be measured
 * is how long Swarm takes to move tasks once it has decided a node is unusable: drain the node (its
 * tasks stop), then make it active again and time until the replicas run again (Swarm reschedules
 * the pending tasks). Swarm decides a node is down only after missing heartbeats for {@value
 * #HEARTBEAT_S} s x {@value #GRACE_MULTIPLIER} (its defaults), so its node-failure figure is that
 * plus the measured reschedule.
 *
 * <p>Runs only when the daemon is not in a swarm (it initialises one on loopback and leaves it
 * afterwards, removing its service), so it never disturbs a swarm someone else uses.
 */
final class SwarmSide {
  /** Swarm's default dispatcher heartbeat period, seconds. */
  static final int HEARTBEAT_S = 5;

  /** Swarm's default grace multiplier: a node is down after this many missed periods. */
  static final int GRACE_MULTIPLIER = 3;

  private static final String DOCKER = "/usr/bin/docker";

  /** What was measured, or why nothing was. */
  record Result(boolean ran, String note, double drainStopS, double rescheduleS) {
    /** Swarm's node-failure time with default settings: detection by heartbeat plus reschedule. */
    double nodeFailureS() {
      return HEARTBEAT_S * GRACE_MULTIPLIER + rescheduleS;
    }
  }

  private SwarmSide() {}

  /** Measures with {@code replicas} busybox tasks; never throws for an unusable daemon. */
  static Result measure(int replicas) {
    String state;
    try {
      state = docker("info", "--format", "{{.Swarm.LocalNodeState}}").trim();
    } catch (RuntimeException e) {
      return new Result(false, "docker unavailable: " + e.getMessage(), 0, 0);
    }
    if (!state.equals("inactive")) {
      return new Result(false, "daemon already in a swarm (" + state + "); not touching it", 0, 0);
    }
    String service = "drover-bench-failover-" + UUID.randomUUID().toString().substring(0, 6);
    boolean joined = false;
    try {
      docker(
          "swarm",
          "init",
          "--advertise-addr",
          "127.0.0.1",
          "--listen-addr",
          "127.0.0.1:" + KvStores.freePort());
      joined = true;
      String self = docker("info", "--format", "{{.Swarm.NodeID}}").trim();
      docker(
          "service",
          "create",
          "--detach",
          "--name",
          service,
          "--replicas",
          Integer.toString(replicas),
          "--stop-grace-period",
          "1s",
          "drover.local/busybox:1",
          "sleep",
          "3600");
      waitFor(() -> running(service) == replicas, 120);

      long t0 = System.nanoTime();
      docker("node", "update", "--availability", "drain", self);
      waitFor(() -> running(service) == 0, 120);
      double drain = (System.nanoTime() - t0) / 1e9;

      long t1 = System.nanoTime();
      docker("node", "update", "--availability", "active", self);
      waitFor(() -> running(service) == replicas, 120);
      double reschedule = (System.nanoTime() - t1) / 1e9;
      return new Result(true, "", drain, reschedule);
    } catch (RuntimeException e) {
      return new Result(false, "swarm run failed: " + e.getMessage(), 0, 0);
    } finally {
      // Only undo what this run did: a swarm it did not create is not its to leave.
      if (joined) {
        try {
          docker("service", "rm", service);
        } catch (RuntimeException e) {
          System.err.println("swarm: removing " + service + ": " + e.getMessage());
        }
        try {
          docker("swarm", "leave", "--force");
        } catch (RuntimeException e) {
          System.err.println("swarm: leaving failed: " + e.getMessage());
        }
      }
    }
  }

  private static int running(String service) {
    String out =
        docker(
            "ps",
            "-q",
            "--filter",
            "label=com.docker.swarm.service.name=" + service,
            "--filter",
            "status=running");
    return (int) out.lines().filter(l -> !l.isBlank()).count();
  }

  private static void waitFor(BooleanSupplier done, int seconds) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("swarm did not get there within " + seconds + " s");
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }
  }

  private static String docker(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(DOCKER);
    cmd.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", cmd) + ": " + out.strip());
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
