package dev.drover.master.api;

import com.google.protobuf.Message;
import dev.drover.api.ApiObjects;
import dev.drover.api.Kinds;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Object;
import dev.drover.master.cache.WatchCache;
import dev.drover.master.disruption.ClusterReads;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/** The API's watch cache as the reads a drain plans from: objects as their kind's message. */
final class CachedClusterReads implements ClusterReads {
  private final WatchCache cache;

  CachedClusterReads(WatchCache cache) {
    this.cache = cache;
  }

  @Override
  public <T extends Message> Optional<T> get(Kind kind, String namespace, String name) {
    return cache.get(kind, namespace, name).map(CachedClusterReads::message);
  }

  @Override
  public <T extends Message> List<T> list(Kind kind, String namespace) {
    Predicate<Object> inNamespace =
        o -> namespace.isEmpty() || ApiObjects.meta(o).getNamespace().equals(namespace);
    return cache.list(kind, inNamespace).stream().map(CachedClusterReads::<T>message).toList();
  }

  @SuppressWarnings("unchecked")
  private static <T extends Message> T message(Object envelope) {
    return (T) Kinds.unwrap(envelope);
  }
}
