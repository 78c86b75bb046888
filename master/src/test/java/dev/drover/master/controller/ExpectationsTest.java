package dev.drover.master.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.testing.FakeClock;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ExpectationsTest {
  private final FakeClock clock = new FakeClock();
  private final Expectations expectations = new Expectations(clock, Duration.ofMinutes(5));

  @Test
  void satisfiedOnlyWhenEveryCreateAndDeleteWasObserved() {
    assertThat(expectations.satisfied("rs")).isTrue();
    expectations.expectCreations("rs", 2);
    expectations.expectDeletions("rs", Set.of("u1"));
    assertThat(expectations.satisfied("rs")).isFalse();
    expectations.creationObserved("rs");
    expectations.creationObserved("rs");
    assertThat(expectations.satisfied("rs")).isFalse();
    expectations.deletionObserved("rs", "u1");
    assertThat(expectations.satisfied("rs")).isTrue();
  }

  @Test
  void outstandingExpectationsExpire() {
    expectations.expectCreations("rs", 1);
    clock.advance(Duration.ofMinutes(4));
    assertThat(expectations.satisfied("rs")).isFalse();
    clock.advance(Duration.ofMinutes(1));
    assertThat(expectations.satisfied("rs")).isTrue();
  }

  @Test
  void forgetDropsTheKey() {
    expectations.expectCreations("rs", 1);
    expectations.forget("rs");
    assertThat(expectations.satisfied("rs")).isTrue();
  }
}
