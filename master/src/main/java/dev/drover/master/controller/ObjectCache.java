package dev.drover.master.controller;

import com.google.protobuf.Message;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.LabelSelector;
import dev.drover.api.v1.Pod;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Read side used by controllers: an in-memory view of the cluster fed by watches. It trails the
 * store slightly, which is why controllers use {@link Expectations} after their own writes.
 *
 * <p>The objects returned are the kind's message type (for {@code KIND_POD} a {@link
 * dev.drover.api.v1.Pod}); the generic methods cast for the caller.
 */
public interface ObjectCache {
  /**
   * One object, or empty when the cache does not hold it.
   *
   * @param namespace empty for cluster-scoped kinds
   */
  <T extends Message> Optional<T> get(Kind kind, String namespace, String name);

  /**
   * Objects of one kind.
   *
   * @param namespace empty means every namespace
   * @param selector null or empty matches everything
   */
  <T extends Message> List<T> list(Kind kind, String namespace, LabelSelector selector);

  /** Registers a handler for the changes of one kind; several handlers per kind are allowed. */
  void addHandler(Kind kind, ResourceHandler handler);

  /**
   * The pods bound to node {@code nodeName}. This default scans every pod; a cache with an index by
   * node overrides it, so that a controller's work per node does not grow with the cluster.
   */
  default List<Pod> podsOn(String nodeName) {
    List<Pod> out = new ArrayList<>();
    for (Pod p : this.<Pod>list(Kind.KIND_POD, "", null)) {
      if (nodeName.equals(p.getSpec().getNodeName())) {
        out.add(p);
      }
    }
    return out;
  }

  /** True once the cache holds the initial state of every kind (the first list completed). */
  boolean hasSynced();
}
