package dev.drover.master.controller;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.IntConsumer;

/**
 * Kubernetes' slow-start batching for a burst of creates: batches of 1, 2, 4, ... run concurrently,
 * each batch only after the previous one fully succeeded. N creates then cost about log2(N) store
 * round trips instead of N (concurrent writes share the store's log appends), while a template that
 * every create fails on (admission, quota) fails once or twice, not N times.
 */
public final class SlowStart {
  /** How a burst went: how many tasks succeeded, and the first failure (null when none). */
  public record Outcome(int succeeded, RuntimeException firstFailure) {}

  private SlowStart() {}

  /**
   * Runs {@code task} for the indexes {@code 0..count-1} in doubling batches on {@code executor},
   * stopping after the first batch in which a task threw; the indexes of later batches never run.
   */
  public static Outcome run(int count, Executor executor, IntConsumer task) {
    int started = 0;
    int succeeded = 0;
    for (int batch = Math.min(1, count); started < count; ) {
      List<CompletableFuture<Void>> running = new ArrayList<>(batch);
      for (int i = started; i < started + batch; i++) {
        int index = i;
        running.add(CompletableFuture.runAsync(() -> task.accept(index), executor));
      }
      started += batch;
      RuntimeException first = null;
      for (CompletableFuture<Void> f : running) {
        try {
          f.join();
          succeeded++;
        } catch (CompletionException e) {
          if (first == null) {
            first =
                e.getCause() instanceof RuntimeException re
                    ? re
                    : new IllegalStateException(e.getCause());
          }
        }
      }
      if (first != null) {
        return new Outcome(succeeded, first);
      }
      batch = Math.min(2 * batch, count - started);
    }
    return new Outcome(succeeded, null);
  }
}
