package dev.drover.e2e.check;

import dev.drover.store.lin.LinearizabilityChecker;
import dev.drover.store.lin.RegisterOp;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Operations on a set of registers (keys) as clients saw them, checked with the store's {@link
 * LinearizabilityChecker} key by key. A key whose history is not linearizable is a violation (its
 * history is written to a file named in the violation); one the search gave up on is counted apart,
 * never silently passed.
 */
public final class RegisterHistory {

  private final String name;
  private final Map<String, List<RegisterOp>> byKey = new ConcurrentHashMap<>();

  /** A history named {@code name} (in reports and dump files). */
  public RegisterHistory(String name) {
    this.name = name;
  }

  /** Records {@code op} on {@code key}. */
  public void add(String key, RegisterOp op) {
    byKey.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>()).add(op);
  }

  /** Operations recorded so far. */
  public int size() {
    return byKey.values().stream().mapToInt(List::size).sum();
  }

  /** The result of checking every key. */
  public record Result(int operations, int keys, List<String> violations, int gaveUp) {}

  /** Checks every key's history (from an absent key); dumps failing ones under {@code dumpDir}. */
  public Result check(Path dumpDir) {
    List<String> violations = new ArrayList<>();
    int gaveUp = 0;
    for (Map.Entry<String, List<RegisterOp>> e : byKey.entrySet()) {
      List<RegisterOp> ops = List.copyOf(e.getValue());
      LinearizabilityChecker.Result r = checkWithDeepStack(ops);
      if (r == LinearizabilityChecker.Result.GAVE_UP) {
        gaveUp++;
      } else if (r == LinearizabilityChecker.Result.NOT_LINEARIZABLE) {
        violations.add(
            name + " key " + e.getKey() + " is not linearizable; history in " + dump(dumpDir, e));
      }
    }
    return new Result(size(), byKey.size(), violations, gaveUp);
  }

  /**
   * The checker's search recurses once per operation linearized, so a key's history of minutes
   * (thousands of operations) overflows a default thread stack (a 10-run node-failure measurement
   * did): it runs on a thread of its own with a 1 GiB stack.
   */
  private static LinearizabilityChecker.Result checkWithDeepStack(List<RegisterOp> ops) {
    LinearizabilityChecker.Result[] out = new LinearizabilityChecker.Result[1];
    Throwable[] failed = new Throwable[1];
    Thread t =
        new Thread(
            null,
            () -> {
              try {
                out[0] = LinearizabilityChecker.check(ops, null);
              } catch (Throwable x) {
                failed[0] = x;
              }
            },
            "linearizability-check",
            1L << 30);
    t.start();
    try {
      t.join();
    } catch (InterruptedException x) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted checking a history", x);
    }
    if (failed[0] != null) {
      throw new IllegalStateException(
          "checking a history of " + ops.size() + " operations", failed[0]);
    }
    return out[0];
  }

  private String dump(Path dir, Map.Entry<String, List<RegisterOp>> e) {
    Path out = dir.resolve("lin-" + name + "-" + e.getKey().replace('/', '_') + ".txt");
    try {
      Files.createDirectories(dir);
      Files.write(out, e.getValue().stream().map(RegisterOp::toString).toList());
      return out.toAbsolutePath().toString();
    } catch (IOException x) {
      throw new UncheckedIOException(x);
    }
  }
}
