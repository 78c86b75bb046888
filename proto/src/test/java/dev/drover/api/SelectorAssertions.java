package dev.drover.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Shared assertion for selector parse errors. */
final class SelectorAssertions {
  private SelectorAssertions() {}

  /**
   * Asserts that {@code parse} fails at {@code position} with a reason containing {@code reason}.
   */
  static void assertFailsAt(ThrowingCallable parse, int position, String reason) {
    assertThatThrownBy(parse)
        .isInstanceOfSatisfying(
            SelectorException.class,
            e -> {
              assertThat(e.position()).as("position").isEqualTo(position);
              assertThat(e.reason()).contains(reason);
              assertThat(e.getMessage()).contains("at position " + position);
            });
  }
}
