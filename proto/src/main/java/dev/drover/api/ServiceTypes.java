package dev.drover.api;

import dev.drover.api.v1.ServiceType;

/**
 * What each Service type means for the ports a cluster opens. LoadBalancer is served exactly like
 * NodePort, as on a Kubernetes cluster without a cloud provider: a node port on every node and no
 * external load balancer, which the API says in a warning ({@link #LOAD_BALANCER_WARNING}).
 */
public final class ServiceTypes {
  /** The warning returned for a Service of type LoadBalancer. */
  public static final String LOAD_BALANCER_WARNING =
      "type LoadBalancer is served like NodePort: no external load balancer is provisioned";

  private ServiceTypes() {}

  /** True when a Service of this type gets a node port on every node. */
  public static boolean hasNodePorts(ServiceType type) {
    return type == ServiceType.SERVICE_TYPE_NODE_PORT
        || type == ServiceType.SERVICE_TYPE_LOAD_BALANCER;
  }
}
