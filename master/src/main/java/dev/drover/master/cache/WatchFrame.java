package dev.drover.master.cache;

import dev.drover.api.v1.WatchEvent;

/**
 * One watch event as a stream sends it: the message and its wire encoding, made at most once
 * however many streams send it. The cache builds one frame per change and event type and hands the
 * same frame to every watcher that sees that change, so fanning an event out to a thousand watch
 * streams serialises it once (see {@code WatchFrames} in the API package, whose marshaller writes
 * these bytes as they are).
 */
public final class WatchFrame {
  private final WatchEvent event;
  private volatile byte[] bytes;

  private WatchFrame(WatchEvent event) {
    this.event = event;
  }

  /** A frame for {@code event}, encoded on first use. */
  public static WatchFrame of(WatchEvent event) {
    return new WatchFrame(event);
  }

  /** The event. */
  public WatchEvent event() {
    return event;
  }

  /** Size of the event's encoding in bytes, without encoding it when that has not happened yet. */
  public int size() {
    byte[] b = bytes;
    return b != null ? b.length : event.getSerializedSize();
  }

  /**
   * The event's protobuf encoding, the same array on every call (callers must not change it). Two
   * threads asking at once may both encode it; either result is the same bytes.
   */
  public byte[] bytes() {
    byte[] b = bytes;
    if (b == null) {
      b = event.toByteArray();
      bytes = b;
    }
    return b;
  }
}
