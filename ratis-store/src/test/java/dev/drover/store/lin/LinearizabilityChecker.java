package dev.drover.store.lin;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Decides whether a history of operations on one register is linearizable, in the style of Wing and
 * Gong's search with Lowe's memoization: repeatedly pick an operation that may take effect next
 * (invoked before every pending operation's response), apply it to the model, and backtrack on
 * inconsistency; remember (linearized set, state) pairs already explored. Operations with unknown
 * outcome may take effect at any point after their invocation, or never. Keys are independent
 * registers, so a multi-key history is checked key by key.
 */
public final class LinearizabilityChecker {
  private final List<RegisterOp> ops;
  private final Set<Visit> visited = new HashSet<>();
  private final int mustLinearize;
  private long steps;
  private final long stepBudget;

  private record Visit(BitSet done, String state) {}

  private LinearizabilityChecker(List<RegisterOp> history, long stepBudget) {
    this.ops = new ArrayList<>(history);
    this.ops.sort(Comparator.comparingLong(RegisterOp::invoke));
    int n = 0;
    for (RegisterOp op : ops) {
      if (op.determinate()) {
        n++;
      }
    }
    this.mustLinearize = n;
    this.stepBudget = stepBudget;
  }

  /** The outcome of a check. */
  public enum Result {
    LINEARIZABLE,
    NOT_LINEARIZABLE,
    GAVE_UP
  }

  /** Checks one register's history, starting from {@code initial} (null: absent). */
  public static Result check(List<RegisterOp> history, String initial) {
    return check(history, initial, 5_000_000);
  }

  /** As {@link #check(List, String)}, giving up after {@code stepBudget} search steps. */
  public static Result check(List<RegisterOp> history, String initial, long stepBudget) {
    LinearizabilityChecker c = new LinearizabilityChecker(history, stepBudget);
    try {
      return c.search(new BitSet(c.ops.size()), 0, initial)
          ? Result.LINEARIZABLE
          : Result.NOT_LINEARIZABLE;
    } catch (BudgetExceeded e) {
      return Result.GAVE_UP;
    }
  }

  private static final class BudgetExceeded extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BudgetExceeded() {
      super(null, null, false, false);
    }
  }

  private boolean search(BitSet done, int determinateDone, String state) {
    if (determinateDone == mustLinearize) {
      return true;
    }
    if (!visited.add(new Visit((BitSet) done.clone(), state))) {
      return false;
    }
    if (++steps > stepBudget) {
      throw new BudgetExceeded();
    }
    // Every pending operation must take effect before the earliest pending response.
    long minResponse = Long.MAX_VALUE;
    for (int i = done.nextClearBit(0); i < ops.size(); i = done.nextClearBit(i + 1)) {
      minResponse = Math.min(minResponse, ops.get(i).response());
    }
    for (int i = done.nextClearBit(0); i < ops.size(); i = done.nextClearBit(i + 1)) {
      RegisterOp op = ops.get(i);
      if (op.invoke() > minResponse) {
        break; // sorted by invocation: no later operation can go next either
      }
      String next = op.apply(state);
      if (next == RegisterOp.INCONSISTENT) {
        continue;
      }
      done.set(i);
      boolean ok = search(done, determinateDone + (op.determinate() ? 1 : 0), next);
      done.clear(i);
      if (ok) {
        return true;
      }
    }
    return false;
  }
}
