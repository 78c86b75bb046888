package dev.drover.agent.proxy;

/**
 * One endpoint a service port forwards to, as this node dials it ({@link Dial}): a pod on this node
 * at its own address and container port, a pod elsewhere at its node's address and the host port
 * published there for the targeted container port.
 *
 * @param host the pod's own IP (a pod on this node) or its node's address
 * @param port the container port (a pod on this node) or the host port
 * @param pod name of the backing pod, for metrics and logs
 */
public record Backend(String host, int port, String pod) {
  @Override
  public String toString() {
    return pod + "@" + host + ":" + port;
  }
}
