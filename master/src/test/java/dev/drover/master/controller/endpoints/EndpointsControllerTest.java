package dev.drover.master.controller.endpoints;

import static dev.drover.master.controller.Fixtures.makeReady;
import static dev.drover.master.controller.Fixtures.meta;
import static org.assertj.core.api.Assertions.assertThat;

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
import dev.drover.master.controller.DeleteOptions;
import dev.drover.master.controller.Harness;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EndpointsControllerTest {
  private final Harness h = new Harness();

  EndpointsControllerTest() {
    h.add(new EndpointsController(h.context()));
  }

  private void service() {
    h.cluster.create(Service.newBuilder().setMetadata(meta("web"))
        .setSpec(ServiceSpec.newBuilder().putSelector("app", "web")
            .addPorts(ServicePort.newBuilder().setName("http").setPort(80)
                .setTargetPort(IntOrString.newBuilder().setStringValue("http")))
            .addPorts(ServicePort.newBuilder().setName("metrics").setPort(9090)))
        .build());
    h.settle();
  }

  /** A pod with container ports http=8080 and 9090, bound to the node with host ports. */
  private Pod pod(String name, String app, String node, int httpHostPort, int metricsHostPort) {
    Pod pod = h.cluster.create(Pod.newBuilder().setMetadata(meta(name, Map.of("app", app)))
        .setSpec(PodSpec.newBuilder().addContainers(Container.newBuilder().setName("c").setImage("i")
            .addPorts(ContainerPort.newBuilder().setName("http").setContainerPort(8080))
            .addPorts(ContainerPort.newBuilder().setName("metrics").setContainerPort(9090))))
        .build());
    pod = h.cluster.update(pod.toBuilder().setSpec(pod.getSpec().toBuilder().setNodeName(node)).build());
    pod = h.cluster.updateStatus(pod.toBuilder().setStatus(PodStatus.newBuilder()
        .setPhase(PodPhase.POD_PHASE_RUNNING).setHostIp("10.0.0." + node.substring(1))
        .addHostPorts(HostPortAllocation.newBuilder().setContainerName("c").setContainerPort(8080).setHostPort(httpHostPort))
        .addHostPorts(HostPortAllocation.newBuilder().setContainerName("c").setContainerPort(9090).setHostPort(metricsHostPort)))
        .build());
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
  void listsReadyAndNotReadyPodsWithTheirHostPorts() {
    service();
    assertThat(endpoints()).isPresent();
    assertThat(endpoints().get().getSubsetsList()).isEmpty();

    Pod a = pod("a", "web", "n1", 31000, 31001);
    pod("other", "db", "n1", 32000, 32001);
    EndpointSubset subset = endpoints().get().getSubsets(0);
    assertThat(subset.getAddressesList()).isEmpty();
    assertThat(ips(subset.getNotReadyAddressesList())).containsExactly("10.0.0.1/a");
    assertThat(subset.getPortsList()).containsExactly(
        EndpointPort.newBuilder().setName("http").setPort(31000).setProtocol(dev.drover.api.v1.Protocol.PROTOCOL_TCP).build(),
        EndpointPort.newBuilder().setName("metrics").setPort(31001).setProtocol(dev.drover.api.v1.Protocol.PROTOCOL_TCP).build());

    makeReady(h.cluster, h.clock, a, "n1");
    h.settle();
    subset = endpoints().get().getSubsets(0);
    assertThat(subset.getAddressesCount()).isEqualTo(1);
    assertThat(subset.getNotReadyAddressesList()).isEmpty();
    assertThat(subset.getAddresses(0).getNodeName()).isEqualTo("n1");
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
    h.cluster.update(current.toBuilder().setMetadata(current.getMetadata().toBuilder()
        .putAnnotations("note", "x")).build());
    h.settle();
    assertThat(endpoints().get().getMetadata().getResourceVersion()).isEqualTo(version);
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
