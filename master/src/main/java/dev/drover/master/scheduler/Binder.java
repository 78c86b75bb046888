package dev.drover.master.scheduler;

import java.util.List;

/**
 * Writes bindings: for each pod, a compare-and-swap that sets {@code spec.node_name} only if the
 * pod (same uid) is still unbound and the node still exists. The master implements it on the object
 * store, ideally as one transaction per batch.
 *
 * <p>Called from the scheduler's writer thread only; implementations may block.
 */
public interface Binder {

  /**
   * Binds every pod of {@code bindings}; returns one outcome per binding, in the same order. An
   * exception means every binding of the batch failed transiently.
   */
  List<Outcome> bind(List<Binding> bindings);

  /** One binding to write. */
  record Binding(String namespace, String name, String uid, String nodeName) {}

  /** What became of one binding. */
  enum Outcome {
    /** spec.node_name is now the requested node. */
    BOUND,
    /** The pod was bound meanwhile, or changed so that the CAS failed; retry on a fresh view. */
    CONFLICT,
    /** The pod (this uid) no longer exists. */
    POD_GONE,
    /** The node no longer exists. */
    NODE_GONE,
    /** A transient failure (no leader, timeout); retry with backoff. */
    FAILED
  }
}
