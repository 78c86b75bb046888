package dev.drover.master.cache;

import dev.drover.api.ApiObjects;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import java.util.function.Predicate;

/**
 * A filter of objects (label and field selectors) that can take the object's metadata from the
 * caller: the watch cache reads each change's metadata once and tests every watcher's filter
 * against it, instead of each watcher digging it out of the object again.
 */
public interface ObjectFilter extends Predicate<Object> {
  /** A filter that lets everything through. */
  ObjectFilter ALL = (o, meta) -> true;

  /** True when {@code o}, whose metadata is {@code meta}, passes. */
  boolean test(Object o, ObjectMeta meta);

  @Override
  default boolean test(Object o) {
    return test(o, ApiObjects.meta(o));
  }
}
