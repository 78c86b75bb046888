package dev.drover.master.api;

import io.grpc.Status;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The long-lived streams (watches, logs) this master serves, so that a graceful shutdown can end
 * each with UNAVAILABLE and clients resume on another master at once instead of waiting for a
 * broken connection.
 */
public final class StreamRegistry {
  /** Something that ends one stream with a status. */
  public interface Stream {
    /** Ends the stream with the status (idempotent). */
    void abort(Status status);
  }

  private final Set<Stream> open = ConcurrentHashMap.newKeySet();
  private volatile boolean draining;

  /** Tracks a stream; false when the master is draining (the caller fails the call). */
  public boolean add(Stream s) {
    if (draining) {
      return false;
    }
    open.add(s);
    return true;
  }

  /** Stops tracking a stream that ended. */
  public void remove(Stream s) {
    open.remove(s);
  }

  /** Number of open streams. */
  public int size() {
    return open.size();
  }

  /** Refuses new streams and ends every open one with UNAVAILABLE. */
  public void drain() {
    draining = true;
    Status s =
        Status.UNAVAILABLE.withDescription("master is shutting down; resume on another master");
    for (Stream x : open) {
      x.abort(s);
    }
    open.clear();
  }
}
