package dev.drover.bench.failover;

import dev.drover.bench.Poll;
import dev.drover.e2e.harness.AgentHost;
import dev.drover.e2e.harness.Hosts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * Docker Swarm's side of {@link FailoverBench}: a two-node swarm on hosts 6 (manager) and 7
 * (worker) of the fault harness, each a network namespace with its own Docker daemon and no Drover
 * agent, the worker joined over the harness's bridge. A node failure is a power cut of the worker's
 * host ({@link AgentHost#kill()}: dockerd, containerd, shims and containers SIGKILLed), measured as
 * Drover's is: from the kill until the manager's own daemon shows every replica's container running
 * ({@code docker ps}, polled every {@value FailoverBench#POLL_MS} ms). Defaults everywhere
 * (dispatcher heartbeat period 5 s).
 */
final class SwarmNodes {
  private static final String SERVICE = "fleet";
  private static final Duration PATIENCE = Duration.ofSeconds(180);

  /** One run's figures: tasks on the worker, seconds until it was down, until all ran again. */
  record Run(int tasks, double nodeDown, double dockerRunning) {}

  private final AgentHost manager;
  private final AgentHost worker;
  private final String image;
  private final int replicas;
  private final String script;
  private final String workerId;

  SwarmNodes(Hosts hosts, Path dir, String image, int replicas, String script) {
    this.image = image;
    this.replicas = replicas;
    this.script = script;
    manager = AgentHost.startDockerOnly(hosts, hosts.host(6), dir);
    worker = AgentHost.startDockerOnly(hosts, hosts.host(7), dir);
    String managerIp = manager.host().ip();
    manager.docker(
        "swarm", "init", "--advertise-addr", managerIp, "--listen-addr", managerIp + ":2377");
    String token = manager.docker("swarm", "join-token", "-q", "worker").trim();
    worker.docker(
        "swarm",
        "join",
        "--token",
        token,
        "--advertise-addr",
        worker.host().ip(),
        managerIp + ":2377");
    workerId = worker.docker("info", "--format", "{{.Swarm.NodeID}}").trim();
    Poll.until("the Swarm worker is ready", PATIENCE, () -> workerState().equals("ready"));
  }

  private String workerState() {
    return manager.docker("node", "inspect", workerId, "--format", "{{.Status.State}}").trim();
  }

  /** The service's running containers in {@code host}'s own daemon. */
  private int running(AgentHost host) {
    return (int)
        host.docker(
                "ps",
                "--filter",
                "label=com.docker.swarm.service.name=" + SERVICE,
                "--filter",
                "status=running",
                "--format",
                "{{.ID}}")
            .lines()
            .filter(l -> !l.isBlank())
            .count();
  }

  /** The service created afresh (as Drover's Deployment is), then the worker's host killed. */
  Run nodeFailure(int run) {
    if (!manager.docker("service", "ls", "-q", "--filter", "name=" + SERVICE).isBlank()) {
      manager.docker("service", "rm", SERVICE);
    }
    Poll.until(
        "the old tasks are gone", PATIENCE, () -> running(manager) == 0 && running(worker) == 0);
    manager.docker(
        "service",
        "create",
        "--detach",
        "--name",
        SERVICE,
        "--replicas",
        Integer.toString(replicas),
        "--no-resolve-image",
        "--stop-grace-period",
        "2s",
        image,
        "sh",
        "-c",
        script);
    Poll.until("the service runs", PATIENCE, () -> running(manager) + running(worker) == replicas);
    int tasks = running(worker);
    long t0 = System.nanoTime();
    worker.kill();
    double down = -1;
    double all = -1;
    while (all < 0) {
      double now = (System.nanoTime() - t0) / 1e9;
      if (now > PATIENCE.toSeconds()) {
        throw new IllegalStateException("swarm run " + run + ": tasks not replaced in time");
      }
      if (down < 0 && workerState().equals("down")) {
        down = now;
      }
      if (running(manager) == replicas) {
        all = now;
      }
      Poll.pause(FailoverBench.POLL_MS);
    }
    System.out.printf(
        Locale.ROOT,
        "%s swarm node failure run %d: killed the worker (%d of %d tasks); node down %.2f s,"
            + " all running in the manager's docker %.2f s%n",
        java.time.Instant.now(),
        run,
        tasks,
        replicas,
        down,
        all);
    worker.boot();
    Poll.until("the Swarm worker is ready again", PATIENCE, () -> workerState().equals("ready"));
    return new Run(tasks, down, all);
  }
}
