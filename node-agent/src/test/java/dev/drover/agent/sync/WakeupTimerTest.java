package dev.drover.agent.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The pod worker's wake-up timer: earliest wins, and no wake-up is lost to a racing sync. */
class WakeupTimerTest {

  private final ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);

  WakeupTimerTest() {
    // As PodSyncer's: a cancelled wake-up leaves the queue at once.
    scheduler.setRemoveOnCancelPolicy(true);
  }

  @AfterEach
  void tearDown() {
    scheduler.shutdownNow();
  }

  /**
   * The stall SimulatedAgentTest's back-off cases once showed: the timer fires a little before the
   * deadline the worker computed, and the sync it triggers asks again for that same deadline before
   * the timer thread has marked the firing done. That request must schedule a new wake-up. Modelled
   * by a timer that fires at once whatever the delay, and an action that asks again from inside the
   * firing.
   */
  @Test
  void aWakeUpAskedForWhileTheLastOneFiresIsNotLost() {
    ScheduledThreadPoolExecutor early =
        new ScheduledThreadPoolExecutor(1) {
          @Override
          public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
            return super.schedule(command, 0, unit);
          }
        };
    try {
      AtomicInteger runs = new AtomicInteger();
      AtomicReference<WakeupTimer> timer = new AtomicReference<>();
      timer.set(
          new WakeupTimer(
              early,
              () -> {
                if (runs.incrementAndGet() < 5) {
                  timer.get().wakeIn(Duration.ofHours(1));
                }
              }));
      timer.get().wakeIn(Duration.ofHours(1));
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(runs).hasValue(5));
    } finally {
      early.shutdownNow();
    }
  }

  @Test
  void anEarlierRequestReplacesALaterOne() {
    AtomicInteger runs = new AtomicInteger();
    WakeupTimer timer = new WakeupTimer(scheduler, runs::incrementAndGet);
    timer.wakeIn(Duration.ofHours(1));
    long start = System.nanoTime();
    timer.wakeIn(Duration.ofMillis(20));
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(runs).hasValue(1));
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isGreaterThanOrEqualTo(Duration.ofMillis(20));
    // The hour-long one was cancelled, not left queued beside the new one.
    assertThat(scheduler.getQueue()).isEmpty();
  }

  @Test
  void aLaterRequestKeepsThePendingEarlierOne() {
    AtomicInteger runs = new AtomicInteger();
    WakeupTimer timer = new WakeupTimer(scheduler, runs::incrementAndGet);
    // Long enough that the first wake-up is still queued when the queue is looked at, even on a
    // loaded machine (20 ms was not: the task had left the queue to run).
    timer.wakeIn(Duration.ofSeconds(1));
    timer.wakeIn(Duration.ofHours(1));
    assertThat(scheduler.getQueue()).hasSize(1);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(runs).hasValue(1));
    assertThat(scheduler.getQueue()).isEmpty();
  }

  @Test
  void cancelDropsThePendingWakeUp() {
    AtomicInteger runs = new AtomicInteger();
    WakeupTimer timer = new WakeupTimer(scheduler, runs::incrementAndGet);
    timer.wakeIn(Duration.ofHours(1));
    timer.cancel();
    assertThat(scheduler.getQueue()).isEmpty();
    timer.wakeIn(Duration.ofMillis(1));
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(runs).hasValue(1));
  }
}
