package dev.drover.master.scheduler;

import static dev.drover.master.scheduler.Fixtures.node;
import static dev.drover.master.scheduler.Fixtures.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.drover.api.v1.Pod;
import dev.drover.master.events.EventRecorder;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The scheduling loop against an in-memory cluster: binding, backoff, requeue, preemption. */
class SchedulerLoopTest {

  private static final Duration LONG = Duration.ofSeconds(30);

  private final FakeCluster cluster = new FakeCluster();

  /** The loop's clock; it only moves when a test moves it. */
  private final AtomicLong clock = new AtomicLong(1_000_000_000L);

  private SchedulerLoop loop;

  private SchedulerLoop start() {
    loop =
        new SchedulerLoop(
            SchedulerConfig.defaults(5),
            SchedulerLoop.DEFAULT_SCHEDULER_NAME,
            cluster,
            cluster,
            cluster,
            new EventRecorder(cluster, java.time.Clock.systemUTC(), "test-scheduler"),
            cluster,
            clock::get);
    loop.start();
    return loop;
  }

  @AfterEach
  void stop() {
    if (loop != null) {
      loop.close();
    }
  }

  @Test
  void bindsEveryPendingPodExactlyOnceWithoutOvercommit() {
    for (int i = 0; i < 3; i++) {
      cluster.addNode(node("n" + i).cpu("4").build());
    }
    for (int i = 0; i < 30; i++) {
      cluster.addPod(pod("early" + i).cpu("100m").build());
    }
    start();
    for (int i = 0; i < 30; i++) {
      cluster.addPod(pod("late" + i).cpu("200m").build());
    }

    await().atMost(LONG).until(() -> cluster.bindsPerPod.size() == 60);
    assertThat(cluster.bindsPerPod.values()).allMatch(n -> n == 1);
    Map<String, Long> cpu = new HashMap<>();
    for (Pod p : cluster.pods.values()) {
      long m = p.getMetadata().getName().startsWith("early") ? 100 : 200;
      cpu.merge(p.getSpec().getNodeName(), m, Long::sum);
    }
    assertThat(cpu.values()).allMatch(m -> m <= 4000);
    // Spread: every node got some of the pods.
    assertThat(cpu).hasSize(3);
    // The writer records a batch's Scheduled events once the binder answered for the whole batch.
    await()
        .atMost(LONG)
        .until(
            () -> cluster.events.stream().anyMatch(e -> e.startsWith("Scheduled default/late0: ")));
    await().atMost(LONG).until(() -> loop.boundCount() == 60);
  }

  @Test
  void unschedulablePodIsReportedAndPlacedAtOnceWhenAFittingNodeJoins() {
    cluster.addNode(node("small").cpu("1").build());
    cluster.addPod(pod("big").cpu("8").build());
    start();

    await().atMost(LONG).until(() -> cluster.unschedulable.containsKey("default/big"));
    assertThat(cluster.unschedulable.get("default/big"))
        .isEqualTo("0/1 nodes are available: 1 Insufficient cpu.");
    await()
        .atMost(LONG)
        .until(
            () ->
                cluster.events.contains(
                    "FailedScheduling default/big: 0/1 nodes are available: 1 Insufficient cpu."));

    // The clock never moves, so backoff alone would never retry: only the node event does.
    long start = System.nanoTime();
    cluster.addNode(node("large").cpu("16").build());
    await().atMost(LONG).until(() -> "large".equals(cluster.nodeOf("default/big")));
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    System.out.println("placed " + millis + " ms after the node joined");
  }

  @Test
  void podDeletionRequeuesPodsThatDidNotFit() {
    cluster.addNode(node("n1").cpu("2").build());
    cluster.addPod(pod("hog").cpu("2").nodeName("n1").build());
    cluster.addPod(pod("waiting").cpu("1").build());
    start();
    await().atMost(LONG).until(() -> cluster.unschedulable.containsKey("default/waiting"));

    cluster.deletePod("default/hog");

    await().atMost(LONG).until(() -> "n1".equals(cluster.nodeOf("default/waiting")));
  }

  @Test
  void backoffStartsAtOneSecondAndDoublesUpToTen() {
    cluster.addNode(node("small").cpu("1").build());
    cluster.addPod(pod("big").cpu("8").build());
    start();
    await().atMost(LONG).until(() -> loop.attemptCount() == 1);

    long[] backoffsMillis = {1000, 2000, 4000, 8000, 10000, 10000};
    for (int i = 0; i < backoffsMillis.length; i++) {
      long attempts = i + 1;
      advance(backoffsMillis[i] - 1);
      await()
          .during(Duration.ofMillis(400))
          .atMost(LONG)
          .until(() -> loop.attemptCount() == attempts);
      advance(1);
      await().atMost(LONG).until(() -> loop.attemptCount() == attempts + 1);
    }
    // The message did not change, so status and event were written once.
    assertThat(cluster.events.stream().filter(e -> e.startsWith("FailedScheduling"))).hasSize(1);
  }

  private void advance(long millis) {
    clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
  }

  @Test
  void conflictingBindForgetsTheAssumptionAndUsesTheFreshView() {
    cluster.addNode(node("n1").cpu("1").build());
    cluster.addNode(node("n2").cpu("1").build());
    AtomicBoolean raced = new AtomicBoolean();
    // Another scheduler binds "first" to the other node just before our CAS. Flagged only once
    // that binding is in the cluster (its event queued for the loop ahead of "second"): a pod
    // added earlier could be placed against the assumption alone, before anything said that
    // "first" went elsewhere.
    cluster.interceptor =
        b -> {
          if (b.name().equals("first") && !raced.get()) {
            cluster.bindElsewhere("default/first", b.nodeName().equals("n1") ? "n2" : "n1");
            raced.set(true);
            return Binder.Outcome.CONFLICT;
          }
          return null;
        };
    start();
    cluster.addPod(pod("first").cpu("1").build());
    await().atMost(LONG).until(raced::get);
    cluster.addPod(pod("second").cpu("1").build());

    await().atMost(LONG).until(() -> !cluster.nodeOf("default/second").isEmpty());
    assertThat(cluster.nodeOf("default/second")).isNotEqualTo(cluster.nodeOf("default/first"));
    assertThat(cluster.bindsPerPod).doesNotContainKey("default/first");
  }

  @Test
  void transientBindFailuresAreRetried() {
    cluster.addNode(node("n1").build());
    AtomicInteger failures = new AtomicInteger();
    cluster.interceptor = b -> failures.incrementAndGet() <= 2 ? Binder.Outcome.CONFLICT : null;
    start();
    cluster.addPod(pod("p").build());

    await().atMost(LONG).until(() -> "n1".equals(cluster.nodeOf("default/p")));
    assertThat(cluster.bindsPerPod.get("default/p")).isEqualTo(1);
    assertThat(failures.get()).isEqualTo(3);
  }

  @Test
  void bindingsAreBatchedWhileTheBinderIsBusy() throws Exception {
    cluster.addNode(node("n1").pods(500).build());
    CountDownLatch release = new CountDownLatch(1);
    AtomicBoolean first = new AtomicBoolean(true);
    cluster.beforeBind =
        () -> {
          if (first.getAndSet(false)) {
            try {
              release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        };
    start();
    for (int i = 0; i < 50; i++) {
      cluster.addPod(pod("p" + i).build());
    }
    await().atMost(LONG).until(() -> loop.scheduledCount() == 50);
    release.countDown();

    await().atMost(LONG).until(() -> cluster.bindsPerPod.size() == 50);
    assertThat(cluster.bindBatchSizes).anyMatch(n -> n > 1);
  }

  @Test
  void highPriorityPodPreemptsLowerPriorityPods() {
    cluster.addNode(node("n1").cpu("2").build());
    cluster.addPod(pod("low1").cpu("1").priority(1).nodeName("n1").build());
    cluster.addPod(pod("low2").cpu("1").priority(2).nodeName("n1").build());
    start();
    cluster.addPod(pod("high").cpu("1").priority(100).build());

    await().atMost(LONG).until(() -> "n1".equals(cluster.nodeOf("default/high")));
    assertThat(cluster.evicted).containsExactly("default/low1");
    assertThat(cluster.nominated).containsEntry("default/high", "n1");
    assertThat(cluster.pods).containsKey("default/low2");
    assertThat(loop.preemptionCount()).isEqualTo(1);
    assertThat(cluster.events).anyMatch(e -> e.startsWith("Preempted default/low1: "));
  }

  @Test
  void roomFreedForANominatedPodIsNotTakenByALowerPriorityPod() {
    cluster.addNode(node("n1").cpu("2").build());
    cluster.addPod(pod("low1").cpu("1").priority(1).nodeName("n1").build());
    cluster.addPod(pod("low2").cpu("1").priority(2).nodeName("n1").build());
    cluster.holdEvicted = true;
    start();
    cluster.addPod(pod("high").cpu("2").priority(100).build());
    await().atMost(LONG).until(() -> cluster.evicted.size() == 2);
    assertThat(cluster.nominated).containsEntry("default/high", "n1");

    // One victim is gone: its CPU is free, but kept for "high", which still waits for low2.
    cluster.deletePod("default/low1");
    cluster.addPod(pod("sneaky").cpu("1").priority(0).build());
    await().atMost(LONG).until(() -> cluster.unschedulable.containsKey("default/sneaky"));
    assertThat(cluster.nodeOf("default/sneaky")).isEmpty();
    assertThat(cluster.unschedulable.get("default/sneaky")).contains("Insufficient cpu");

    cluster.deletePod("default/low2");
    await().atMost(LONG).until(() -> "n1".equals(cluster.nodeOf("default/high")));
    assertThat(loop.preemptionCount()).isEqualTo(1);
    assertThat(cluster.nodeOf("default/sneaky")).isEmpty();
  }

  @Test
  void equalPriorityPodDoesNotPreempt() {
    cluster.addNode(node("n1").cpu("1").build());
    cluster.addPod(pod("running").cpu("1").nodeName("n1").build());
    start();
    cluster.addPod(pod("waiting").cpu("1").build());

    await().atMost(LONG).until(() -> cluster.unschedulable.containsKey("default/waiting"));
    assertThat(cluster.evicted).isEmpty();
    assertThat(loop.preemptionCount()).isZero();
  }

  @Test
  void podsOfOtherSchedulersAreLeftAlone() {
    cluster.addNode(node("n1").build());
    cluster.addPod(pod("theirs").schedulerName("other-scheduler").build());
    cluster.addPod(pod("ours").schedulerName(SchedulerLoop.DEFAULT_SCHEDULER_NAME).build());
    start();

    await().atMost(LONG).until(() -> "n1".equals(cluster.nodeOf("default/ours")));
    await()
        .during(Duration.ofMillis(300))
        .atMost(LONG)
        .until(() -> cluster.nodeOf("default/theirs").isEmpty());
    assertThat(loop.attemptCount()).isEqualTo(1);
  }

  @Test
  void podWithABadSpecIsReportedWithTheField() {
    cluster.addNode(node("n1").build());
    start();
    cluster.addPod(pod("bad").cpu("lots").build());

    await().atMost(LONG).until(() -> cluster.unschedulable.containsKey("default/bad"));
    assertThat(cluster.unschedulable.get("default/bad"))
        .contains("spec.containers[0].resources.requests[cpu]");
    assertThat(loop.attemptCount()).isZero();
  }

  @Test
  void startTwiceIsRefusedAndCloseIsIdempotent() {
    start();
    assertThatThrownBy(loop::start).isInstanceOf(IllegalStateException.class);
    loop.close();
    loop.close();
  }
}
