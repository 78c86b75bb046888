package dev.drover.master.election;

/**
 * A part of the master that may run on one master at a time: the scheduler and the controllers. The
 * master starts it when this master becomes the active one and stops it, before another master can
 * take over, when it loses the role. Both calls come from the election thread and must return
 * promptly; {@link #stop()} must leave no thread writing.
 */
public interface ActiveComponent {
  /** Name for logs and metrics. */
  default String name() {
    return getClass().getSimpleName();
  }

  /** Starts the component's loops. Called again after a later re-election. */
  void start();

  /** Stops the loops and waits for them; after it returns the component writes nothing. */
  void stop();
}
