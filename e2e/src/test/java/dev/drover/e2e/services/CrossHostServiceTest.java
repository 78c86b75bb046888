package dev.drover.e2e.services;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.drover.api.v1.ConditionStatus;
import dev.drover.api.v1.ContainerPort;
import dev.drover.api.v1.IntOrString;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.Probe;
import dev.drover.api.v1.Service;
import dev.drover.api.v1.TcpSocketAction;
import dev.drover.client.DroverClient;
import dev.drover.e2e.harness.AgentHost;
import dev.drover.e2e.harness.Hosts;
import dev.drover.e2e.harness.Masters;
import dev.drover.testing.TestObjects;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Services across hosts, on the multi-host harness (each host a network namespace, each agent host
 * with its own Docker daemon and bridge): a connection to host B's node port, made from a third
 * host, reaches a pod that runs only on host A, since the endpoint is A's address and the host port
 * A published for the pod; through A's own node port, A's proxy reaches it at its own address.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class CrossHostServiceTest {
  private static final Duration PATIENCE = Duration.ofSeconds(120);

  @Test
  void hostBsNodePortReachesAPodOnlyOnHostA() {
    Hosts.assumeAvailable();
    AgentHost.assumeAvailable();
    // Host 1 runs the master, hosts 2 (A) and 3 (B) an agent and a Docker daemon each.
    try (Hosts hosts = Hosts.create(3)) {
      Path dir = Path.of("target", "faults", hosts.run());
      try (Masters masters = new Masters(hosts, List.of(hosts.host(1)), dir).startAll();
          DroverClient client = DroverClient.builder().endpoints(masters.endpoints()).build()) {
        AgentHost a = AgentHost.start(hosts, hosts.host(2), masters.endpoints(), dir);
        AgentHost b = AgentHost.start(hosts, hosts.host(3), masters.endpoints(), dir);
        await()
            .atMost(PATIENCE)
            .ignoreExceptions()
            .until(() -> ready(client, a) && ready(client, b));
        reachAcrossHosts(hosts, client, a, b);
      }
    }
  }

  private static void reachAcrossHosts(Hosts hosts, DroverClient client, AgentHost a, AgentHost b) {

    Pod.Builder pod =
        TestObjects.boundPod(
            "web-a",
            a.nodeName(),
            TestObjects.shell(
                    "main",
                    a.image(),
                    "mkdir -p /www && hostname > /www/index.html"
                        + " && exec httpd -f -p 8080 -h /www")
                .addPorts(ContainerPort.newBuilder().setName("http").setContainerPort(8080))
                .setReadinessProbe(
                    Probe.newBuilder()
                        .setTcpSocket(
                            TcpSocketAction.newBuilder()
                                .setPort(IntOrString.newBuilder().setIntValue(8080)))
                        .setPeriodSeconds(1))
                .build());
    pod.getMetadataBuilder().putLabels("app", "web");
    client.pods().create(pod.build());
    Service svc =
        client.services().create(ServiceCluster.nodePortService("web", "web", 18080).build());
    int nodePort = svc.getSpec().getPorts(0).getNodePort();

    await()
        .atMost(PATIENCE)
        .ignoreExceptions()
        .until(
            () -> client.endpoints().get("default", "web").getSubsets(0).getAddresses(0).getIp(),
            ip -> ip.equals(a.host().ip()));
    assertThat(b.runningByPod()).isEmpty();
    assertThat(a.runningByPod()).hasSize(1);

    // From the master's host, through B's node port, to the pod on A.
    String url = "http://" + b.host().ip() + ":" + nodePort + "/";
    String body =
        await()
            .atMost(PATIENCE)
            .ignoreExceptions()
            .until(
                () -> hosts.exec(hosts.host(1), "wget", "-q", "-T", "5", "-O-", url),
                s -> !s.isBlank());
    assertThat(body.trim()).isEqualTo("web-a");
    assertThat(b.runningByPod()).isEmpty();

    // Through A's own node port: A's proxy dials the pod at its address on A's bridge (which B
    // could not reach), with the container port.
    String own = "http://" + a.host().ip() + ":" + nodePort + "/";
    String local =
        await()
            .atMost(PATIENCE)
            .ignoreExceptions()
            .until(
                () -> hosts.exec(hosts.host(1), "wget", "-q", "-T", "5", "-O-", own),
                s -> !s.isBlank());
    assertThat(local.trim()).isEqualTo("web-a");
  }

  private static boolean ready(DroverClient client, AgentHost h) {
    return client.nodes().get("", h.nodeName()).getStatus().getConditionsList().stream()
        .anyMatch(
            c ->
                c.getType().equals("Ready")
                    && c.getStatus() == ConditionStatus.CONDITION_STATUS_TRUE);
  }
}
