package dev.drover.master.scheduler.plugins;

import dev.drover.master.scheduler.framework.NodeInfo;
import dev.drover.master.scheduler.framework.PodInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What nominated pods keep on a node against a pod: the requests of those nominated there with a
 * priority at least the pod's (a more important pod may take their room, as in Kubernetes; the pod
 * never competes with its own nomination). Only built for nodes with nominations, which are rare.
 */
final class Reservation {
  long milliCpu;
  long memory;
  int pods;
  final Map<String, Long> extra = new HashMap<>();
  int[] ports;

  private Reservation() {}

  static Reservation on(NodeInfo n, PodInfo pod) {
    Reservation r = new Reservation();
    List<Integer> ports = new ArrayList<>();
    for (PodInfo p : n.nominated()) {
      if (p.priority < pod.priority || p.key.equals(pod.key)) {
        continue;
      }
      r.milliCpu += p.milliCpu;
      r.memory += p.memory;
      r.pods++;
      for (int i = 0; i < p.extraNames.length; i++) {
        r.extra.merge(p.extraNames[i], p.extraAmounts[i], Long::sum);
      }
      for (int q : p.hostPorts) {
        ports.add(q);
      }
    }
    r.ports = ports.stream().mapToInt(Integer::intValue).toArray();
    return r;
  }

  /** Whether a nominated pod keeps one of {@code pod}'s host ports. */
  boolean takesPortOf(PodInfo pod) {
    for (int port : pod.hostPorts) {
      for (int q : ports) {
        if (q == port) {
          return true;
        }
      }
    }
    return false;
  }
}
