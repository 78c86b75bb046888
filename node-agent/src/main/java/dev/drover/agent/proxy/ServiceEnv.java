package dev.drover.agent.proxy;

import dev.drover.api.v1.Protocol;
import dev.drover.api.v1.Service;
import dev.drover.api.v1.ServicePort;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Kubernetes' service discovery variables for a set of services. The host is the address where this
 * node's proxy listens on every service port and which containers can reach (the Docker bridge
 * gateway), since Drover has no virtual service IPs.
 */
final class ServiceEnv {
  private ServiceEnv() {}

  /** The variables of {@code services}, all served at {@code host}. */
  static Map<String, String> of(Collection<Service> services, String host) {
    Map<String, String> env = new LinkedHashMap<>();
    for (Service svc : services) {
      if (svc.getSpec().getPortsCount() == 0) {
        continue;
      }
      String prefix = svc.getMetadata().getName().toUpperCase(Locale.ROOT).replace('-', '_');
      ServicePort first = svc.getSpec().getPorts(0);
      env.put(prefix + "_SERVICE_HOST", host);
      env.put(prefix + "_SERVICE_PORT", Integer.toString(first.getPort()));
      env.put(prefix + "_PORT", url(first, host));
      for (ServicePort p : svc.getSpec().getPortsList()) {
        if (!p.getName().isEmpty()) {
          env.put(
              prefix + "_SERVICE_PORT_" + p.getName().toUpperCase(Locale.ROOT).replace('-', '_'),
              Integer.toString(p.getPort()));
        }
        String proto = protocol(p);
        String base = prefix + "_PORT_" + p.getPort() + "_" + proto.toUpperCase(Locale.ROOT);
        env.put(base, url(p, host));
        env.put(base + "_PROTO", proto);
        env.put(base + "_PORT", Integer.toString(p.getPort()));
        env.put(base + "_ADDR", host);
      }
    }
    return env;
  }

  private static String protocol(ServicePort p) {
    return p.getProtocol() == Protocol.PROTOCOL_UDP ? "udp" : "tcp";
  }

  private static String url(ServicePort p, String host) {
    return protocol(p) + "://" + host + ":" + p.getPort();
  }
}
