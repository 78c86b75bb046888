package dev.drover.master.scheduler;

import dev.drover.master.scheduler.framework.PodInfo;
import java.util.List;

/**
 * A plan to make room for a pod: evict {@code victims} from {@code nodeName}, after which the pod
 * fits there.
 *
 * @param nodeName the node to nominate for the preemptor
 * @param victims the pods to evict, all of lower priority than the preemptor
 */
public record Preemption(String nodeName, List<PodInfo> victims) {

  public Preemption {
    victims = List.copyOf(victims);
  }
}
