package dev.drover.master.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.drover.testing.FakeClock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class WorkQueueTest {
  private final FakeClock clock = new FakeClock();
  private final WorkQueue queue = new WorkQueue(clock, RateLimiter.defaults(clock));

  @Test
  void deduplicatesWaitingKeys() {
    queue.add("a");
    queue.add("b");
    queue.add("a");
    assertThat(queue.poll()).contains("a");
    assertThat(queue.poll()).contains("b");
    assertThat(queue.poll()).isEmpty();
  }

  @Test
  void aKeyAddedWhileProcessedIsHandedOutOnlyAfterDone() {
    queue.add("a");
    assertThat(queue.poll()).contains("a");
    queue.add("a");
    assertThat(queue.poll()).as("not to a second worker while the first processes it").isEmpty();
    queue.done("a");
    assertThat(queue.poll()).contains("a");
    queue.done("a");
    assertThat(queue.poll()).isEmpty();
  }

  @Test
  void delayedKeysBecomeReadyWhenTheClockPasses() {
    queue.addAfter("a", Duration.ofSeconds(5));
    queue.addAfter("a", Duration.ofSeconds(2));
    assertThat(queue.poll()).isEmpty();
    clock.advance(Duration.ofSeconds(2));
    assertThat(queue.poll()).contains("a");
    queue.done("a");
    clock.advance(Duration.ofSeconds(3));
    assertThat(queue.poll()).as("the later duplicate delay was superseded").isEmpty();
  }

  @Test
  void failuresBackOffExponentiallyAndForgetResets() {
    RateLimiter limiter = RateLimiter.defaults(clock);
    assertThat(limiter.when("k")).isEqualTo(Duration.ofMillis(5));
    assertThat(limiter.when("k")).isEqualTo(Duration.ofMillis(10));
    assertThat(limiter.when("k")).isEqualTo(Duration.ofMillis(20));
    assertThat(limiter.failures("k")).isEqualTo(3);
    for (int i = 0; i < 40; i++) {
      limiter.when("k");
    }
    assertThat(limiter.when("k")).isEqualTo(Duration.ofSeconds(1000));
    limiter.forget("k");
    assertThat(limiter.when("k")).isEqualTo(Duration.ofMillis(5));
  }

  @Test
  void theOverallBucketSpreadsBurstsOfFailures() {
    RateLimiter limiter =
        new RateLimiter(clock, Duration.ofMillis(5), Duration.ofSeconds(1000), 10, 2);
    limiter.when("a");
    limiter.when("b");
    // The bucket (burst 2, 10 per second) is empty: the third distinct key waits 100 ms, not 5.
    assertThat(limiter.when("c")).isEqualTo(Duration.ofMillis(100));
    clock.advance(Duration.ofSeconds(1));
    assertThat(limiter.when("d")).isEqualTo(Duration.ofMillis(5));
  }

  @Test
  void rateLimitedKeysWaitForTheirBackoff() {
    queue.addRateLimited("k");
    assertThat(queue.poll()).isEmpty();
    clock.advance(Duration.ofMillis(5));
    assertThat(queue.poll()).contains("k");
  }

  @Test
  void takeWaitsForAKeyAndShutdownReleasesWaiters() throws Exception {
    Thread producer = new Thread(() -> queue.add("x"));
    producer.start();
    Optional<String> key = queue.take(Duration.ofSeconds(30));
    producer.join();
    assertThat(key).contains("x");
    queue.shutDown();
    assertThat(queue.take(Duration.ofSeconds(30))).isEmpty();
  }

  @Test
  void takeTimesOutByTheQueuesClock() throws Exception {
    CompletableFuture<Optional<String>> taken = takeInBackground(Duration.ofSeconds(30));
    clock.advance(Duration.ofSeconds(30));
    assertThat(taken.get(5, TimeUnit.SECONDS)).isEmpty();
  }

  @Test
  void aClockSetBackEndsATakeInsteadOfStretchingIt() throws Exception {
    CompletableFuture<Optional<String>> taken = takeInBackground(Duration.ofSeconds(30));
    clock.rewind(Duration.ofHours(1));
    assertThat(taken.get(5, TimeUnit.SECONDS)).isEmpty();
  }

  // Starts a take on another thread and checks that it is still waiting while the clock stands.
  // Returns once the take waits, so it timed itself from the clock before the test moves it.
  private CompletableFuture<Optional<String>> takeInBackground(Duration timeout) {
    CompletableFuture<Optional<String>> taken = new CompletableFuture<>();
    Thread taker =
        new Thread(
            () -> {
              try {
                taken.complete(queue.take(timeout));
              } catch (InterruptedException e) {
                taken.completeExceptionally(e);
              }
            });
    taker.setDaemon(true);
    taker.start();
    // The taker's only timed wait is the one inside take, after it read its start.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> taker.getState() == Thread.State.TIMED_WAITING);
    await()
        .during(Duration.ofMillis(300))
        .atMost(Duration.ofSeconds(2))
        .until(() -> !taken.isDone());
    return taken;
  }
}
