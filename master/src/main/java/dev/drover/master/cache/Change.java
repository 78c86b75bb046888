package dev.drover.master.cache;

import dev.drover.api.ApiObjects;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.WatchEventType;

/**
 * One change of one object, as the index's window keeps it and the fan-out offers it. The metadata
 * of both states is read once here for every watcher's selector, and {@code frames} memoises the
 * event of each type so that every watcher of the change sends the same frame, encoded once.
 */
record Change(
    long revision,
    Kind kind,
    String sortKey,
    String namespace,
    Object object,
    ObjectMeta meta,
    Object previous,
    ObjectMeta previousMeta,
    boolean deleted,
    WatchFrame[] frames) {
  Change(
      long revision,
      Kind kind,
      String sortKey,
      String namespace,
      Object object,
      Object previous,
      boolean deleted) {
    this(
        revision,
        kind,
        sortKey,
        namespace,
        object,
        ApiObjects.meta(object),
        previous,
        previous == null ? null : ApiObjects.meta(previous),
        deleted,
        new WatchFrame[WatchEventType.values().length]);
  }

  /** The frame of one event type, the same for every caller (fan-out threads call at once). */
  WatchFrame frame(WatchEventType type) {
    synchronized (frames) {
      WatchFrame f = frames[type.ordinal()];
      if (f == null) {
        f = WatchFrame.of(WatchEvents.of(type, object, revision));
        frames[type.ordinal()] = f;
      }
      return f;
    }
  }
}
