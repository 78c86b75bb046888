package dev.drover.master.scheduler;

/**
 * Where the scheduler learns about nodes and pods: typically the master's watch cache. On
 * subscription it delivers every existing node and pod as an upsert, then every change, in order
 * per object.
 */
public interface ClusterEventSource {

  /** Starts delivering to {@code handler}; closing the result stops the delivery. */
  AutoCloseable subscribe(ClusterEventHandler handler);
}
