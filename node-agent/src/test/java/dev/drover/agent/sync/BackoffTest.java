package dev.drover.agent.sync;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The restart and pull back-off: doubling up to the cap, and the reset after a long run. */
class BackoffTest {

  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private Backoff backoff =
      new Backoff(Duration.ofSeconds(10), Duration.ofMinutes(5), Duration.ofMinutes(10));

  /** Records a failure and returns the delay it set. */
  private Duration fail(Instant at, Duration ranFor) {
    backoff = backoff.failed(at, ranFor);
    return backoff.lastDelay();
  }

  @Test
  void doublesFromTheInitialDelayUpToTheCap() {
    Duration[] expected = {
      Duration.ofSeconds(10), Duration.ofSeconds(20), Duration.ofSeconds(40),
      Duration.ofSeconds(80), Duration.ofSeconds(160), Duration.ofMinutes(5),
      Duration.ofMinutes(5)
    };
    Instant at = T0;
    for (Duration d : expected) {
      assertThat(fail(at, Duration.ofSeconds(1))).isEqualTo(d);
      assertThat(backoff.waiting(at.plus(d).minusMillis(1))).isTrue();
      assertThat(backoff.waiting(at.plus(d))).isFalse();
      at = at.plus(d);
    }
  }

  @Test
  void aRunOfTenMinutesStartsAgainFromTheInitialDelay() {
    fail(T0, Duration.ofSeconds(1));
    fail(T0, Duration.ofSeconds(1));
    assertThat(fail(T0, Duration.ofMinutes(10).minusSeconds(1))).isEqualTo(Duration.ofSeconds(40));
    // Ran for the whole reset period: the previous failures no longer count.
    assertThat(fail(T0, Duration.ofMinutes(10))).isEqualTo(Duration.ofSeconds(10));
    assertThat(fail(T0, Duration.ZERO)).isEqualTo(Duration.ofSeconds(20));
  }

  @Test
  void resetForgetsEverything() {
    fail(T0, Duration.ZERO);
    fail(T0, Duration.ZERO);
    backoff = backoff.reset();
    assertThat(backoff.waiting(T0)).isFalse();
    assertThat(backoff.lastDelay()).isNull();
    assertThat(fail(T0, Duration.ZERO)).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void aFailureLeavesTheEarlierValueUnchanged() {
    Backoff before = backoff;
    fail(T0, Duration.ZERO);
    assertThat(before.lastDelay()).isNull();
    assertThat(before.waiting(T0)).isFalse();
  }

  @Test
  void backoffDoublesUpToTheMaximumAndResetsAfterALongRun() {
    backoff = new Backoff(Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofMinutes(10));
    Instant t = Instant.parse("2026-01-01T00:00:00Z");
    assertThat(fail(t, Duration.ZERO)).isEqualTo(Duration.ofSeconds(10));
    assertThat(backoff.waiting(t.plusSeconds(9))).isTrue();
    assertThat(backoff.waiting(t.plusSeconds(10))).isFalse();
    assertThat(fail(t, Duration.ofSeconds(1))).isEqualTo(Duration.ofSeconds(20));
    assertThat(fail(t, Duration.ofSeconds(1))).isEqualTo(Duration.ofSeconds(30));
    assertThat(fail(t, Duration.ofSeconds(1))).isEqualTo(Duration.ofSeconds(30));
    assertThat(fail(t, Duration.ofMinutes(10))).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void aLinearBackoffGrowsByItsStepUpToTheCapAndCountsFailures() {
    backoff = Backoff.linear(Duration.ofMillis(250), Duration.ofSeconds(5));
    for (int n = 1; n <= 25; n++) {
      assertThat(fail(T0, Duration.ZERO)).isEqualTo(Duration.ofMillis(Math.min(5000, 250L * n)));
      assertThat(backoff.failures()).isEqualTo(n);
    }
    backoff = backoff.reset();
    assertThat(backoff.failures()).isZero();
    assertThat(fail(T0, Duration.ZERO)).isEqualTo(Duration.ofMillis(250));
  }
}
