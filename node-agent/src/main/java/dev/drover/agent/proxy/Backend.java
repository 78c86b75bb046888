package dev.drover.agent.proxy;

/**
 * One endpoint a service port forwards to: the address of the node that runs the pod and the host
 * port published there for the targeted container port.
 *
 * @param host node address (the pod's host IP)
 * @param port host port
 * @param pod name of the backing pod, for metrics and logs
 */
public record Backend(String host, int port, String pod) {
  @Override
  public String toString() {
    return pod + "@" + host + ":" + port;
  }
}
