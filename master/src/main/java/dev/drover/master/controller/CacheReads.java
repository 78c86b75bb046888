package dev.drover.master.controller;

import com.google.protobuf.Message;
import dev.drover.api.ApiObjects;
import dev.drover.api.Kinds;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.LabelSelector;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.Pod;
import dev.drover.master.cache.WatchCache;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The read side of {@link ObjectCache} over a master's watch cache: the objects as their kind's
 * message type; it takes no handlers (a subclass may add them).
 */
public class CacheReads implements ObjectCache {
  private final WatchCache cache;

  /** Reads of {@code cache}. */
  public CacheReads(WatchCache cache) {
    this.cache = cache;
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T extends Message> Optional<T> get(Kind kind, String namespace, String name) {
    return cache.get(kind, namespace, name).map(o -> (T) Kinds.unwrap(o));
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T extends Message> List<T> list(Kind kind, String namespace, LabelSelector selector) {
    boolean all = selector == null || Selectors.isEmpty(selector);
    List<T> out = new ArrayList<>();
    for (Object o :
        cache.list(
            kind,
            x ->
                (namespace.isEmpty() || ApiObjects.meta(x).getNamespace().equals(namespace))
                    && (all || Selectors.matches(selector, ApiObjects.meta(x).getLabelsMap())))) {
      out.add((T) Kinds.unwrap(o));
    }
    return out;
  }

  @Override
  public List<Pod> podsOn(String nodeName) {
    List<Pod> out = new ArrayList<>();
    for (Object o : cache.podsOn(nodeName)) {
      out.add(o.getPod());
    }
    return out;
  }

  /** Not supported: these reads take no handlers. */
  @Override
  public void addHandler(Kind kind, ResourceHandler handler) {
    throw new UnsupportedOperationException("CacheReads takes no handlers");
  }

  @Override
  public boolean hasSynced() {
    return cache.synced();
  }
}
