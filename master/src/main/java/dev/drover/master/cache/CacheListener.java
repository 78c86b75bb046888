package dev.drover.master.cache;

import dev.drover.api.v1.Object;

/**
 * In-process observer of one kind in the {@link WatchCache} (an informer's event handler). Calls
 * come in revision order from the cache's single dispatch thread, after the cache applied the
 * change, so {@link WatchCache#get} already returns the new state. Handlers must be quick (enqueue
 * a key, not do the work): they hold up every other listener.
 */
public interface CacheListener {
  /** An object appeared (also called once per existing object when the listener is added). */
  void onAdd(Object object);

  /** An object changed. */
  void onUpdate(Object oldObject, Object newObject);

  /** An object was removed; {@code lastState} is the last version the cache saw. */
  void onDelete(Object lastState);
}
