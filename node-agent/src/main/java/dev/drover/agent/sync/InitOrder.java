package dev.drover.agent.sync;

import dev.drover.agent.runtime.ContainerInfo;
import dev.drover.api.v1.Container;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.RestartPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Decides which of a pod's containers a sync pass steps, as the kubelet orders them: the init
 * containers one at a time in spec order, each run to a successful exit before the next; a sidecar
 * (an init container with restart policy Always) lets the next one start once it is started, then
 * keeps running beside the main containers; the main containers start once every init container is
 * past; the sidecars are stopped once every main container has finished for good. Also the restart
 * policy each kind of container follows. Pure: it reads the pod and {@link KnownContainer}s only.
 */
final class InitOrder {

  private InitOrder() {}

  /** What to do with one container in a pass. */
  enum Turn {
    /** Step it (create, restart, probe...). */
    SYNC,
    /** Leave it alone: a finished init container, or a main container still behind the inits. */
    SKIP,
    /** Stop it and do not restart it: a sidecar whose main containers all finished. */
    STOP
  }

  /** One container of the pod, where it sits in the spec, and its turn in this pass. */
  record Entry(Container container, String path, Turn turn) {}

  /** True for a sidecar: an init container that restarts always. */
  static boolean sidecar(Container c) {
    return c.getRestartPolicy() == RestartPolicy.RESTART_POLICY_ALWAYS;
  }

  /** True when {@code c} is one of the pod's init containers (sidecars included). */
  static boolean isInit(Pod pod, Container c) {
    for (Container i : pod.getSpec().getInitContainersList()) {
      if (i.getName().equals(c.getName())) {
        return true;
      }
    }
    return false;
  }

  /**
   * The restart policy container {@code c} follows: a sidecar's own (Always); a plain init
   * container's is the pod's, except that Always means OnFailure (a successful init is done); a
   * main container's is the pod's.
   */
  static RestartPolicy restartPolicy(Pod pod, Container c) {
    if (sidecar(c)) {
      return RestartPolicy.RESTART_POLICY_ALWAYS;
    }
    RestartPolicy policy = pod.getSpec().getRestartPolicy();
    if (policy == RestartPolicy.RESTART_POLICY_NEVER
        || policy == RestartPolicy.RESTART_POLICY_ON_FAILURE) {
      return policy;
    }
    return isInit(pod, c) ? RestartPolicy.RESTART_POLICY_ON_FAILURE : policy;
  }

  /** True when a container following {@code policy} is restarted after exiting as {@code info}. */
  static boolean restarts(RestartPolicy policy, ContainerInfo exited) {
    return switch (policy) {
      case RESTART_POLICY_NEVER -> false;
      case RESTART_POLICY_ON_FAILURE -> exited.exitCode() != 0;
      default -> true;
    };
  }

  /**
   * True once the pod may start what follows init container {@code c}: a plain one exited with 0; a
   * sidecar runs and is started (its startup probe passed, or it has none).
   */
  static boolean passed(Container c, KnownContainer s) {
    if (s == null || s.current() == null) {
      return false;
    }
    ContainerInfo info = s.current();
    if (sidecar(c)) {
      return info.running() && s.started() && s.currentId() != null;
    }
    return info.state() == ContainerInfo.State.EXITED
        && info.exitCode() == 0
        && s.waiting() == null;
  }

  /**
   * True once the pod is initialized: every init container is past, or a main container was already
   * made (the kubelet never runs the init containers again after that).
   */
  static boolean initialized(Pod pod, Map<String, KnownContainer> states) {
    for (Container c : pod.getSpec().getContainersList()) {
      KnownContainer s = states.get(c.getName());
      if (s != null && (s.current() != null || s.currentId() != null)) {
        return true;
      }
    }
    for (Container c : pod.getSpec().getInitContainersList()) {
      if (!passed(c, states.get(c.getName()))) {
        return false;
      }
    }
    return true;
  }

  /** True when a plain init container failed for good: the pod cannot start. */
  static boolean initFailed(Pod pod, Map<String, KnownContainer> states) {
    for (Container c : pod.getSpec().getInitContainersList()) {
      KnownContainer s = states.get(c.getName());
      if (sidecar(c) || s == null || s.current() == null || s.waiting() != null) {
        continue;
      }
      ContainerInfo info = s.current();
      if (info.state() == ContainerInfo.State.EXITED
          && info.exitCode() != 0
          && !restarts(restartPolicy(pod, c), info)) {
        return true;
      }
    }
    return false;
  }

  /** True once every main container exited and will not be restarted. */
  static boolean mainFinished(Pod pod, Map<String, KnownContainer> states) {
    if (pod.getSpec().getContainersCount() == 0) {
      return false;
    }
    for (Container c : pod.getSpec().getContainersList()) {
      KnownContainer s = states.get(c.getName());
      if (s == null || s.current() == null || s.waiting() != null) {
        return false;
      }
      ContainerInfo info = s.current();
      if (info.state() != ContainerInfo.State.EXITED || restarts(restartPolicy(pod, c), info)) {
        return false;
      }
    }
    return true;
  }

  /**
   * The turn of each container in one pass, init containers first. Called again after each
   * container was stepped, since stepping one may let the next one go.
   */
  static List<Entry> plan(Pod pod, Map<String, KnownContainer> states) {
    List<Entry> out = new ArrayList<>();
    boolean initialized = initialized(pod, states);
    boolean finished = initialized && mainFinished(pod, states);
    boolean blocked = false;
    List<Container> inits = pod.getSpec().getInitContainersList();
    for (int i = 0; i < inits.size(); i++) {
      Container c = inits.get(i);
      String path = "spec.initContainers[" + i + "]";
      KnownContainer s = states.get(c.getName());
      Turn turn;
      if (sidecar(c)) {
        turn = blocked ? Turn.SKIP : finished ? Turn.STOP : Turn.SYNC;
      } else {
        turn = blocked || initialized || passed(c, s) ? Turn.SKIP : Turn.SYNC;
      }
      out.add(new Entry(c, path, turn));
      if (!initialized && !passed(c, s)) {
        blocked = true;
      }
    }
    List<Container> mains = pod.getSpec().getContainersList();
    for (int i = 0; i < mains.size(); i++) {
      out.add(
          new Entry(mains.get(i), "spec.containers[" + i + "]", blocked ? Turn.SKIP : Turn.SYNC));
    }
    return out;
  }
}
