package dev.drover.e2e.services;

import static dev.drover.e2e.services.ServiceCluster.LONG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.drover.agent.proxy.Backend;
import dev.drover.agent.proxy.ProxyMetrics;
import dev.drover.api.v1.Event;
import dev.drover.api.v1.ExecAction;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.Probe;
import dev.drover.api.v1.ProxyProtocol;
import dev.drover.api.v1.Service;
import dev.drover.cluster.Workloads;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The service proxy on a real Docker node with a real master: busybox httpd pods that serve their
 * own pod name behind a NodePort service are all reached; a deleted pod stops receiving traffic
 * without failed requests once its endpoint is gone; new replicas receive traffic; a pod on this
 * node is dialed at its own bridge address and container port (not through docker-proxy), and a
 * readiness change takes it out and puts it back; a pod reaches the service through the variables
 * it was started with; a backend reading the PROXY header sees the client's address; and bad input
 * (a node port in use, one outside the range, a target port name no container has) is reported
 * precisely while other services keep working.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServiceProxyClusterTest {
  private static final String HTTPD =
      "mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 8080 -h /www";

  private ServiceCluster cluster;

  @BeforeAll
  void start() throws IOException {
    cluster = new ServiceCluster();
  }

  @AfterAll
  void stop() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  private Set<String> podNames(String app) {
    Set<String> out = new HashSet<>();
    for (Pod p : cluster.client.pods().list("default", "app=" + app)) {
      if (!p.getMetadata().hasDeletionTime()) {
        out.add(p.getMetadata().getName());
      }
    }
    return out;
  }

  private void awaitListening(int nodePort) {
    await()
        .atMost(LONG)
        .until(() -> cluster.agent.proxy().proxy().listening().containsKey("0.0.0.0:" + nodePort));
  }

  /**
   * Sends {@code n} requests; returns the set of pods that answered. Every request must succeed.
   */
  private static Set<String> spray(int port, int n) throws IOException {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < n; i++) {
      seen.add(ServiceCluster.get(port));
    }
    return seen;
  }

  @Test
  void balancesOverPodsFollowsDeletionAndScaleAndServesPodsThroughTheirVariables()
      throws Exception {
    cluster.deployment("web", 3, 8080, HTTPD);
    Service svc =
        cluster
            .client
            .services()
            .create(ServiceCluster.nodePortService("web", "web", 18080).build());
    int nodePort = svc.getSpec().getPorts(0).getNodePort();
    assertThat(nodePort).isBetween(30000, 30999);
    await().atMost(LONG).until(() -> cluster.readyPods("web").size() == 3);
    awaitListening(nodePort);

    // 300 requests reach all three pods.
    await().atMost(LONG).until(() -> spray(nodePort, 3).size() == 3);
    Set<String> three = podNames("web");
    assertThat(spray(nodePort, 300)).isEqualTo(three);
    ProxyMetrics m = cluster.agent.proxy().proxy().metrics("default/web");
    assertThat(m.connections()).isGreaterThanOrEqualTo(300);
    assertThat(m.chosen()).hasSize(3);
    assertThat(m.bytesOut()).isPositive();

    // Delete one pod while requests run: requests in flight may be retried once, none fails.
    String victim = three.iterator().next();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger retried = new AtomicInteger();
    AtomicReference<Throwable> failed = new AtomicReference<>();
    Thread load =
        new Thread(
            () -> {
              while (!stop.get()) {
                try {
                  try {
                    ServiceCluster.get(nodePort);
                  } catch (IOException first) {
                    retried.incrementAndGet();
                    ServiceCluster.get(nodePort);
                  }
                } catch (IOException | RuntimeException e) {
                  failed.compareAndSet(null, e);
                }
              }
            });
    load.start();
    cluster.client.pods().delete("default", victim);
    await().atMost(LONG).until(() -> !cluster.readyPods("web").contains(victim));
    await()
        .atMost(LONG)
        .until(
            () ->
                cluster.agent.proxy().proxy().backends("default/web").stream()
                    .noneMatch(b -> b.pod().equals(victim)));
    stop.set(true);
    load.join();
    assertThat(failed.get()).isNull();
    // From here on the proxy knows: not one request may fail, not even once.
    for (int i = 0; i < 100; i++) {
      assertThat(ServiceCluster.get(nodePort)).isNotEqualTo(victim);
    }

    // Scale to five: the new pods receive traffic. Read, change and write again on a conflict:
    // the controllers still write the Deployment's status as the deleted pod's replacement starts.
    Workloads.editSpec(cluster.client, "default", "web", spec -> spec.setReplicas(5));
    await().atMost(LONG).until(() -> cluster.readyPods("web").size() == 5);
    Set<String> five = podNames("web");
    assertThat(five).hasSize(5);
    await().atMost(LONG).until(() -> spray(nodePort, 50).equals(five));

    // A pod started after the service exists reaches it through its variables (the bridge
    // gateway, where the proxy listens on the service port).
    cluster.deployment(
        "client",
        1,
        8080,
        "while true; do wget -qO /tmp/got http://$WEB_SERVICE_HOST:$WEB_SERVICE_PORT/ && "
            + "cp /tmp/got /tmp/ok; test -s /tmp/ok && mkdir -p /www && cp /tmp/ok /www/index.html"
            + " && exec httpd -f -p 8080 -h /www; sleep 1; done");
    Service clientSvc =
        cluster
            .client
            .services()
            .create(ServiceCluster.nodePortService("client", "client", 18081).build());
    int clientPort = clientSvc.getSpec().getPorts(0).getNodePort();
    await().atMost(LONG).until(() -> cluster.readyPods("client").size() == 1);
    awaitListening(clientPort);
    assertThat(ServiceCluster.get(clientPort)).isIn(five);
  }

  @Test
  void aPodOnThisNodeIsDialedAtItsOwnAddressAndLeavesWhenNotReady() throws Exception {
    // Ready while /tmp/ready exists, so that the test can take readiness away and give it back.
    cluster.deployment(
        "own",
        1,
        8080,
        "touch /tmp/ready && " + HTTPD,
        Probe.newBuilder()
            .setExec(
                ExecAction.newBuilder()
                    .addCommand("test")
                    .addCommand("-f")
                    .addCommand("/tmp/ready"))
            .setPeriodSeconds(1)
            .build());
    int nodePort =
        cluster
            .client
            .services()
            .create(ServiceCluster.nodePortService("own", "own", 18086).build())
            .getSpec()
            .getPorts(0)
            .getNodePort();
    await().atMost(LONG).until(() -> cluster.readyPods("own").size() == 1);
    awaitListening(nodePort);
    String pod = cluster.readyPods("own").get(0);
    String podIp = cluster.client.pods().get("default", pod).getStatus().getPodIp();
    // The container's address on the Docker bridge, not the node's (127.0.0.1 here).
    assertThat(podIp).isNotEmpty().isNotEqualTo("127.0.0.1");
    Backend own = new Backend(podIp, 8080, pod);
    await()
        .atMost(LONG)
        .until(() -> cluster.agent.proxy().proxy().backends("default/own").equals(List.of(own)));
    assertThat(spray(nodePort, 20)).containsExactly(pod);
    ProxyMetrics m = cluster.agent.proxy().proxy().metrics("default/own");
    assertThat(m.chosen()).containsOnlyKeys(own.toString());
    assertThat(m.connectFailures()).isZero();

    // Not ready: the proxy stops choosing it, and with no other endpoint a connection is closed.
    cluster.exec(pod, "rm /tmp/ready");
    await().atMost(LONG).until(() -> cluster.readyPods("own").isEmpty());
    await()
        .atMost(LONG)
        .until(() -> cluster.agent.proxy().proxy().backends("default/own").isEmpty());
    assertThatThrownBy(() -> ServiceCluster.get(nodePort)).isInstanceOf(IOException.class);

    // Ready again: dialed at its own address again.
    cluster.exec(pod, "touch /tmp/ready");
    await()
        .atMost(LONG)
        .until(() -> cluster.agent.proxy().proxy().backends("default/own").equals(List.of(own)));
    assertThat(ServiceCluster.get(nodePort)).isEqualTo(pod);
  }

  @Test
  void aBackendReadingTheProxyHeaderSeesTheClientAddress() throws Exception {
    // Each connection runs a script that answers with the first line it reads: the header.
    cluster.deployment(
        "pp",
        1,
        9000,
        "printf '#!/bin/sh\\nread line\\necho \"$line\"\\n' > /echo.sh && chmod +x /echo.sh"
            + " && exec nc -ll -p 9000 -e /echo.sh");
    Service.Builder b = ServiceCluster.nodePortService("pp", "pp", 19000);
    b.getSpecBuilder().setProxyProtocol(ProxyProtocol.PROXY_PROTOCOL_V1);
    int nodePort = cluster.client.services().create(b.build()).getSpec().getPorts(0).getNodePort();
    await().atMost(LONG).until(() -> cluster.readyPods("pp").size() == 1);
    awaitListening(nodePort);
    try (Socket s = new Socket()) {
      s.bind(new InetSocketAddress("127.0.0.1", 0));
      s.connect(new InetSocketAddress("127.0.0.1", nodePort), 5000);
      s.setSoTimeout(10000);
      String line =
          new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
              .trim();
      assertThat(line)
          .isEqualTo("PROXY TCP4 127.0.0.1 127.0.0.1 " + s.getLocalPort() + " " + nodePort);
    }
  }

  private List<Event> events(String service, String reason) {
    return cluster.client.events().list("default", "").stream()
        .filter(e -> e.getInvolvedObject().getName().equals(service))
        .filter(e -> e.getReason().equals(reason))
        .toList();
  }

  @Test
  void badInputIsReportedPreciselyAndOtherServicesAreUnaffected() throws Exception {
    cluster.deployment("ok", 1, 8080, HTTPD);
    int okPort =
        cluster
            .client
            .services()
            .create(ServiceCluster.nodePortService("ok", "ok", 18082).build())
            .getSpec()
            .getPorts(0)
            .getNodePort();

    // A node port outside the range: the create fails and names the field.
    Service.Builder outside = ServiceCluster.nodePortService("outside", "ok", 18083);
    outside.getSpecBuilder().getPortsBuilder(0).setNodePort(8080);
    assertThatThrownBy(() -> cluster.client.services().create(outside.build()))
        .isInstanceOf(StatusRuntimeException.class)
        .hasMessageContaining("spec.ports[0].nodePort")
        .hasMessageContaining("not in the valid range")
        .hasMessageContaining("30000-30999");

    // A node port some other process holds on this node: a Warning event on the service.
    try (ServerSocket taken = new ServerSocket()) {
      int busy = 30999;
      taken.bind(new InetSocketAddress("0.0.0.0", busy));
      Service.Builder inUse = ServiceCluster.nodePortService("inuse", "ok", 18084);
      inUse.getSpecBuilder().getPortsBuilder(0).setNodePort(busy);
      cluster.client.services().create(inUse.build());
      await().atMost(LONG).until(() -> !events("inuse", "FailedToListen").isEmpty());
      assertThat(events("inuse", "FailedToListen").get(0).getMessage())
          .startsWith("cannot listen on 0.0.0.0:" + busy + " for port http of the service");
    }

    // A target port name no container has: a Warning event from the endpoints controller.
    Service.Builder noName = ServiceCluster.nodePortService("noname", "ok", 18085);
    noName
        .getSpecBuilder()
        .getPortsBuilder(0)
        .setTargetPort(dev.drover.api.v1.IntOrString.newBuilder().setStringValue("nope"));
    cluster.client.services().create(noName.build());
    await().atMost(LONG).until(() -> !events("noname", "TargetPortNotFound").isEmpty());
    assertThat(events("noname", "TargetPortNotFound").get(0).getMessage())
        .startsWith("spec.ports[0].targetPort: no container of pod ok-")
        .endsWith("declares a port named \"nope\"");

    // The good service is unaffected.
    await().atMost(LONG).until(() -> cluster.readyPods("ok").size() == 1);
    awaitListening(okPort);
    assertThat(spray(okPort, 20)).isEqualTo(podNames("ok"));
  }
}
