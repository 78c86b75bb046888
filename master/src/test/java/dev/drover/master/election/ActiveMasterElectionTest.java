package dev.drover.master.election;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.drover.api.v1.Kind;
import dev.drover.master.registry.Registry;
import dev.drover.master.registry.StructuralValidator;
import dev.drover.master.registry.TransformingKvStore;
import dev.drover.master.registry.ValueTransformer;
import dev.drover.store.KvStores;
import dev.drover.store.api.KvStore;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two candidates on one in-memory store with the master's default timings (lease 2 s, renew 500 ms,
 * step down after 1.5 s). Only lower bounds on time are asserted tightly, since load can only
 * delay; upper bounds are generous (the 3 s target is measured by bench/run failover).
 */
class ActiveMasterElectionTest {
  private static final Duration LEASE = Duration.ofSeconds(2);
  private static final Duration RENEW = Duration.ofMillis(500);
  private static final Duration DEADLINE = Duration.ofMillis(1500);

  private final KvStore kv = KvStores.inMemory();
  private final Registry store =
      new Registry(kv, new StructuralValidator(), Clock.systemUTC(), Duration.ofSeconds(1));
  private final Stamp a = new Stamp();
  private final Stamp b = new Stamp();
  private ActiveMasterElection first;
  private ActiveMasterElection second;

  /** Records when its candidate started and stopped being active. */
  static final class Stamp implements ActiveComponent {
    final AtomicLong started = new AtomicLong(-1);
    final AtomicLong stopped = new AtomicLong(-1);

    @Override
    public void start() {
      started.set(System.nanoTime());
    }

    @Override
    public void stop() {
      stopped.set(System.nanoTime());
    }
  }

  /** Counts starts and stops; {@code fenced} says whether it checks the lease before writing. */
  static final class Counter implements ActiveComponent {
    final AtomicInteger starts = new AtomicInteger();
    final AtomicInteger stops = new AtomicInteger();
    private final boolean fenced;

    Counter(boolean fenced) {
      this.fenced = fenced;
    }

    @Override
    public void start() {
      starts.incrementAndGet();
    }

    @Override
    public void stop() {
      stops.incrementAndGet();
    }

    @Override
    public boolean fencedByLease() {
      return fenced;
    }
  }

  /**
   * Holds up every write of the election lease while closed, on the writer's thread: a store that
   * answers late, as a starved one does under load.
   */
  static final class SlowLeaseWrites implements ValueTransformer {
    private final Object lock = new Object();
    private boolean closed;

    void close() {
      synchronized (lock) {
        closed = true;
      }
    }

    void open() {
      synchronized (lock) {
        closed = false;
        lock.notifyAll();
      }
    }

    @Override
    public ByteString toStore(ByteString key, ByteString value) {
      synchronized (lock) {
        while (closed) {
          try {
            lock.wait();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
          }
        }
      }
      return value;
    }

    @Override
    public ByteString fromStore(ByteString key, ByteString value) {
      return value;
    }
  }

  private final SlowLeaseWrites slow = new SlowLeaseWrites();

  /**
   * A holder over a store whose lease writes {@link #slow} can hold up, with a fenced and a plain
   * component.
   */
  private ActiveMasterElection slowHolder(Duration lease, Counter fenced, Counter plain) {
    Registry slowStore =
        new Registry(
            new TransformingKvStore(
                kv,
                Registry.key(
                    Kind.KIND_LEASE,
                    ActiveMasterElection.NAMESPACE,
                    ActiveMasterElection.LEASE_NAME),
                slow),
            new StructuralValidator(),
            Clock.systemUTC(),
            Duration.ofSeconds(1));
    ActiveMasterElection e =
        new ActiveMasterElection(slowStore, "m1", lease, RENEW, DEADLINE, Clock.systemUTC());
    e.add(plain);
    e.add(fenced);
    e.start();
    return e;
  }

  @Test
  void aLateRenewalOfItsOwnLeaseResumesWithoutRestartingFencedComponents() {
    store.namespaces().ensure(ActiveMasterElection.NAMESPACE);
    Counter fenced = new Counter(true);
    Counter plain = new Counter(false);
    first = slowHolder(LEASE, fenced, plain);
    await().atMost(Duration.ofSeconds(30)).until(first::isActive);

    slow.close();
    await().atMost(Duration.ofSeconds(30)).until(() -> !first.isActive());
    assertThat(first.holdsLease()).as("fenced past the renew deadline").isFalse();
    assertThat(plain.stops.get()).as("the unfenced component stopped").isEqualTo(1);
    assertThat(fenced.stops.get()).as("the fenced one kept running").isZero();
    // Held up past the lease duration too: nobody else took the lease, so nothing stops.
    long lapsedAt = System.nanoTime();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> System.nanoTime() - lapsedAt > LEASE.toNanos());
    assertThat(fenced.stops.get()).isZero();
    assertThat(first.holdsLease()).isFalse();

    slow.open();
    await().atMost(Duration.ofSeconds(30)).until(first::isActive);
    assertThat(first.holdsLease()).isTrue();
    assertThat(fenced.starts.get()).as("resumed, not started again").isEqualTo(1);
    assertThat(fenced.stops.get()).isZero();
    assertThat(plain.starts.get()).as("the unfenced one started again").isEqualTo(2);
    assertThat(plain.stops.get()).isEqualTo(1);
  }

  @Test
  void aLapsedHolderStopsEverythingOnceWhenAnotherMasterTookTheLease() {
    store.namespaces().ensure(ActiveMasterElection.NAMESPACE);
    Counter fenced = new Counter(true);
    Counter plain = new Counter(false);
    first = slowHolder(LEASE, fenced, plain);
    await().atMost(Duration.ofSeconds(30)).until(first::isActive);
    second = candidate("m2", b);
    await().atMost(Duration.ofSeconds(30)).until(() -> "m1".equals(second.holder()));

    slow.close();
    await().atMost(Duration.ofSeconds(30)).until(second::isActive);
    assertThat(first.holdsLease()).as("fenced while the other master is active").isFalse();
    assertThat(first.isActive()).isFalse();

    slow.open();
    await().atMost(Duration.ofSeconds(30)).until(() -> fenced.stops.get() == 1);
    assertThat(first.activationRevision()).as("stepped down").isEqualTo(-1);
    assertThat(plain.stops.get()).as("stopped once, at the lapse").isEqualTo(1);
    assertThat(fenced.starts.get()).isEqualTo(1);
    assertThat(plain.starts.get()).isEqualTo(1);
    assertThat(second.isActive()).isTrue();
  }

  /**
   * The election turns active right before it starts its components (they may ask it for the
   * activation revision): a test reading a component's start stamp waits for that too.
   */
  private static boolean activeAndStarted(ActiveMasterElection e, Stamp stamp) {
    return e.isActive() && stamp.started.get() != -1;
  }

  private ActiveMasterElection candidate(String id, Stamp stamp) {
    ActiveMasterElection e =
        new ActiveMasterElection(store, id, LEASE, RENEW, DEADLINE, Clock.systemUTC());
    e.add(stamp);
    e.start();
    return e;
  }

  @AfterEach
  void stop() {
    slow.open();
    for (ActiveMasterElection e : new ActiveMasterElection[] {first, second}) {
      if (e != null) {
        e.close();
      }
    }
    kv.close();
  }

  @Test
  void anAbandonedHoldersLeaseIsTakenOverOnlyAfterItExpiredAndItStoppedFirst() {
    store.namespaces().ensure(ActiveMasterElection.NAMESPACE);
    first = candidate("m1", a);
    await().atMost(Duration.ofSeconds(30)).until(first::isActive);
    second = candidate("m2", b);
    await().atMost(Duration.ofSeconds(30)).until(() -> "m1".equals(second.holder()));
    assertThat(second.isActive()).isFalse();

    long oldHoldersLastRenewal =
        store
            .get(Kind.KIND_LEASE, ActiveMasterElection.NAMESPACE, ActiveMasterElection.LEASE_NAME)
            .orElseThrow()
            .getLease()
            .getMetadata()
            .getResourceVersion();
    long crashed = System.nanoTime();
    first.abandon();
    await().atMost(Duration.ofSeconds(30)).until(() -> activeAndStarted(second, b));

    assertThat(a.stopped.get()).as("the old holder stopped its components").isPositive();
    assertThat(b.started.get())
        .as("the successor started after the old holder stopped")
        .isGreaterThan(a.stopped.get());
    long tookMs = (b.started.get() - crashed) / 1_000_000;
    // The lease is not released by a crash: the successor waits for it to run out. The holder's
    // last renewal was at most the step-down deadline before the crash (or it would have
    // stepped down), so the wait is at least the lease less that deadline.
    assertThat(tookMs).isGreaterThanOrEqualTo(LEASE.minus(DEADLINE).toMillis());
    assertThat(tookMs).isLessThan(15_000);
    var lease =
        store
            .get(Kind.KIND_LEASE, ActiveMasterElection.NAMESPACE, ActiveMasterElection.LEASE_NAME)
            .orElseThrow()
            .getLease();
    assertThat(lease.getSpec().getHolderIdentity()).isEqualTo("m2");
    // The successor's components wait for the revision of its takeover, which is above every
    // write of the old holder (its renewals included) and not above the lease's current one.
    assertThat(second.activationRevision())
        .isPositive()
        .isGreaterThan(oldHoldersLastRenewal)
        .isLessThanOrEqualTo(lease.getMetadata().getResourceVersion());
    assertThat(first.activationRevision()).as("not active").isEqualTo(-1);
    assertThat(first.holdsLease()).isFalse();
  }

  @Test
  void aClosingHolderHandsOverAtOnce() {
    store.namespaces().ensure(ActiveMasterElection.NAMESPACE);
    first = candidate("m1", a);
    await().atMost(Duration.ofSeconds(30)).until(first::isActive);
    second = candidate("m2", b);
    await().atMost(Duration.ofSeconds(30)).until(() -> "m1".equals(second.holder()));

    first.close();
    first = null;
    await().atMost(Duration.ofSeconds(30)).until(() -> activeAndStarted(second, b));
    assertThat(b.started.get()).isGreaterThan(a.stopped.get());
  }

  @Test
  void aHolderPastItsRenewDeadlineDoesNotNameItselfBeforeItsWatchdogRan() throws Exception {
    store.namespaces().ensure(ActiveMasterElection.NAMESPACE);
    // A component whose start hangs holds the election's state lock right after it became
    // active, so neither renewals nor the watchdog's step-down get through: the same state as a
    // master frozen by SIGSTOP and resumed, flagged active with its deadline long past.
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    first = new ActiveMasterElection(store, "m1", LEASE, RENEW, DEADLINE, Clock.systemUTC());
    first.add(
        new ActiveComponent() {
          @Override
          public void start() {
            try {
              release.await(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }

          @Override
          public void stop() {}
        });
    first.start();
    try {
      await().atMost(Duration.ofSeconds(30)).until(first::isActive);
      await().atMost(Duration.ofSeconds(30)).until(() -> !first.holdsLease());
      assertThat(first.isActive()).as("still flagged active: the watchdog is held up").isTrue();
      assertThat(first.holder()).isNotEqualTo("m1");
    } finally {
      release.countDown();
    }
  }
}
