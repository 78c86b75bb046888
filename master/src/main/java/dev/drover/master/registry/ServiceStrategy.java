package dev.drover.master.registry;

import dev.drover.api.ApiObjects;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.Service;
import dev.drover.api.v1.ServicePort;
import dev.drover.api.v1.ServiceSpec;
import dev.drover.api.v1.ServiceType;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What services add to the generic {@link Registry}: node ports. A NodePort service's port with
 * node_port 0 gets a free one from the node port range (on create, or on an update that leaves it
 * 0: the current one is kept when it had one); a node port given must lie in the range and belong
 * to no other service. The check reads every service from the store, so two creates racing for the
 * same port may both pass; the proxies then report the second one's bind failure as an event.
 */
public final class ServiceStrategy implements KindStrategy {
  /** Kubernetes' default node port range. */
  public static final int DEFAULT_FIRST = 30000;

  /** Last port of the default range. */
  public static final int DEFAULT_LAST = 32767;

  private final Registry registry;
  private volatile int first = DEFAULT_FIRST;
  private volatile int last = DEFAULT_LAST;

  ServiceStrategy(Registry registry) {
    this.registry = registry;
  }

  /** Sets the node port range, both ends included. */
  public void nodePortRange(int first, int last) {
    if (first < 1 || last > 65535 || first > last) {
      throw new IllegalArgumentException(
          "nodePortRange: want 1 <= first <= last <= 65535, got " + first + "-" + last);
    }
    this.first = first;
    this.last = last;
  }

  /** Sets the node port range. */
  public void nodePortRange(NodePortRange range) {
    nodePortRange(range.first(), range.last());
  }

  /**
   * A node port range, both ends included, as kube-apiserver's {@code --service-node-port-range}
   * takes it.
   */
  public record NodePortRange(int first, int last) {
    /** Kubernetes' default, 30000-32767. */
    public static final NodePortRange DEFAULT = new NodePortRange(DEFAULT_FIRST, DEFAULT_LAST);

    /** A range of ports within 1-65535, first not above last. */
    public NodePortRange {
      if (first < 1 || first > 65535) {
        throw new IllegalArgumentException("the first port " + first + " is not in 1-65535");
      }
      if (last < 1 || last > 65535) {
        throw new IllegalArgumentException("the last port " + last + " is not in 1-65535");
      }
      if (first > last) {
        throw new IllegalArgumentException(
            "the first port " + first + " is above the last port " + last);
      }
    }

    /**
     * Parses {@code FIRST-LAST} (a single port {@code N} is the range N-N, as Kubernetes' parser
     * takes it); the exception says precisely what is wrong.
     */
    public static NodePortRange parse(String text) {
      String t = text.trim();
      int dash = t.indexOf('-');
      if (t.isEmpty() || dash == 0 || dash == t.length() - 1) {
        throw new IllegalArgumentException("want FIRST-LAST, as 30000-32767");
      }
      if (dash < 0) {
        int port = port(t);
        return new NodePortRange(port, port);
      }
      return new NodePortRange(port(t.substring(0, dash)), port(t.substring(dash + 1)));
    }

    private static int port(String s) {
      try {
        return Integer.parseInt(s.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "\"" + s.trim() + "\" is not a port number; want FIRST-LAST, as 30000-32767");
      }
    }

    @Override
    public String toString() {
      return first + "-" + last;
    }
  }

  @Override
  public Object prepareForCreate(Object object) {
    return withNodePorts(null, object);
  }

  @Override
  public Object prepareForUpdate(Object current, Object next) {
    return withNodePorts(current.getService(), next);
  }

  private Object withNodePorts(Service current, Object object) {
    Service svc = object.getService();
    if (svc.getSpec().getType() != ServiceType.SERVICE_TYPE_NODE_PORT) {
      return object;
    }
    Map<Integer, String> taken = takenNodePorts(svc);
    ServiceSpec.Builder spec = svc.getSpec().toBuilder();
    for (int i = 0; i < spec.getPortsCount(); i++) {
      ServicePort.Builder port = spec.getPortsBuilder(i);
      String field = "spec.ports[" + i + "].node_port";
      int nodePort = port.getNodePort();
      if (nodePort == 0) {
        nodePort = previous(current, port.getName(), port.getPort());
        if (nodePort == 0 || taken.containsKey(nodePort)) {
          nodePort = allocate(taken, askedFor(spec), field);
        }
        port.setNodePort(nodePort);
      } else if (nodePort < first || nodePort > last) {
        throw new InvalidObjectException(
            field,
            "Invalid value: "
                + nodePort
                + ": provided port is not in the valid range. The range of valid ports is "
                + first
                + "-"
                + last);
      } else if (taken.containsKey(nodePort)) {
        throw new InvalidObjectException(
            field,
            "Invalid value: "
                + nodePort
                + ": provided port is already allocated (to "
                + taken.get(nodePort)
                + ")");
      }
      taken.put(nodePort, "spec.ports[" + i + "]");
    }
    return object.toBuilder().setService(svc.toBuilder().setSpec(spec)).build();
  }

  /** Node ports of every other service, to the service's namespace/name. */
  private Map<Integer, String> takenNodePorts(Service svc) {
    String self = ApiObjects.key(svc);
    Map<Integer, String> taken = new HashMap<>();
    for (Object o : registry.list(Kind.KIND_SERVICE, "")) {
      Service other = o.getService();
      if (ApiObjects.key(other).equals(self)) {
        continue;
      }
      for (ServicePort p : other.getSpec().getPortsList()) {
        if (p.getNodePort() != 0) {
          taken.put(p.getNodePort(), "service " + ApiObjects.key(other));
        }
      }
    }
    return taken;
  }

  private static int previous(Service current, String name, int port) {
    if (current == null) {
      return 0;
    }
    for (ServicePort p : current.getSpec().getPortsList()) {
      if (p.getName().equals(name) && p.getPort() == port) {
        return p.getNodePort();
      }
    }
    return 0;
  }

  /**
   * The node ports this service names itself: an allocation for another of its ports skips them.
   */
  private static Set<Integer> askedFor(ServiceSpec.Builder spec) {
    Set<Integer> asked = new HashSet<>();
    for (ServicePort.Builder p : spec.getPortsBuilderList()) {
      if (p.getNodePort() != 0) {
        asked.add(p.getNodePort());
      }
    }
    return asked;
  }

  private int allocate(Map<Integer, String> taken, Set<Integer> asked, String field) {
    int size = last - first + 1;
    // Start at a random place so that services created together rarely collide.
    int start = ThreadLocalRandom.current().nextInt(size);
    for (int i = 0; i < size; i++) {
      int port = first + (start + i) % size;
      if (!taken.containsKey(port) && !asked.contains(port)) {
        return port;
      }
    }
    throw new InvalidObjectException(
        field, "Internal error: no free node port left in " + first + "-" + last);
  }
}
