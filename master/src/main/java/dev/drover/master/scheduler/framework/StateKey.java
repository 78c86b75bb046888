package dev.drover.master.scheduler.framework;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A typed slot of {@link CycleState} that one plugin writes in its pre-filter step and reads for
 * each node: a plain array index, so reading it costs no hashing on the per-node path.
 *
 * @param <T> the type of the value kept in the slot
 */
public final class StateKey<T> {

  private static final AtomicInteger NEXT = new AtomicInteger();

  final String name;
  final int index;

  private StateKey(String name, int index) {
    this.name = name;
    this.index = index;
  }

  /** A new slot; plugins create theirs once, in a static field. */
  public static <T> StateKey<T> create(String name) {
    return new StateKey<>(name, NEXT.getAndIncrement());
  }

  static int count() {
    return NEXT.get();
  }

  @Override
  public String toString() {
    return name;
  }
}
