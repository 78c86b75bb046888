package dev.drover.agent.server;

import dev.drover.agent.sync.PodSyncer;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Optional;

/** Finds the runtime container a call of the AgentService names, or says why there is none. */
final class PodLookup {
  private PodLookup() {}

  /**
   * The runtime id of a pod's container (its previous run when {@code previous}).
   *
   * @throws StatusRuntimeException NOT_FOUND when the pod is not on this node or has no such
   *     container
   */
  static String containerId(
      PodSyncer syncer, String namespace, String pod, String container, boolean previous) {
    if (!syncer.hasPod(namespace, pod)) {
      throw Status.NOT_FOUND
          .withDescription("pod " + namespace + "/" + pod + " is not on this node")
          .asRuntimeException();
    }
    Optional<String> id = syncer.containerId(namespace, pod, container, previous);
    if (id.isEmpty()) {
      throw Status.NOT_FOUND
          .withDescription(
              (previous ? "no previous run of container \"" : "no running container \"")
                  + container
                  + "\" in pod "
                  + pod
                  + (container.isEmpty() ? " (name the container: the pod has several)" : ""))
          .asRuntimeException();
    }
    return id.get();
  }
}
