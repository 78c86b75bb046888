package dev.drover.master.controller.endpoints;

import static dev.drover.master.controller.Fixtures.makeReady;
import static dev.drover.testing.TestObjects.meta;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.drover.api.v1.Container;
import dev.drover.api.v1.ContainerPort;
import dev.drover.api.v1.EndpointAddress;
import dev.drover.api.v1.EndpointPort;
import dev.drover.api.v1.EndpointSubset;
import dev.drover.api.v1.Endpoints;
import dev.drover.api.v1.HostPortAllocation;
import dev.drover.api.v1.IntOrString;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodPhase;
import dev.drover.api.v1.PodSpec;
import dev.drover.api.v1.PodStatus;
import dev.drover.api.v1.Service;
import dev.drover.api.v1.ServicePort;
import dev.drover.api.v1.ServiceSpec;
import dev.drover.master.controller.ControllerManager;
import dev.drover.master.controller.DeleteOptions;
import dev.drover.master.controller.FakeCluster;
import dev.drover.master.controller.Harness;
import dev.drover.testing.TestObjects;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class EndpointsControllerTest {
  private final Harness h = new Harness();

  EndpointsControllerTest() {
    h.add(new EndpointsController(h.context()));
  }

  private void service() {
    h.cluster.create(
        Service.newBuilder()
            .setMetadata(meta("web"))
            .setSpec(
                ServiceSpec.newBuilder()
                    .putSelector("app", "web")
                    .addPorts(
                        ServicePort.newBuilder()
                            .setName("http")
                            .setPort(80)
                            .setTargetPort(IntOrString.newBuilder().setStringValue("http")))
                    .addPorts(ServicePort.newBuilder().setName("metrics").setPort(9090)))
            .build());
    h.settle();
  }

  /** A pod with container ports http=8080 and 9090, bound to the node with host ports. */
  private Pod pod(String name, String app, String node, int httpHostPort, int metricsHostPort) {
    Pod pod = runningPod(h.cluster, name, app, node, httpHostPort, metricsHostPort);
    h.settle();
    return pod;
  }

  private Optional<Endpoints> endpoints() {
    return h.cluster.fetch(Kind.KIND_ENDPOINTS, "default", "web");
  }

  private static List<String> ips(List<EndpointAddress> addresses) {
    return addresses.stream().map(a -> a.getIp() + "/" + a.getTargetRef().getName()).toList();
  }

  @Test
  void listsReadyAndNotReadyPodsWithTheirHostPortsAndOwnAddresses() {
    service();
    assertThat(endpoints()).isPresent();
    assertThat(endpoints().get().getSubsetsList()).isEmpty();

    Pod a = pod("a", "web", "n1", 31000, 31001);
    pod("other", "db", "n1", 32000, 32001);
    EndpointSubset subset = endpoints().get().getSubsets(0);
    assertThat(subset.getAddressesList()).isEmpty();
    assertThat(ips(subset.getNotReadyAddressesList())).containsExactly("10.0.0.1/a");
    assertThat(subset.getPortsList())
        .containsExactly(
            EndpointPort.newBuilder()
                .setName("http")
                .setPort(31000)
                .setProtocol(dev.drover.api.v1.Protocol.PROTOCOL_TCP)
                .setTargetPort(8080)
                .build(),
            EndpointPort.newBuilder()
                .setName("metrics")
                .setPort(31001)
                .setProtocol(dev.drover.api.v1.Protocol.PROTOCOL_TCP)
                .setTargetPort(9090)
                .build());

    makeReady(h.cluster, h.clock, a, "n1");
    h.settle();
    subset = endpoints().get().getSubsets(0);
    assertThat(subset.getAddressesCount()).isEqualTo(1);
    assertThat(subset.getNotReadyAddressesList()).isEmpty();
    assertThat(subset.getAddresses(0).getNodeName()).isEqualTo("n1");
    // The pod's own address, which only n1's proxy dials (with the container ports above).
    assertThat(subset.getAddresses(0).getPodIp()).isEqualTo("172.17.0.1");
  }

  @Test
  void podsWithDifferentHostPortsFormSeparateSubsetsAndTerminatingPodsLeave() {
    service();
    makeReady(h.cluster, h.clock, pod("a", "web", "n1", 31000, 31001), "n1");
    makeReady(h.cluster, h.clock, pod("b", "web", "n2", 31000, 31001), "n2");
    makeReady(h.cluster, h.clock, pod("c", "web", "n3", 31500, 31501), "n3");
    h.settle();
    List<EndpointSubset> subsets = endpoints().get().getSubsetsList();
    assertThat(subsets).hasSize(2);
    assertThat(subsets.stream().map(s -> ips(s.getAddressesList())))
        .containsExactlyInAnyOrder(List.of("10.0.0.1/a", "10.0.0.2/b"), List.of("10.0.0.3/c"));

    h.cluster.delete(Kind.KIND_POD, "default", "c", DeleteOptions.background());
    h.settle();
    assertThat(endpoints().get().getSubsetsList()).hasSize(1);
  }

  @Test
  void writesOnlyWhenTheContentChanges() {
    service();
    Pod a = pod("a", "web", "n1", 31000, 31001);
    makeReady(h.cluster, h.clock, a, "n1");
    h.settle();
    long version = endpoints().get().getMetadata().getResourceVersion();
    // A pod change that does not affect the endpoints.
    Pod current = h.cluster.stored(Kind.KIND_POD, "default", "a");
    h.cluster.update(
        current.toBuilder()
            .setMetadata(current.getMetadata().toBuilder().putAnnotations("note", "x"))
            .build());
    h.settle();
    assertThat(endpoints().get().getMetadata().getResourceVersion()).isEqualTo(version);
  }

  /** A service port and the address of the ready or not-ready pod it leads to. */
  private static List<String> targets(Endpoints endpoints, boolean ready) {
    return endpoints.getSubsetsList().stream()
        .flatMap(
            s ->
                (ready ? s.getAddressesList() : s.getNotReadyAddressesList())
                    .stream()
                        .flatMap(
                            a ->
                                s.getPortsList().stream()
                                    .map(
                                        p ->
                                            p.getName()
                                                + "->"
                                                + a.getIp()
                                                + ":"
                                                + p.getPort()
                                                + "/"
                                                + a.getTargetRef().getName())))
        .sorted()
        .toList();
  }

  private static Pod withReady(Pod pod, boolean ready) {
    return pod.toBuilder()
        .setStatus(
            pod.getStatus().toBuilder().clearConditions().addConditions(TestObjects.ready(ready)))
        .build();
  }

  /**
   * With the controller's own worker threads and work queue (real clock, no fake delays): a
   * readiness change of a pod shows in the Endpoints within a second, listing the pod's host IP
   * with the host port of each service port.
   */
  @Test
  void readinessChangesReachTheEndpointsWithinASecond() {
    FakeCluster cluster = new FakeCluster(Clock.systemUTC());
    EndpointsController controller = new EndpointsController(cluster.context());
    try (ControllerManager manager = new ControllerManager(cluster, List.of(controller))) {
      manager.start();
      await().atMost(Duration.ofSeconds(30)).until(manager::isRunning);
      cluster.create(
          Service.newBuilder()
              .setMetadata(meta("web"))
              .setSpec(
                  ServiceSpec.newBuilder()
                      .putSelector("app", "web")
                      .addPorts(
                          ServicePort.newBuilder()
                              .setName("http")
                              .setPort(80)
                              .setTargetPort(IntOrString.newBuilder().setStringValue("http")))
                      .addPorts(ServicePort.newBuilder().setName("metrics").setPort(9090)))
              .build());
      Pod a = runningPod(cluster, "a", "web", "n1", 31000, 31001);
      Pod b = runningPod(cluster, "b", "web", "n2", 31500, 31501);
      Supplier<Endpoints> endpoints =
          () ->
              cluster
                  .<Endpoints>fetch(Kind.KIND_ENDPOINTS, "default", "web")
                  .orElse(Endpoints.getDefaultInstance());
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> targets(endpoints.get(), false).size() == 4);
      assertThat(targets(endpoints.get(), true)).isEmpty();

      a = cluster.updateStatus(withReady(a, true));
      await()
          .atMost(Duration.ofSeconds(1))
          .pollInterval(Duration.ofMillis(10))
          .untilAsserted(
              () ->
                  assertThat(targets(endpoints.get(), true))
                      .containsExactly("http->10.0.0.1:31000/a", "metrics->10.0.0.1:31001/a"));
      b = cluster.updateStatus(withReady(b, true));
      await()
          .atMost(Duration.ofSeconds(1))
          .pollInterval(Duration.ofMillis(10))
          .untilAsserted(
              () ->
                  assertThat(targets(endpoints.get(), true))
                      .containsExactly(
                          "http->10.0.0.1:31000/a", "http->10.0.0.2:31500/b",
                          "metrics->10.0.0.1:31001/a", "metrics->10.0.0.2:31501/b"));
      assertThat(targets(endpoints.get(), false)).isEmpty();

      cluster.updateStatus(withReady(a, false));
      await()
          .atMost(Duration.ofSeconds(1))
          .pollInterval(Duration.ofMillis(10))
          .untilAsserted(
              () -> {
                assertThat(targets(endpoints.get(), true))
                    .containsExactly("http->10.0.0.2:31500/b", "metrics->10.0.0.2:31501/b");
                assertThat(targets(endpoints.get(), false))
                    .containsExactly("http->10.0.0.1:31000/a", "metrics->10.0.0.1:31001/a");
              });
    }
  }

  /**
   * A running, not yet ready pod labelled app, bound to the node, with container ports http=8080
   * and metrics=9090 published on the given host ports.
   */
  private static Pod runningPod(
      FakeCluster cluster, String name, String app, String node, int http, int metrics) {
    Pod pod =
        cluster.create(
            Pod.newBuilder()
                .setMetadata(meta(name, Map.of("app", app)))
                .setSpec(
                    PodSpec.newBuilder()
                        .setNodeName(node)
                        .addContainers(
                            Container.newBuilder()
                                .setName("c")
                                .setImage("i")
                                .addPorts(
                                    ContainerPort.newBuilder()
                                        .setName("http")
                                        .setContainerPort(8080))
                                .addPorts(
                                    ContainerPort.newBuilder()
                                        .setName("metrics")
                                        .setContainerPort(9090))))
                .build());
    return cluster.updateStatus(
        pod.toBuilder()
            .setStatus(
                PodStatus.newBuilder()
                    .setPhase(PodPhase.POD_PHASE_RUNNING)
                    .setHostIp("10.0.0." + node.substring(1))
                    .setPodIp("172.17.0." + node.substring(1))
                    .addHostPorts(
                        HostPortAllocation.newBuilder()
                            .setContainerName("c")
                            .setContainerPort(8080)
                            .setHostPort(http))
                    .addHostPorts(
                        HostPortAllocation.newBuilder()
                            .setContainerName("c")
                            .setContainerPort(9090)
                            .setHostPort(metrics)))
            .build());
  }

  @Test
  void endpointsGoWithTheirService() {
    service();
    assertThat(endpoints()).isPresent();
    h.cluster.delete(Kind.KIND_SERVICE, "default", "web", DeleteOptions.background());
    h.settle();
    assertThat(endpoints()).isEmpty();
  }
}
