package dev.drover.master.disruption;

import com.google.protobuf.Message;
import dev.drover.api.v1.Kind;
import java.util.List;
import java.util.Optional;

/**
 * The reads disruption planning needs: objects as their kind's message type (for {@code KIND_POD} a
 * {@link dev.drover.api.v1.Pod}), from whatever view of the cluster the caller has (the API's watch
 * cache, a controller's cache).
 */
public interface ClusterReads {
  /**
   * One object, or empty when the view does not hold it.
   *
   * @param namespace empty for cluster-scoped kinds
   */
  <T extends Message> Optional<T> get(Kind kind, String namespace, String name);

  /**
   * Every object of one kind.
   *
   * @param namespace empty means every namespace
   */
  <T extends Message> List<T> list(Kind kind, String namespace);
}
