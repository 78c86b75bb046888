package dev.drover.bench;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Measured polling for the harnesses that wait on systems with no event to wait for (a Docker
 * daemon's containers, a node's condition): every poll has a stated interval, and a wait has a
 * limit after which it fails with what it waited for.
 */
public final class Poll {
  /** Interval of {@link #until} and {@link #retry}. */
  public static final int INTERVAL_MS = 100;

  private Poll() {}

  /** Parks this thread for {@code ms} milliseconds (the interval between two polls). */
  public static void pause(long ms) {
    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(ms));
  }

  /**
   * Asks {@code done} every {@value #INTERVAL_MS} ms until it holds; an exception counts as "not
   * yet". Throws after {@code limit}.
   */
  public static void until(String what, Duration limit, BooleanSupplier done) {
    long deadline = System.nanoTime() + limit.toNanos();
    RuntimeException last = null;
    while (true) {
      try {
        if (done.getAsBoolean()) {
          return;
        }
      } catch (RuntimeException e) {
        last = e;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out after " + limit + " waiting for " + what, last);
      }
      pause(INTERVAL_MS);
    }
  }

  /**
   * Runs {@code call} every {@value #INTERVAL_MS} ms until it does not throw, for {@code limit}.
   */
  public static void retry(Duration limit, Runnable call) {
    long deadline = System.nanoTime() + limit.toNanos();
    while (true) {
      try {
        call.run();
        return;
      } catch (RuntimeException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
      }
      pause(INTERVAL_MS);
    }
  }
}
