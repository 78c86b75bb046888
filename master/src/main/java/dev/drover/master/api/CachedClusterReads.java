package dev.drover.master.api;

import com.google.protobuf.Message;
import dev.drover.api.ApiObjects;
import dev.drover.api.Kinds;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Object;
import dev.drover.master.cache.WatchCache;
import dev.drover.master.disruption.ClusterReads;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The API's watch cache as the reads a drain plans from: objects as their kind's message. */
final class CachedClusterReads implements ClusterReads {
  private final WatchCache cache;

  CachedClusterReads(WatchCache cache) {
    this.cache = cache;
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T extends Message> Optional<T> get(Kind kind, String namespace, String name) {
    return cache.get(kind, namespace, name).map(o -> (T) Kinds.unwrap(o));
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T extends Message> List<T> list(Kind kind, String namespace) {
    List<T> out = new ArrayList<>();
    for (Object o :
        cache.list(
            kind,
            x -> namespace.isEmpty() || ApiObjects.meta(x).getNamespace().equals(namespace))) {
      out.add((T) Kinds.unwrap(o));
    }
    return out;
  }
}
