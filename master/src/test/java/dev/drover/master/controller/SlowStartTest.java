package dev.drover.master.controller;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SlowStartTest {
  private final ExecutorService pool = Executors.newCachedThreadPool();

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  @Test
  void runsEveryIndexOnceInDoublingBatches() {
    List<Integer> ran = Collections.synchronizedList(new ArrayList<>());
    SlowStart.Outcome outcome = SlowStart.run(50, pool, ran::add);
    assertThat(outcome.succeeded()).isEqualTo(50);
    assertThat(outcome.firstFailure()).isNull();
    assertThat(ran).containsExactlyInAnyOrderElementsOf(range(0, 50));
  }

  @Test
  void aBatchRunsConcurrently() throws Exception {
    // Batches 1, 2, 4: the four tasks of the third batch must all be running at once to pass the
    // latch; run one after another they would wait forever (bounded by the await).
    CountDownLatch together = new CountDownLatch(4);
    AtomicInteger timedOut = new AtomicInteger();
    SlowStart.Outcome outcome =
        SlowStart.run(
            7,
            pool,
            i -> {
              if (i >= 3) {
                together.countDown();
                try {
                  if (!together.await(10, TimeUnit.SECONDS)) {
                    timedOut.incrementAndGet();
                  }
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }
            });
    assertThat(outcome.succeeded()).isEqualTo(7);
    assertThat(timedOut).hasValue(0);
  }

  @Test
  void stopsAfterTheFirstBatchWithAFailure() {
    Set<Integer> ran = ConcurrentHashMap.newKeySet();
    SlowStart.Outcome outcome =
        SlowStart.run(
            20,
            pool,
            i -> {
              ran.add(i);
              if (i == 4) {
                throw new IllegalStateException("quota exceeded");
              }
            });
    // Batches [0], [1,2], [3..6]: index 4 fails in the third, so 7.. never run.
    assertThat(ran).containsExactlyInAnyOrderElementsOf(range(0, 7));
    assertThat(outcome.succeeded()).isEqualTo(6);
    assertThat(outcome.firstFailure()).hasMessage("quota exceeded");
  }

  @Test
  void aFailingFirstCreateIsTheOnlyOneTried() {
    AtomicInteger tries = new AtomicInteger();
    SlowStart.Outcome outcome =
        SlowStart.run(
            100,
            Runnable::run,
            i -> {
              tries.incrementAndGet();
              throw new IllegalArgumentException("invalid template");
            });
    assertThat(tries).hasValue(1);
    assertThat(outcome.succeeded()).isZero();
    assertThat(outcome.firstFailure()).isInstanceOf(IllegalArgumentException.class);
  }

  private static List<Integer> range(int from, int to) {
    List<Integer> out = new ArrayList<>();
    for (int i = from; i < to; i++) {
      out.add(i);
    }
    return out;
  }
}
