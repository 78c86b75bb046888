package dev.drover.e2e.check;

import dev.drover.api.v1.Deployment;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodPhase;
import dev.drover.client.DroverClient;
import dev.drover.e2e.harness.AgentHost;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Invariants of the workload layer, sampled on a thread of its own every half second while faults
 * happen: a Deployment never has more live pods (not terminating, not finished) than replicas plus
 * surge; {@code docker ps} on every agent host that is up never shows two running containers of one
 * pod (same pod uid and container name), on one host or across hosts.
 */
public final class ClusterInvariants implements AutoCloseable {

  private final DroverClient client;
  private final String namespace;
  private final String deployment;
  private final List<AgentHost> agents;
  private final List<String> violations = new CopyOnWriteArrayList<>();
  private final AtomicInteger samples = new AtomicInteger();
  private final Thread thread;
  private volatile boolean stopping;

  /** Samples Deployment {@code namespace/deployment} and the {@code agents}' daemons. */
  public ClusterInvariants(
      DroverClient client, String namespace, String deployment, List<AgentHost> agents) {
    this.client = client;
    this.namespace = namespace;
    this.deployment = deployment;
    this.agents = List.copyOf(agents);
    this.thread = new Thread(this::loop, "cluster-invariants");
    this.thread.setDaemon(true);
  }

  /** Starts sampling. */
  public ClusterInvariants start() {
    thread.start();
    return this;
  }

  private void loop() {
    while (!stopping) {
      sampleOnce();
      samples.incrementAndGet();
      java.util.concurrent.locks.LockSupport.parkNanos(500_000_000L);
    }
  }

  /** Takes one sample now (also at the end, after healing). */
  public void sampleOnce() {
    try {
      Deployment d = client.deployments().get(namespace, deployment);
      int replicas = d.getSpec().getReplicas();
      int surge = surge(d, replicas);
      List<Pod> pods = client.pods().list(namespace, "app=" + deployment);
      long live =
          pods.stream()
              .filter(p -> !p.getMetadata().hasDeletionTime())
              .filter(
                  p ->
                      p.getStatus().getPhase() != PodPhase.POD_PHASE_SUCCEEDED
                          && p.getStatus().getPhase() != PodPhase.POD_PHASE_FAILED)
              .count();
      if (live > replicas + surge) {
        violations.add(
            "deployment "
                + deployment
                + ": "
                + live
                + " live pods > replicas "
                + replicas
                + " + surge "
                + surge);
      }
    } catch (RuntimeException e) {
      // No master answering: nothing to sample this time.
    }
    Map<String, String> where = new HashMap<>();
    for (AgentHost h : agents) {
      if (!h.isUp()) {
        continue;
      }
      List<AgentHost.DockerContainer> running;
      try {
        running = h.dockerPs();
      } catch (RuntimeException e) {
        continue; // its daemon restarting
      }
      Map<String, Integer> perContainer = new HashMap<>();
      for (AgentHost.DockerContainer c : running) {
        if (c.podUid().isEmpty()) {
          continue;
        }
        String key = c.podUid() + "/" + c.container();
        perContainer.merge(key, 1, Integer::sum);
        String other = where.putIfAbsent(key, h.nodeName());
        if (other != null && !other.equals(h.nodeName())) {
          violations.add("pod container " + key + " runs on " + other + " and " + h.nodeName());
        }
      }
      perContainer.forEach(
          (key, n) -> {
            if (n > 1) {
              violations.add(h.nodeName() + ": " + n + " running containers for " + key);
            }
          });
    }
  }

  private static int surge(Deployment d, int replicas) {
    var ru = d.getSpec().getStrategy().getRollingUpdate();
    if (!ru.hasMaxSurge()) {
      return (int) Math.ceil(replicas * 0.25);
    }
    var s = ru.getMaxSurge();
    if (s.hasIntValue()) {
      return s.getIntValue();
    }
    String text = s.getStringValue();
    return (int) Math.ceil(replicas * Integer.parseInt(text.replace("%", "")) / 100.0);
  }

  /** Violations found so far (a copy). */
  public List<String> violations() {
    return new ArrayList<>(violations);
  }

  /** Samples taken. */
  public int samples() {
    return samples.get();
  }

  @Override
  public void close() throws InterruptedException {
    stopping = true;
    thread.join(30_000);
  }
}
