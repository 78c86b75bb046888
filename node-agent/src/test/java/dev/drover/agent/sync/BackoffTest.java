package dev.drover.agent.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The restart and pull back-off: doubling up to the cap, and the reset after a long run. */
class BackoffTest {

  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private final Backoff backoff =
      new Backoff(Duration.ofSeconds(10), Duration.ofMinutes(5), Duration.ofMinutes(10));

  @Test
  void doublesFromTheInitialDelayUpToTheCap() {
    Duration[] expected = {
      Duration.ofSeconds(10), Duration.ofSeconds(20), Duration.ofSeconds(40),
      Duration.ofSeconds(80), Duration.ofSeconds(160), Duration.ofMinutes(5),
      Duration.ofMinutes(5)
    };
    Instant at = T0;
    for (Duration d : expected) {
      assertThat(backoff.failed(at, Duration.ofSeconds(1))).isEqualTo(d);
      assertThat(backoff.waiting(at.plus(d).minusMillis(1))).isTrue();
      assertThat(backoff.waiting(at.plus(d))).isFalse();
      at = at.plus(d);
    }
  }

  @Test
  void aRunOfTenMinutesStartsAgainFromTheInitialDelay() {
    backoff.failed(T0, Duration.ofSeconds(1));
    backoff.failed(T0, Duration.ofSeconds(1));
    assertThat(backoff.failed(T0, Duration.ofMinutes(10).minusSeconds(1)))
        .isEqualTo(Duration.ofSeconds(40));
    // Ran for the whole reset period: the previous failures no longer count.
    assertThat(backoff.failed(T0, Duration.ofMinutes(10))).isEqualTo(Duration.ofSeconds(10));
    assertThat(backoff.failed(T0, Duration.ZERO)).isEqualTo(Duration.ofSeconds(20));
  }

  @Test
  void resetForgetsEverything() {
    backoff.failed(T0, Duration.ZERO);
    backoff.failed(T0, Duration.ZERO);
    backoff.reset();
    assertThat(backoff.waiting(T0)).isFalse();
    assertThat(backoff.lastDelay()).isNull();
    assertThat(backoff.failed(T0, Duration.ZERO)).isEqualTo(Duration.ofSeconds(10));
  }
}
