package dev.drover.embed;

import dev.drover.api.Conditions;
import dev.drover.api.v1.Node;
import dev.drover.client.Channels;
import dev.drover.client.ClientCredentials;
import dev.drover.client.DroverClient;
import dev.drover.master.Master;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * A running in-process master, and the agent started with it if one was asked for. Closing it stops
 * the agent first, then the master and its store.
 */
public final class DroverMaster implements AutoCloseable {

  private final Master master;
  private final DroverAgent agent;
  private final MasterBuilder.StartupTimeline timeline;
  private final ClientCredentials admin;

  DroverMaster(
      Master master,
      DroverAgent agent,
      MasterBuilder.StartupTimeline timeline,
      ClientCredentials admin) {
    this.master = master;
    this.agent = agent;
    this.timeline = timeline;
    this.admin = admin;
  }

  /** The admin client certificate of a secured master ({@code secure()}), else empty. */
  public Optional<ClientCredentials> adminCredentials() {
    return Optional.ofNullable(admin);
  }

  /** The API's address, host:port, for clients and agents. */
  public String endpoint() {
    return master.apiAddress();
  }

  /**
   * The web console's URL ({@code https://host:port/ui/}, with a login token when {@link
   * MasterBuilder#consoleLogin} asked for one), or empty when the gateway is off.
   */
  public Optional<String> consoleUrl() {
    return Optional.ofNullable(master.consoleUrl());
  }

  /**
   * Where this master's and its agent's metrics are scraped ({@code http://127.0.0.1:port/metrics}
   * each; the agent's only when it serves them), empty when the master serves none.
   */
  public java.util.List<String> metricsUrls() {
    java.util.List<String> urls = new java.util.ArrayList<>();
    // An embedded master and agent bind their metrics ports to loopback.
    if (master.metricsPort() >= 0) {
      urls.add("http://127.0.0.1:" + master.metricsPort() + "/metrics");
    }
    if (agent != null && agent.nodeAgent().metricsPort() >= 0) {
      urls.add("http://127.0.0.1:" + agent.nodeAgent().metricsPort() + "/metrics");
    }
    return urls;
  }

  /** The master itself, for what the handle does not expose. */
  public Master master() {
    return master;
  }

  /** The agent started with this master, if any. */
  public Optional<DroverAgent> agent() {
    return Optional.ofNullable(agent);
  }

  /** A new typed client of this master, as admin when it is secured (the caller closes it). */
  public DroverClient newClient() {
    DroverClient.Builder b =
        DroverClient.builder().endpoint(endpoint()).deadline(Duration.ofSeconds(10));
    if (admin != null) {
      b.channelFactory(Channels.secureFactory(admin));
    }
    return b.build();
  }

  /** How long each start-up phase took, e.g. "store 0.41 s" (phases may overlap). */
  public List<String> startupPhases() {
    return timeline.phases();
  }

  /**
   * Waits until node {@code name} has registered and reports Ready.
   *
   * @throws TimeoutException when it does not within {@code timeout}
   */
  public void awaitNodeReady(String name, Duration timeout) throws TimeoutException {
    long deadline = System.nanoTime() + timeout.toNanos();
    try (DroverClient client = newClient()) {
      while (true) {
        try {
          if (isReady(client.nodes().get("", name))) {
            return;
          }
        } catch (StatusRuntimeException e) {
          // Not registered yet: keep polling until the deadline.
        }
        if (System.nanoTime() > deadline) {
          throw new TimeoutException(
              "node " + name + " did not become Ready within " + timeout.toSeconds() + " s");
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        if (Thread.currentThread().isInterrupted()) {
          throw new TimeoutException("interrupted while waiting for node " + name);
        }
      }
    }
  }

  private static boolean isReady(Node node) {
    return Conditions.isReady(node);
  }

  @Override
  public void close() {
    try {
      if (agent != null) {
        agent.close();
      }
    } finally {
      master.close();
    }
  }
}
