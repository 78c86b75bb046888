package dev.drover.agent.proxy;

import dev.drover.api.v1.EndpointAddress;
import dev.drover.api.v1.EndpointPort;

/**
 * Decides which address a node's proxy connects to for one endpoint. A pod on this node is dialed
 * at its own address and container port (its container's address on this node's Docker bridge), so
 * the connection crosses one user-space proxy, this one, instead of this one and then the host
 * port's forwarder (docker-proxy); the agent's probes reach the same address. A pod on another node
 * is dialed at that node's address and the host port published for it, since no node can reach
 * another node's bridge. Endpoints from a master that does not fill in the pod's address or
 * container port are dialed at the host address and port, as before.
 */
final class Dial {
  private Dial() {}

  /**
   * The backend to connect to for {@code address} on {@code port}, seen from the proxy of node
   * {@code localNode} ("" for a proxy that knows no node name: every endpoint counts as remote).
   */
  static Backend backend(String localNode, EndpointAddress address, EndpointPort port) {
    String pod = address.getTargetRef().getName();
    if (!localNode.isEmpty()
        && localNode.equals(address.getNodeName())
        && !address.getPodIp().isEmpty()
        && port.getTargetPort() > 0) {
      return new Backend(address.getPodIp(), port.getTargetPort(), pod);
    }
    return new Backend(address.getIp(), port.getPort(), pod);
  }
}
