package dev.drover.agent.proxy;

import dev.drover.api.v1.ProxyProtocol;

/**
 * What one listener forwards to: a port of a service, its balancer, the PROXY protocol version to
 * speak to backends, and the service's counters. A listener's route is swapped whole when the
 * service or its endpoints change; connections keep the route they started with.
 *
 * @param service namespace/name
 * @param portName the service port's name ("" for a single unnamed port)
 * @param balancer the backends and how one is chosen
 * @param proxyProtocol header sent to the backend first, if any
 * @param metrics the service's counters
 */
record Route(
    String service,
    String portName,
    Balancer balancer,
    ProxyProtocol proxyProtocol,
    ProxyMetrics metrics) {}
