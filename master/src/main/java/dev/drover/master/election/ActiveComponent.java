package dev.drover.master.election;

/**
 * A part of the master that may run on one master at a time: the scheduler and the controllers. The
 * master starts it when this master becomes the active one and stops it, before another master can
 * take over, when it loses the role. Both calls come from the election thread and must return
 * promptly; {@link #stop()} must leave no thread writing. The election pairs every start with one
 * stop.
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

  /**
   * True when every write of this component first checks {@link ActiveMasterElection#holdsLease()}
   * (and fails when it is false). Such a component is left running, with its state, while this
   * master's renewal is late but its lease cannot have been taken yet: its writes fail meanwhile,
   * and when the renewal comes through it goes on at once instead of starting over. The others are
   * stopped at the renewal deadline and started again after such a renewal.
   */
  default boolean fencedByLease() {
    return false;
  }
}
