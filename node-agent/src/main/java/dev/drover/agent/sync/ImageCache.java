package dev.drover.agent.sync;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Images the agent saw present recently, so that starting many pods of one image asks the runtime
 * once rather than once per container. An entry is trusted for a short time only and dropped when a
 * container could not be created, in case the image was removed behind the agent's back.
 * Thread-safe.
 */
final class ImageCache {

  private final long ttlNanos;
  private final Map<String, Long> seenAt = new ConcurrentHashMap<>();

  ImageCache(Duration ttl) {
    this.ttlNanos = ttl.toNanos();
  }

  /** True if the image was seen present within the time to live. */
  boolean known(String image) {
    Long at = seenAt.get(image);
    return at != null && System.nanoTime() - at < ttlNanos;
  }

  /** Records that the image is present now. */
  void present(String image) {
    seenAt.put(image, System.nanoTime());
  }

  /** Forgets the image: the next check asks the runtime. */
  void forget(String image) {
    seenAt.remove(image);
  }
}
