package dev.drover.master.cache;

import dev.drover.api.v1.ErrorStatus;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.WatchEvent;
import dev.drover.api.v1.WatchEventType;

/** The watch events the cache makes: object events, bookmarks and the Expired error. */
final class WatchEvents {
  private WatchEvents() {}

  /** An event of {@code type} for {@code o} at {@code rev}. */
  static WatchEvent of(WatchEventType type, Object o, long rev) {
    return WatchEvent.newBuilder().setType(type).setObject(o).setResourceVersion(rev).build();
  }

  /** A bookmark: the watcher has seen everything up to {@code rev}. */
  static WatchEvent bookmark(long rev) {
    return WatchEvent.newBuilder()
        .setType(WatchEventType.WATCH_EVENT_TYPE_BOOKMARK)
        .setResourceVersion(rev)
        .build();
  }

  /** The ERROR event telling a watcher to list again. */
  static WatchEvent expired(String message) {
    return WatchEvent.newBuilder()
        .setType(WatchEventType.WATCH_EVENT_TYPE_ERROR)
        .setError(
            ErrorStatus.newBuilder()
                .setCode(io.grpc.Status.Code.OUT_OF_RANGE.value())
                .setReason("Expired")
                .setMessage(message))
        .build();
  }
}
