package dev.drover.store.lin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.drover.store.lin.LinearizabilityChecker.Result;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The checker accepts linearizable histories and rejects the classic anomalies. */
class LinearizabilityCheckerTest {
  private static final long U = RegisterOp.UNKNOWN;

  @Test
  void sequentialHistoryIsLinearizable() {
    List<RegisterOp> h =
        List.of(
            RegisterOp.put(1, "a", 0, 1),
            RegisterOp.get(2, "a", 2, 3),
            RegisterOp.cas(1, "a", "b", true, 4, 5),
            RegisterOp.cas(2, "a", "c", false, 6, 7),
            RegisterOp.get(2, "b", 8, 9));
    assertThat(LinearizabilityChecker.check(h, null)).isEqualTo(Result.LINEARIZABLE);
  }

  @Test
  void concurrentWritesMayBeOrderedEitherWay() {
    List<RegisterOp> h =
        List.of(
            RegisterOp.put(1, "a", 0, 10),
            RegisterOp.put(2, "b", 1, 9),
            RegisterOp.get(3, "a", 11, 12));
    assertThat(LinearizabilityChecker.check(h, null)).isEqualTo(Result.LINEARIZABLE);
  }

  @Test
  void staleReadAfterACompletedWriteIsRejected() {
    List<RegisterOp> h =
        List.of(
            RegisterOp.put(1, "a", 0, 1),
            RegisterOp.put(1, "b", 2, 3),
            RegisterOp.get(2, "a", 4, 5));
    assertThat(LinearizabilityChecker.check(h, null)).isEqualTo(Result.NOT_LINEARIZABLE);
  }

  @Test
  void readsGoingBackInTimeAreRejected() {
    // Both reads overlap the write, but once a reader saw "b" a later read cannot see "a".
    List<RegisterOp> h =
        List.of(
            RegisterOp.put(1, "a", 0, 1),
            RegisterOp.put(1, "b", 2, 20),
            RegisterOp.get(2, "b", 3, 4),
            RegisterOp.get(3, "a", 5, 6));
    assertThat(LinearizabilityChecker.check(h, null)).isEqualTo(Result.NOT_LINEARIZABLE);
  }

  @Test
  void twoSuccessfulCasFromTheSameValueAreRejected() {
    List<RegisterOp> h =
        List.of(
            RegisterOp.put(1, "a", 0, 1),
            RegisterOp.cas(1, "a", "b", true, 2, 10),
            RegisterOp.cas(2, "a", "c", true, 3, 11));
    assertThat(LinearizabilityChecker.check(h, null)).isEqualTo(Result.NOT_LINEARIZABLE);
  }

  @Test
  void unknownOutcomeWriteMayOrMayNotHaveHappened() {
    List<RegisterOp> took =
        List.of(
            RegisterOp.put(1, "a", 0, 1),
            RegisterOp.put(2, "x", 2, U),
            RegisterOp.get(3, "x", 10, 11),
            RegisterOp.get(3, "x", 12, 13));
    assertThat(LinearizabilityChecker.check(took, null)).isEqualTo(Result.LINEARIZABLE);
    List<RegisterOp> never =
        List.of(
            RegisterOp.put(1, "a", 0, 1),
            RegisterOp.put(2, "x", 2, U),
            RegisterOp.get(3, "a", 10, 11));
    assertThat(LinearizabilityChecker.check(never, null)).isEqualTo(Result.LINEARIZABLE);
    List<RegisterOp> flicker =
        List.of(
            RegisterOp.put(1, "a", 0, 1),
            RegisterOp.put(2, "x", 2, U),
            RegisterOp.get(3, "x", 10, 11),
            RegisterOp.get(3, "a", 12, 13));
    assertThat(LinearizabilityChecker.check(flicker, null)).isEqualTo(Result.NOT_LINEARIZABLE);
  }

  @Test
  void unknownWriteCannotTakeEffectBeforeItWasInvoked() {
    List<RegisterOp> h = List.of(RegisterOp.get(1, "x", 0, 1), RegisterOp.put(2, "x", 5, U));
    assertThat(LinearizabilityChecker.check(h, null)).isEqualTo(Result.NOT_LINEARIZABLE);
  }
}
