package dev.drover.store.mvcc;

/**
 * Observes what {@link MvccStore} applies, so clock-driven parts (lease deadlines) and the watch
 * hub can follow the deterministic state without ever influencing it. Called on the applying
 * thread, in apply order; implementations must be quick and must not call back into a write.
 */
public interface ApplyListener {

  /** A write produced this new revision (or a snapshot load moved the store to it). */
  default void onRevision(long revision) {}

  /** A lease was granted or kept alive; its full TTL starts now. */
  default void onLeaseRefreshed(long id, long ttlSeconds, long refreshCount) {}

  /** A lease was revoked or expired. */
  default void onLeaseRemoved(long id) {}

  /** The whole state was replaced from a snapshot. */
  default void onRestored() {}
}
