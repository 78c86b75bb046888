package dev.drover.agent.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.api.v1.EndpointAddress;
import dev.drover.api.v1.EndpointPort;
import dev.drover.api.v1.ObjectReference;
import org.junit.jupiter.api.Test;

/** Which address a node's proxy dials for an endpoint: a local pod's own, else the host port. */
class DialTest {
  private static EndpointAddress address(String node, String hostIp, String podIp) {
    return EndpointAddress.newBuilder()
        .setIp(hostIp)
        .setNodeName(node)
        .setPodIp(podIp)
        .setTargetRef(ObjectReference.newBuilder().setName("web-1"))
        .build();
  }

  private static EndpointPort port(int hostPort, int containerPort) {
    return EndpointPort.newBuilder()
        .setName("http")
        .setPort(hostPort)
        .setTargetPort(containerPort)
        .build();
  }

  @Test
  void aPodOnThisNodeIsDialedAtItsOwnAddressAndContainerPort() {
    assertThat(Dial.backend("n1", address("n1", "10.0.0.1", "172.17.0.5"), port(32001, 8080)))
        .isEqualTo(new Backend("172.17.0.5", 8080, "web-1"));
  }

  @Test
  void aPodOnAnotherNodeIsDialedAtItsNodesAddressAndHostPort() {
    // Bridges of different hosts may use the same subnet: the pod address means nothing here.
    assertThat(Dial.backend("n2", address("n1", "10.0.0.1", "172.17.0.5"), port(32001, 8080)))
        .isEqualTo(new Backend("10.0.0.1", 32001, "web-1"));
  }

  @Test
  void endpointsFromAnOlderMasterAreDialedAtTheHostPort() {
    assertThat(Dial.backend("n1", address("n1", "10.0.0.1", ""), port(32001, 8080)))
        .isEqualTo(new Backend("10.0.0.1", 32001, "web-1"));
    assertThat(Dial.backend("n1", address("n1", "10.0.0.1", "172.17.0.5"), port(32001, 0)))
        .isEqualTo(new Backend("10.0.0.1", 32001, "web-1"));
  }

  @Test
  void aProxyWithoutANodeNameTreatsEveryEndpointAsRemote() {
    // An address without a node name must not count as "this node" for a nameless proxy.
    assertThat(Dial.backend("", address("", "10.0.0.1", "172.17.0.5"), port(32001, 8080)))
        .isEqualTo(new Backend("10.0.0.1", 32001, "web-1"));
  }

  @Test
  void aHostNetworkPodOnThisNodeIsDialedAtTheHostAddressAndItsContainerPort() {
    // Its pod IP is the host IP; its container port is the port it really listens on.
    assertThat(Dial.backend("n1", address("n1", "10.0.0.1", "10.0.0.1"), port(32001, 8080)))
        .isEqualTo(new Backend("10.0.0.1", 8080, "web-1"));
  }
}
