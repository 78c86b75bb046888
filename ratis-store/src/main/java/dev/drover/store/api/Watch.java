package dev.drover.store.api;

/** A running watch: grants demand to its listener and cancels it. */
public interface Watch extends AutoCloseable {

  /** Allows {@code n} more responses to be delivered (Long.MAX_VALUE: unbounded). */
  void request(long n);

  /** Asks for a progress notification as soon as the watcher has caught up. */
  void requestProgress();

  /** The revision the next delivered event will have at least. */
  long nextRevision();

  /** Cancels the watch; the listener gets nothing more. */
  @Override
  void close();
}
