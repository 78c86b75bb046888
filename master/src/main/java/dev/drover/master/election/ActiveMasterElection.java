package dev.drover.master.election;

import com.google.protobuf.Timestamp;
import com.google.protobuf.util.Timestamps;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Lease;
import dev.drover.api.v1.LeaseSpec;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.master.registry.Registry;
import dev.drover.store.v1.RangeRequest;
import dev.drover.store.v1.RangeResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the one active master through a Lease object in the store ({@value #NAMESPACE}/{@value
 * #LEASE_NAME}) and runs the {@link ActiveComponent}s only while this master holds it.
 *
 * <p>Every write of the lease is a compare-and-swap on the version read (from this member's local
 * copy: no Raft leader is needed to read it). The holder renews every {@code renewInterval}; the
 * others read the lease twice as often, and one takes over only after it has watched the lease stay
 * unchanged for a whole lease duration by its own monotonic clock (no clock comparison between
 * hosts). With the master's defaults (lease 2 s, renew every 500 ms, step down after 1.5 s) a
 * successor is active at most lease + two polls (2.5 s) plus one store write after the holder's
 * last renewal. The holder stops writing once {@code renewDeadline} (shorter than the duration)
 * passed since the start of its last successful renewal, so it is always fenced before a successor
 * can acquire the lease.
 *
 * <p>A renewal that is merely late (a store starved under load answers a write in more than a
 * second, or stalls for several) does not make the holder start over. From the renew deadline on it
 * is <em>lapsed</em>: {@link #holdsLease()} is false, so components that check it before each write
 * ({@link ActiveComponent#fencedByLease()}, the controllers) keep running but cannot write, and the
 * others (the scheduler) are stopped. When it then renews by a compare-and-swap on a version it
 * wrote itself, no other master wrote the lease since, so none can have been active: it resumes at
 * once, the fenced components with the state they had. It steps down and stops them all only when
 * it sees the lease written by another master (a takeover, possible once a whole lease duration
 * passed without renewal), or a version not its own.
 */
public final class ActiveMasterElection implements AutoCloseable {
  /** Namespace of the election lease. */
  public static final String NAMESPACE = "drover-system";

  /** Name of the election lease. */
  public static final String LEASE_NAME = "active-master";

  private static final Logger LOG = LoggerFactory.getLogger(ActiveMasterElection.class);

  private final Registry store;
  private final String identity;
  private final Duration leaseDuration;
  private final Duration renewInterval;
  private final Duration renewDeadline;
  private final Clock clock;
  private final List<ActiveComponent> components = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService loop =
      Executors.newSingleThreadScheduledExecutor(r -> thread(r, "election"));
  private final ScheduledExecutorService watchdog =
      Executors.newSingleThreadScheduledExecutor(r -> thread(r, "election-watchdog"));
  private final java.lang.Object stateLock = new java.lang.Object();

  private volatile boolean active;
  // Active, but the renew deadline passed: fenced, the unfenced components stopped (see above).
  private volatile boolean lapsed;
  private volatile long activationRevision = -1;
  private volatile long lastRenewStartNanos;
  private volatile String observedHolder = "";
  private long observedRv = -1;
  private long observedAtNanos;
  private volatile boolean closed;

  /** An election for {@code identity}; call {@link #start()}. */
  public ActiveMasterElection(
      Registry store,
      String identity,
      Duration leaseDuration,
      Duration renewInterval,
      Duration renewDeadline,
      Clock clock) {
    if (renewDeadline.compareTo(leaseDuration) >= 0
        || renewInterval.compareTo(renewDeadline) >= 0) {
      throw new IllegalArgumentException("need renewInterval < renewDeadline < leaseDuration");
    }
    this.store = store;
    this.identity = identity;
    this.leaseDuration = leaseDuration;
    this.renewInterval = renewInterval;
    this.renewDeadline = renewDeadline;
    this.clock = clock;
  }

  private static Thread thread(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  /** Adds a component run only while active (before {@link #start()}). */
  public void add(ActiveComponent c) {
    components.add(c);
  }

  /** Starts campaigning. */
  public void start() {
    loop.scheduleWithFixedDelay(this::tick, 0, pollMillis(), TimeUnit.MILLISECONDS);
    watchdog.scheduleWithFixedDelay(this::checkDeadline, 50, 50, TimeUnit.MILLISECONDS);
  }

  /**
   * True while this master holds the lease and runs the active components; false while it is lapsed
   * (its renewal late, see above).
   */
  public boolean isActive() {
    return active && !lapsed;
  }

  /**
   * True while this master is active and its last successful renewal started less than the renew
   * deadline ago by its own monotonic clock, so no successor can hold the lease yet. Unlike {@link
   * #isActive()} it does not wait for the watchdog to notice a missed deadline: active components
   * check it right before each write, which keeps a master whose threads were starved past its
   * deadline from writing after another master took over.
   */
  public boolean holdsLease() {
    return active && !closed && System.nanoTime() - lastRenewStartNanos < renewDeadline.toNanos();
  }

  /**
   * Identity of the holder as last observed ("" when none or unknown). This master names itself
   * only while {@link #holdsLease()}: one frozen (SIGSTOP) or starved past its renew deadline is
   * still flagged active until its watchdog runs, and must not tell clients it is the active master
   * while a successor may hold the lease (the e2e leader-pause scenario caught two masters both
   * saying so).
   */
  public String holder() {
    if (holdsLease()) {
      return identity;
    }
    String observed = observedHolder;
    return observed.equals(identity) ? "" : observed;
  }

  // Non-holders poll at half the renew interval: the time a dead holder goes unnoticed
  // after its lease ran out is at most one poll.
  private long pollMillis() {
    return Math.max(10, renewInterval.toMillis() / 2);
  }

  private void tick() {
    if (closed) {
      return;
    }
    long start = System.nanoTime();
    if (active
        && start - lastRenewStartNanos
            < renewInterval.toNanos() - TimeUnit.MILLISECONDS.toNanos(pollMillis()) / 2) {
      return;
    }
    try {
      Optional<Object> cur = readLease();
      Timestamp now = Timestamps.fromMillis(clock.millis());
      if (cur.isEmpty()) {
        renewed(
            start,
            false,
            store.create(
                Object.newBuilder()
                    .setLease(
                        Lease.newBuilder()
                            .setMetadata(
                                ObjectMeta.newBuilder().setNamespace(NAMESPACE).setName(LEASE_NAME))
                            .setSpec(spec(now, now, 0)))
                    .build(),
                false));
        return;
      }
      Lease lease = cur.get().getLease();
      String holder = lease.getSpec().getHolderIdentity();
      long rv = lease.getMetadata().getResourceVersion();
      if (identity.equals(holder)) {
        // A compare-and-swap on the version this master itself wrote last: when it succeeds, no
        // other master wrote the lease since, so none took it over.
        renewed(
            start,
            true,
            store.update(
                Object.newBuilder()
                    .setLease(
                        lease.toBuilder()
                            .setSpec(
                                lease.getSpec().toBuilder()
                                    .setRenewTime(now)
                                    .setLeaseDurationSeconds(durationSeconds())))
                    .build(),
                false));
        return;
      }
      if (active) {
        // Someone else holds it: we lost it (e.g. our renewals were too late).
        stepDown("the lease is held by " + holder);
      }
      if (rv != observedRv) {
        observedRv = rv;
        observedAtNanos = start;
      }
      observedHolder = holder;
      long held =
          lease.getSpec().getLeaseDurationSeconds() > 0
              ? TimeUnit.SECONDS.toNanos(lease.getSpec().getLeaseDurationSeconds())
              : leaseDuration.toNanos();
      if (holder.isEmpty() || start - observedAtNanos > held) {
        Object taken =
            store.update(
                Object.newBuilder()
                    .setLease(
                        lease.toBuilder()
                            .setSpec(spec(now, now, lease.getSpec().getLeaseTransitions() + 1)))
                    .build(),
                false);
        LOG.info("{} took the active-master lease over from '{}'", identity, holder);
        renewed(start, false, taken);
      }
    } catch (RuntimeException e) {
      LOG.debug("election round of {} failed: {}", identity, e.toString());
    }
  }

  private LeaseSpec spec(Timestamp acquire, Timestamp renew, int transitions) {
    return LeaseSpec.newBuilder()
        .setHolderIdentity(identity)
        .setLeaseDurationSeconds(durationSeconds())
        .setAcquireTime(acquire)
        .setRenewTime(renew)
        .setLeaseTransitions(transitions)
        .build();
  }

  private int durationSeconds() {
    return (int) Math.max(1, leaseDuration.toSeconds());
  }

  /**
   * The lease as this member's copy of the store has it: a local (serializable) read, which needs
   * no Raft leader. Right after the store's leader died, linearizable reads stayed blocked for
   * several seconds after writes worked again, and the lease could not be taken over until they
   * did. A stale copy costs nothing in safety: every write of the lease is a compare-and-swap on
   * the version read here, so one based on a stale copy fails; and the wait before a takeover
   * starts when this member first sees a version, which is after that version was written.
   */
  private Optional<Object> readLease() {
    RangeResponse r =
        store.await(
            store
                .kv()
                .range(
                    RangeRequest.newBuilder()
                        .setKey(Registry.key(Kind.KIND_LEASE, NAMESPACE, LEASE_NAME))
                        .setSerializable(true)
                        .build()));
    return r.getKvsCount() == 0 ? Optional.empty() : Optional.of(Registry.decode(r.getKvs(0)));
  }

  /**
   * The store revision of the lease write that made this master active (its takeover, or the
   * renewal that made it active again), or -1 while it is not active. Everything its predecessor
   * wrote is at or below it: active components wait until their cache has reached it, without a
   * linearizable read that a store just electing a leader may hold up.
   */
  public long activationRevision() {
    return active ? activationRevision : -1;
  }

  private void renewed(long startNanos, boolean ownLease, Object written) {
    synchronized (stateLock) {
      lastRenewStartNanos = startNanos;
      observedHolder = identity;
      boolean timely = System.nanoTime() - startNanos < renewDeadline.toNanos();
      if (lapsed && !ownLease) {
        stepDown("the lease was written by someone else while this master was lapsed");
      }
      if (lapsed && timely && !closed) {
        LOG.info(
            "{} renewed its own lease again after missing its renew deadline: resumes", identity);
        for (ActiveComponent c : components) {
          if (!c.fencedByLease()) {
            startComponent(c);
          }
        }
        // Cleared after the starts, as it is set after the stops: isActive() true means they run.
        lapsed = false;
      } else if (!active && !closed && timely) {
        activationRevision = written.getLease().getMetadata().getResourceVersion();
        active = true;
        LOG.info("{} is now the active master", identity);
        components.forEach(ActiveMasterElection::startComponent);
      }
    }
  }

  private static void startComponent(ActiveComponent c) {
    try {
      c.start();
    } catch (RuntimeException e) {
      LOG.error("starting active component {} failed", c.name(), e);
    }
  }

  private static void stopComponent(ActiveComponent c) {
    try {
      c.stop();
    } catch (RuntimeException e) {
      LOG.error("stopping active component {} failed", c.name(), e);
    }
  }

  // The watchdog: fenced (holdsLease() false) from the renew deadline on, by the clock alone;
  // here the components follow. Checked under the lock, so that a renewal that just came
  // through is not undone. No step-down on time alone: past the lease duration another master
  // may take over, but it must write the lease to do so, and the next round sees that.
  private void checkDeadline() {
    synchronized (stateLock) {
      if (!active || lapsed || System.nanoTime() - lastRenewStartNanos <= renewDeadline.toNanos()) {
        return;
      }
      LOG.warn(
          "{} missed its renew deadline ({} ms): fenced until it renews its own lease",
          identity,
          renewDeadline.toMillis());
      for (int i = components.size() - 1; i >= 0; i--) {
        if (!components.get(i).fencedByLease()) {
          stopComponent(components.get(i));
        }
      }
      // Flagged after the stops, so that isActive() false means the unfenced components are
      // stopped; holdsLease() is already false by the clock, which is what writers check.
      lapsed = true;
    }
  }

  private void stepDown(String why) {
    synchronized (stateLock) {
      if (!active) {
        return;
      }
      boolean wasLapsed = lapsed;
      active = false;
      lapsed = false;
      LOG.warn("{} stops being the active master: {}", identity, why);
      for (int i = components.size() - 1; i >= 0; i--) {
        // A lapse already stopped the unfenced ones.
        if (!wasLapsed || components.get(i).fencedByLease()) {
          stopComponent(components.get(i));
        }
      }
    }
  }

  /**
   * Stops campaigning and the components at once without releasing the lease, as a crashed master
   * would leave it: the others take over only once it expires. For failover drills and tests.
   */
  public void abandon() {
    closed = true;
    loop.shutdownNow();
    watchdog.shutdownNow();
    stepDown("abandoned");
  }

  /**
   * Stops the components, releases the lease so another master takes over at once, and stops
   * campaigning.
   */
  @Override
  public void close() {
    closed = true;
    loop.shutdown();
    try {
      loop.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    boolean wasActive = active;
    stepDown("shutting down");
    watchdog.shutdownNow();
    if (wasActive) {
      try {
        store
            .get(Kind.KIND_LEASE, NAMESPACE, LEASE_NAME)
            .ifPresent(
                cur -> {
                  Lease l = cur.getLease();
                  if (identity.equals(l.getSpec().getHolderIdentity())) {
                    store.update(
                        Object.newBuilder()
                            .setLease(
                                l.toBuilder()
                                    .setSpec(l.getSpec().toBuilder().setHolderIdentity("")))
                            .build(),
                        false);
                  }
                });
      } catch (RuntimeException e) {
        LOG.debug("releasing the lease failed; it will expire", e);
      }
    }
  }
}
