package dev.drover.agent.sync;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The one pending timed wake-up of a pod worker: keeps the earliest one asked for and never drops
 * one that has not fired yet.
 *
 * <p>A wake-up counts as pending only until its task begins to run, not until its future is done:
 * the task queues a sync, and that sync may run (and ask for the next wake-up) on another thread
 * before the timer thread marks the future done. Judging by the future, as this code once did, a
 * sync woken a little before its deadline (timer granularity, or a different clock) that asked
 * again for that same deadline was told a wake-up was already pending - the very one that had just
 * fired - and the pod then slept until something else touched it.
 */
final class WakeupTimer {

  private final ScheduledExecutorService scheduler;
  private final Runnable action;
  // Guarded by "this".
  private Pending pending;

  WakeupTimer(ScheduledExecutorService scheduler, Runnable action) {
    this.scheduler = scheduler;
    this.action = action;
  }

  /** Makes sure the action runs within {@code delay}, keeping an earlier pending wake-up. */
  synchronized void wakeIn(Duration delay) {
    long nanos = Math.max(0, delay.toNanos());
    long at = System.nanoTime() + nanos;
    Pending current = pending;
    if (current != null && !current.fired && current.at - at <= 0) {
      return;
    }
    if (current != null) {
      current.future.cancel(false);
    }
    Pending next = new Pending(at);
    next.future = scheduler.schedule(next, nanos, TimeUnit.NANOSECONDS);
    pending = next;
  }

  /** Drops the pending wake-up, if any. */
  synchronized void cancel() {
    if (pending != null) {
      pending.future.cancel(false);
      pending = null;
    }
  }

  private final class Pending implements Runnable {
    final long at;
    // Set before the action runs, so a sync the action queued always sees it.
    volatile boolean fired;
    ScheduledFuture<?> future;

    Pending(long at) {
      this.at = at;
    }

    @Override
    public void run() {
      fired = true;
      action.run();
    }
  }
}
