package dev.drover.store.lease;

import dev.drover.store.mvcc.ApplyListener;
import dev.drover.store.mvcc.MvccStore;
import dev.drover.store.v1.LeaseExpireRequest;
import dev.drover.store.v1.LeaseState;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The clock side of leases on one member. It follows grants, keepalives and removals as they are
 * applied and keeps a local deadline for each lease, but it never changes the state itself: on the
 * leader it proposes expiries (as log entries) for leases past their deadline. When a member
 * becomes leader every deadline restarts at the full TTL, as etcd does, so a leader change can only
 * lengthen a lease, never cut it short.
 */
public final class Lessor implements ApplyListener, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Lessor.class);

  private static final class Deadline {
    final long ttlSeconds;
    final long refreshCount;
    final long deadlineNanos;

    Deadline(long ttlSeconds, long refreshCount, long deadlineNanos) {
      this.ttlSeconds = ttlSeconds;
      this.refreshCount = refreshCount;
      this.deadlineNanos = deadlineNanos;
    }
  }

  private final MvccStore store;
  private final Function<LeaseExpireRequest, CompletableFuture<?>> proposer;
  private final LongSupplier nanoClock;
  private final Duration checkInterval;
  private final Map<Long, Deadline> deadlines = new ConcurrentHashMap<>();
  private final Set<Long> expiring = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService timer;
  private volatile boolean leader;

  /**
   * A lessor over {@code store} that hands expiries to {@code proposer} (which replicates and
   * applies them) and checks deadlines every {@code checkInterval}.
   */
  public Lessor(
      MvccStore store,
      Function<LeaseExpireRequest, CompletableFuture<?>> proposer,
      Duration checkInterval,
      LongSupplier nanoClock) {
    this.store = store;
    this.proposer = proposer;
    this.checkInterval = checkInterval;
    this.nanoClock = nanoClock;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "lessor");
              t.setDaemon(true);
              return t;
            });
    store.addListener(this);
    onRestored();
  }

  /** Starts the expiry checks. */
  public void start() {
    long ms = checkInterval.toMillis();
    timer.scheduleWithFixedDelay(this::check, ms, ms, TimeUnit.MILLISECONDS);
  }

  /** Tells the lessor whether this member leads; becoming leader refreshes every lease. */
  public void setLeader(boolean isLeader) {
    if (isLeader && !leader) {
      long now = nanoClock.getAsLong();
      deadlines.replaceAll(
          (id, d) -> new Deadline(d.ttlSeconds, d.refreshCount, now + seconds(d.ttlSeconds)));
    }
    leader = isLeader;
  }

  /** Remaining whole seconds (rounded up) of a lease on this member's clock, -1 if unknown. */
  public long remainingSeconds(long id) {
    Deadline d = deadlines.get(id);
    if (d == null) {
      return -1;
    }
    long left = d.deadlineNanos - nanoClock.getAsLong();
    return left <= 0 ? 0 : (left + 999_999_999L) / 1_000_000_000L;
  }

  private static long seconds(long s) {
    return TimeUnit.SECONDS.toNanos(s);
  }

  @Override
  public void onLeaseRefreshed(long id, long ttlSeconds, long refreshCount) {
    deadlines.put(
        id, new Deadline(ttlSeconds, refreshCount, nanoClock.getAsLong() + seconds(ttlSeconds)));
  }

  @Override
  public void onLeaseRemoved(long id) {
    deadlines.remove(id);
  }

  @Override
  public void onRestored() {
    long now = nanoClock.getAsLong();
    deadlines.clear();
    for (LeaseState l : store.leases()) {
      deadlines.put(
          l.getId(), new Deadline(l.getTtl(), l.getRefreshCount(), now + seconds(l.getTtl())));
    }
  }

  /** Proposes expiry of every lease past its deadline, if this member leads. */
  void check() {
    if (!leader) {
      return;
    }
    long now = nanoClock.getAsLong();
    LeaseExpireRequest.Builder req = LeaseExpireRequest.newBuilder();
    for (Map.Entry<Long, Deadline> e : deadlines.entrySet()) {
      Deadline d = e.getValue();
      if (d.deadlineNanos - now <= 0 && expiring.add(e.getKey())) {
        req.addLeases(
            LeaseExpireRequest.Item.newBuilder().setId(e.getKey()).setRefreshCount(d.refreshCount));
      }
    }
    if (req.getLeasesCount() == 0) {
      return;
    }
    LeaseExpireRequest built = req.build();
    try {
      proposer
          .apply(built)
          .whenComplete(
              (r, err) -> {
                if (err != null) {
                  LOG.debug("lease expiry proposal failed; will retry", err);
                }
                for (LeaseExpireRequest.Item item : built.getLeasesList()) {
                  expiring.remove(item.getId());
                }
              });
    } catch (RuntimeException err) {
      for (LeaseExpireRequest.Item item : built.getLeasesList()) {
        expiring.remove(item.getId());
      }
      LOG.debug("lease expiry proposal failed; will retry", err);
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
    try {
      timer.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
