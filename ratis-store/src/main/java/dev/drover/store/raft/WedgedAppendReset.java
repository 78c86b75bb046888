package dev.drover.store.raft;

import java.io.IOException;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Unwedges a member whose follower appends all fail because one failed: when this member's chain of
 * follower log appends has failed and is still failed {@link #period} later, it is replaced by a
 * completed one, so that the next AppendEntries from the leader is appended again.
 *
 * <p>Why: Ratis 3.2.0 runs each follower append after the one before it, chained on one future held
 * by the division ({@code RaftServerImpl.appendLogFuture}, RATIS-2235). Once an append fails, every
 * later append is composed on the failed future and fails with the same exception, so the member
 * refuses every AppendEntries until its process restarts. The fault harness saw it after a leader
 * frozen with appends in flight resumed as a follower: its log's single-runner check failed one
 * append ("Already running a method"), and it refused thousands of appends afterwards. The log
 * itself was intact; only the chain was stuck. Nothing public resets that chain (a new division
 * would, but reopening one here also reloads the state machine, and the revision a member serves
 * would go back to its last snapshot while it replays), hence the reflection. The check is exact,
 * not a timeout: a slow follower's chain is pending or done, never failed. An append the reset lets
 * through is validated by Ratis as any other (it answers INCONSISTENCY to a gap), so no entry is
 * skipped. Specific to Ratis 3.2.0: 3.2.2 keeps the chain elsewhere and {@code WedgedFollowerTest}
 * fails if the field disappears.
 */
final class WedgedAppendReset implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WedgedAppendReset.class);
  private static final String FIELD = "appendLogFuture";
  private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

  private final RaftServer server;
  private final RaftGroupId group;
  private final Duration period;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "store-wedged-append-reset");
            t.setDaemon(true);
            return t;
          });
  // The failed chain seen at the previous check; reset when the same one is still there.
  private CompletableFuture<?> failedBefore;
  private boolean warnedMissing;

  WedgedAppendReset(RaftServer server, RaftGroupId group, Duration period) {
    this.server = server;
    this.group = group;
    this.period = period;
  }

  /** Checks every {@code period}. */
  WedgedAppendReset start() {
    long every = Math.max(50, period.toMillis());
    timer.scheduleWithFixedDelay(this::check, every, every, TimeUnit.MILLISECONDS);
    return this;
  }

  /** One check; returns whether it reset the chain. */
  synchronized boolean check() {
    AtomicReference<CompletableFuture<Void>> chain;
    try {
      chain = appendChain(server.getDivision(group));
    } catch (ReflectiveOperationException | RuntimeException | IOException e) {
      if (!warnedMissing) {
        warnedMissing = true;
        LOG.warn("cannot watch this member's follower appends ({}): wedged appends stay wedged", e);
      }
      return false;
    }
    CompletableFuture<Void> now = chain.get();
    if (!now.isCompletedExceptionally()) {
      failedBefore = null;
      return false;
    }
    // Every append composed on a failed chain replaces it with another failed future, so compare
    // the failures, not the futures: the same cause twice in a row is a chain that stays failed.
    if (failedBefore == null || cause(failedBefore) != cause(now)) {
      failedBefore = now;
      return false;
    }
    failedBefore = null;
    if (!chain.compareAndSet(now, DONE) && !resetIfStillFailed(chain)) {
      return false;
    }
    LOG.warn(
        "every follower append here failed after one did, for {} ms and more: appending again"
            + " (the first failure: {})",
        period.toMillis(),
        cause(now).toString());
    return true;
  }

  private static boolean resetIfStillFailed(AtomicReference<CompletableFuture<Void>> chain) {
    CompletableFuture<Void> got = chain.getAndUpdate(f -> f.isCompletedExceptionally() ? DONE : f);
    return got.isCompletedExceptionally();
  }

  private static Throwable cause(CompletableFuture<?> failed) {
    try {
      failed.getNow(null);
      return null;
    } catch (RuntimeException e) {
      return RaftRequests.unwrap(e);
    }
  }

  /** The division's chain of follower appends (a field of Ratis 3.2.0's {@code RaftServerImpl}). */
  @SuppressWarnings("unchecked")
  static AtomicReference<CompletableFuture<Void>> appendChain(RaftServer.Division division)
      throws ReflectiveOperationException {
    Field f = division.getClass().getDeclaredField(FIELD);
    f.setAccessible(true);
    return (AtomicReference<CompletableFuture<Void>>) f.get(division);
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
