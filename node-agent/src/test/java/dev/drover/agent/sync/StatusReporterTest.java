package dev.drover.agent.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.drover.api.v1.Event;
import dev.drover.api.v1.EventType;
import dev.drover.api.v1.GetPodDependenciesResponse;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.api.v1.Pod;
import dev.drover.api.v1.PodPhase;
import dev.drover.api.v1.PodStatus;
import dev.drover.api.v1.PodStatusUpdate;
import dev.drover.api.v1.PodStatusUpdateResult;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Status writes are coalesced: however many updates a pod gets between two flushes, one call
 * carries only the latest of each pod; what a failed call carried is sent by the next flush unless
 * something newer replaced it. A quiet node sends a change at once; a busy one at most once per
 * interval on average, after a burst of {@link StatusReporter#BURST} calls. Statuses never wait for
 * an events call.
 */
class StatusReporterTest {

  /** Records the calls; fails them while {@code down}; holds them while {@code gate} is shut. */
  private static final class RecordingMaster implements MasterClient {
    final List<List<PodStatusUpdate>> statusCalls = new CopyOnWriteArrayList<>();
    final List<List<Event>> eventCalls = new CopyOnWriteArrayList<>();
    volatile boolean down;
    volatile CountDownLatch gate = new CountDownLatch(0);
    volatile CountDownLatch eventGate = new CountDownLatch(0);
    final Semaphore entered = new Semaphore(0);
    final Semaphore eventsEntered = new Semaphore(0);
    final AtomicInteger failedCalls = new AtomicInteger();

    @Override
    public List<PodStatusUpdateResult> updatePodStatuses(List<PodStatusUpdate> updates) {
      entered.release();
      try {
        gate.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (down) {
        failedCalls.incrementAndGet();
        throw new IllegalStateException("no master");
      }
      statusCalls.add(List.copyOf(updates));
      return List.of();
    }

    @Override
    public void recordEvents(List<Event> events) {
      eventsEntered.release();
      try {
        eventGate.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (down) {
        throw new IllegalStateException("no master");
      }
      eventCalls.add(List.copyOf(events));
    }

    @Override
    public boolean confirmPodTermination(String namespace, String name, String uid) {
      return true;
    }

    @Override
    public GetPodDependenciesResponse podDependencies(
        String namespace, Collection<String> secretNames, Collection<String> configMapNames) {
      return GetPodDependenciesResponse.getDefaultInstance();
    }
  }

  private final RecordingMaster master = new RecordingMaster();
  private final StatusReporter reporter = new StatusReporter(master, "n1");
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private final ExecutorService sender = Executors.newCachedThreadPool();

  @AfterEach
  void tearDown() {
    reporter.stop();
    master.gate.countDown();
    master.eventGate.countDown();
    timer.shutdownNow();
    sender.shutdownNow();
  }

  private static PodStatusUpdate update(String uid, PodPhase phase, String ip) {
    return PodStatusUpdate.newBuilder()
        .setNamespace("default")
        .setName("pod-" + uid)
        .setUid(uid)
        .setStatus(PodStatus.newBuilder().setPhase(phase).setPodIp(ip))
        .build();
  }

  @Test
  void manyUpdatesOfOnePodBetweenFlushesBecomeOneWriteOfTheLatest() {
    for (int i = 0; i < 100; i++) {
      reporter.offer(update("a", PodPhase.POD_PHASE_PENDING, "10.0.0." + i));
    }
    reporter.offer(update("b", PodPhase.POD_PHASE_RUNNING, "10.0.1.1"));
    reporter.offer(update("a", PodPhase.POD_PHASE_RUNNING, "10.0.0.200"));
    reporter.flushSafely();

    assertThat(master.statusCalls).hasSize(1);
    assertThat(master.statusCalls.get(0))
        .extracting(u -> u.getUid() + "=" + u.getStatus().getPodIp())
        .containsExactly("a=10.0.0.200", "b=10.0.1.1");
    // Nothing pending: a further flush makes no call at all.
    reporter.flushSafely();
    assertThat(master.statusCalls).hasSize(1);
  }

  @Test
  void aFailedFlushIsRetriedButNewerUpdatesWin() {
    Pod pod =
        Pod.newBuilder()
            .setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName("p").setUid("a"))
            .build();
    reporter.offer(update("a", PodPhase.POD_PHASE_PENDING, ""));
    reporter.offer(update("b", PodPhase.POD_PHASE_PENDING, ""));
    reporter.event(pod, "main", EventType.EVENT_TYPE_NORMAL, "Pulled", "pulled");
    master.down = true;
    reporter.flushSafely();
    assertThat(master.statusCalls).isEmpty();

    reporter.offer(update("a", PodPhase.POD_PHASE_RUNNING, "10.0.0.9"));
    master.down = false;
    reporter.flushSafely();
    assertThat(master.statusCalls).hasSize(1);
    assertThat(master.statusCalls.get(0))
        .extracting(u -> u.getUid() + "=" + u.getStatus().getPhase())
        .containsExactlyInAnyOrder("a=POD_PHASE_RUNNING", "b=POD_PHASE_PENDING");
    assertThat(master.eventCalls).hasSize(1);
    assertThat(master.eventCalls.get(0)).extracting(Event::getReason).containsExactly("Pulled");
  }

  @Test
  void aChangeOnAQuietNodeIsSentAtOnceNotAfterTheInterval() {
    reporter.start(timer, sender, Duration.ofHours(1));
    reporter.offer(update("a", PodPhase.POD_PHASE_RUNNING, "10.0.0.1"));
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(master.statusCalls).hasSize(1));
    // The next change goes at once too (a starting pod's Pending and then Running both count)...
    reporter.offer(update("a", PodPhase.POD_PHASE_SUCCEEDED, "10.0.0.1"));
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(master.statusCalls).hasSize(StatusReporter.BURST));
    // ...but past the burst a change waits for the interval.
    reporter.offer(update("b", PodPhase.POD_PHASE_RUNNING, "10.0.0.2"));
    await()
        .during(Duration.ofMillis(500))
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(master.statusCalls).hasSize(StatusReporter.BURST));
  }

  @Test
  void changesDuringASendGoTogetherInTheNextOne() throws InterruptedException {
    master.gate = new CountDownLatch(1);
    reporter.start(timer, sender, Duration.ofMillis(50));
    reporter.offer(update("a", PodPhase.POD_PHASE_PENDING, ""));
    assertThat(master.entered.tryAcquire(10, TimeUnit.SECONDS)).isTrue();
    // The first call is held by the master: everything offered meanwhile waits for it.
    for (int i = 0; i < 20; i++) {
      reporter.offer(update("a", PodPhase.POD_PHASE_RUNNING, "10.0.0." + i));
      reporter.offer(update("b", PodPhase.POD_PHASE_RUNNING, "10.0.1." + i));
    }
    assertThat(master.entered.tryAcquire(200, TimeUnit.MILLISECONDS)).isFalse();
    master.gate.countDown();
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(master.statusCalls).hasSize(2));
    assertThat(master.statusCalls.get(1))
        .extracting(u -> u.getUid() + "=" + u.getStatus().getPodIp())
        .containsExactly("a=10.0.0.19", "b=10.0.1.19");
    await()
        .during(Duration.ofMillis(300))
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(master.statusCalls).hasSize(2));
  }

  @Test
  void aStatusIsNotHeldUpByASlowEventsCall() throws InterruptedException {
    Pod pod =
        Pod.newBuilder()
            .setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName("p").setUid("a"))
            .build();
    master.eventGate = new CountDownLatch(1);
    reporter.start(timer, sender, Duration.ofMillis(50));
    reporter.event(pod, "main", EventType.EVENT_TYPE_NORMAL, "Started", "started");
    assertThat(master.eventsEntered.tryAcquire(10, TimeUnit.SECONDS)).isTrue();
    // The master is still writing the events: the pod's Running goes out regardless.
    reporter.offer(update("a", PodPhase.POD_PHASE_RUNNING, "10.0.0.1"));
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(master.statusCalls).hasSize(1));
    assertThat(master.eventCalls).isEmpty();
    // Events offered meanwhile wait for the call in flight, then go together.
    reporter.event(pod, "main", EventType.EVENT_TYPE_NORMAL, "Pulled", "pulled");
    reporter.event(pod, "main", EventType.EVENT_TYPE_NORMAL, "Killing", "killing");
    assertThat(master.eventsEntered.tryAcquire(200, TimeUnit.MILLISECONDS)).isFalse();
    master.eventGate.countDown();
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(master.eventCalls).hasSize(2));
    assertThat(master.eventCalls.get(0)).extracting(Event::getReason).containsExactly("Started");
    assertThat(master.eventCalls.get(1))
        .extracting(Event::getReason)
        .containsExactly("Pulled", "Killing");
  }

  @Test
  void aFailedSendIsRetriedByItself() {
    master.down = true;
    reporter.start(timer, sender, Duration.ofMillis(10));
    // Before the offer: the failed send starts at once on another thread, and the back-off runs
    // from that start, which a clock read after the offer could trail by any stall.
    long start = System.nanoTime();
    reporter.offer(update("a", PodPhase.POD_PHASE_RUNNING, "10.0.0.1"));
    assertThat(master.statusCalls).isEmpty();
    // At least one: a poll that comes more than the back-off late sees the second failure.
    await().atMost(Duration.ofSeconds(10)).until(() -> master.failedCalls.get() >= 1);
    master.down = false;
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(master.statusCalls).hasSize(1));
    // Not hammered: the retry came no sooner than the failure back-off.
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isGreaterThanOrEqualTo(StatusReporter.RETRY_AFTER_FAILURE.minusMillis(100));
  }
}
