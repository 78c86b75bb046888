package dev.drover.master.api;

import com.google.protobuf.Timestamp;
import com.google.protobuf.util.Timestamps;
import dev.drover.api.ApiObjects;
import dev.drover.api.v1.Kind;
import dev.drover.api.v1.Lease;
import dev.drover.api.v1.LeaseSpec;
import dev.drover.api.v1.Object;
import dev.drover.api.v1.ObjectMeta;
import dev.drover.master.registry.AlreadyExistsException;
import dev.drover.master.registry.NotFoundException;
import dev.drover.master.registry.Registry;
import io.grpc.Status;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;

/**
 * Renews the nodes' heartbeat leases (namespace {@value NodeServiceImpl#NODE_LEASE_NAMESPACE}) by
 * group commit. A heartbeat's renewal is queued and its future completes once the store Txn that
 * holds it is committed: one thread writes what is queued together ({@link Registry#mutateEach},
 * one Raft entry and fsync for up to {@link Registry#MAX_MUTATIONS_PER_TXN} leases), and while one
 * batch is in flight the next one gathers. At low load a batch holds one renewal, one write as
 * before; with thousands of nodes, one store write per heartbeat no longer bounds how many nodes
 * stay Ready.
 *
 * <p>Each renewal gets its own outcome, the one the single path ({@link #renewNow}, which
 * registration takes) would give: a lease released meanwhile is taken back as a new acquisition, a
 * missing one is created, a failure reaches that renewal's caller. A node that beats twice before
 * its renewal is written is renewed once for both calls.
 */
final class LeaseRenewals implements AutoCloseable {
  /** Renewals that may wait at once; a heartbeat beyond them is refused, to be sent again. */
  static final int MAX_WAITING = 20_000;

  private final Registry store;
  private final Clock clock;
  private final int leaseSeconds;
  private final java.lang.Object lock = new java.lang.Object();
  // Node name -> the callers waiting for its renewal, in arrival order.
  private final LinkedHashMap<String, List<CompletableFuture<Long>>> queue = new LinkedHashMap<>();
  private int waiting;
  private boolean closed;
  private final Thread flusher;

  /** Renewals of leases of {@code leaseDuration}, written by a thread this starts. */
  LeaseRenewals(Registry store, Clock clock, Duration leaseDuration) {
    this.store = store;
    this.clock = clock;
    this.leaseSeconds = (int) leaseDuration.toSeconds();
    this.flusher = new Thread(this::run, "node-lease-renewals");
    flusher.setDaemon(true);
    flusher.start();
  }

  /**
   * Queues a renewal of {@code node}'s lease (created if missing); the future gives the revision
   * that wrote it, or fails as that write failed.
   */
  CompletableFuture<Long> renew(String node) {
    CompletableFuture<Long> done = new CompletableFuture<>();
    synchronized (lock) {
      if (closed) {
        done.completeExceptionally(
            Status.UNAVAILABLE.withDescription("the master is shutting down").asRuntimeException());
      } else if (waiting >= MAX_WAITING) {
        done.completeExceptionally(
            Status.RESOURCE_EXHAUSTED
                .withDescription(waiting + " lease renewals are waiting for the store; retry")
                .asRuntimeException());
      } else {
        queue.computeIfAbsent(node, n -> new ArrayList<>(1)).add(done);
        waiting++;
        lock.notifyAll();
      }
    }
    return done;
  }

  /**
   * Creates or renews {@code node}'s lease now, in a write of its own; returns the revision of that
   * write.
   */
  long renewNow(String node) {
    Timestamp now = Timestamps.fromMillis(clock.millis());
    Optional<Object> lease = store.get(Kind.KIND_LEASE, NodeServiceImpl.NODE_LEASE_NAMESPACE, node);
    if (lease.isEmpty()) {
      try {
        Object created =
            store.create(
                Object.newBuilder()
                    .setLease(
                        Lease.newBuilder()
                            .setMetadata(
                                ObjectMeta.newBuilder()
                                    .setName(node)
                                    .setNamespace(NodeServiceImpl.NODE_LEASE_NAMESPACE))
                            .setSpec(
                                LeaseSpec.newBuilder()
                                    .setHolderIdentity(node)
                                    .setLeaseDurationSeconds(leaseSeconds)
                                    .setAcquireTime(now)
                                    .setRenewTime(now)))
                    .build(),
                false);
        return ApiObjects.meta(created).getResourceVersion();
      } catch (AlreadyExistsException e) {
        // Created meanwhile (an earlier heartbeat of this node): renew it below.
      }
    }
    Object renewed =
        store.mutate(
            Kind.KIND_LEASE,
            NodeServiceImpl.NODE_LEASE_NAMESPACE,
            node,
            0,
            cur -> renewed(cur, node, now));
    return ApiObjects.meta(renewed).getResourceVersion();
  }

  // The node holds its lease again (after a release, as a new acquisition), renewed now.
  private Object renewed(Object lease, String node, Timestamp now) {
    LeaseSpec spec = lease.getLease().getSpec();
    LeaseSpec.Builder b = spec.toBuilder().setRenewTime(now).setLeaseDurationSeconds(leaseSeconds);
    if (!node.equals(spec.getHolderIdentity())) {
      b.setHolderIdentity(node)
          .setAcquireTime(now)
          .setLeaseTransitions(spec.getLeaseTransitions() + 1);
    }
    return lease.toBuilder().setLease(lease.getLease().toBuilder().setSpec(b)).build();
  }

  private void run() {
    while (true) {
      Map<String, List<CompletableFuture<Long>>> batch = new LinkedHashMap<>();
      synchronized (lock) {
        while (queue.isEmpty() && !closed) {
          try {
            lock.wait();
          } catch (InterruptedException e) {
            closed = true;
          }
        }
        Iterator<Map.Entry<String, List<CompletableFuture<Long>>>> it = queue.entrySet().iterator();
        while (it.hasNext() && (closed || batch.size() < Registry.MAX_MUTATIONS_PER_TXN)) {
          Map.Entry<String, List<CompletableFuture<Long>>> e = it.next();
          batch.put(e.getKey(), e.getValue());
          waiting -= e.getValue().size();
          it.remove();
        }
        if (closed) {
          RuntimeException gone =
              Status.UNAVAILABLE
                  .withDescription("the master is shutting down")
                  .asRuntimeException();
          batch.values().forEach(callers -> callers.forEach(c -> c.completeExceptionally(gone)));
          return;
        }
      }
      flush(batch);
    }
  }

  /** Writes one batch and completes each of its callers with its own lease's outcome. */
  private void flush(Map<String, List<CompletableFuture<Long>>> batch) {
    Timestamp now = Timestamps.fromMillis(clock.millis());
    Map<String, UnaryOperator<Object>> changes = new LinkedHashMap<>();
    for (String node : batch.keySet()) {
      changes.put(node, cur -> renewed(cur, node, now));
    }
    Map<String, Registry.Outcome> outcomes;
    try {
      outcomes = store.mutateEach(Kind.KIND_LEASE, NodeServiceImpl.NODE_LEASE_NAMESPACE, changes);
    } catch (RuntimeException e) {
      batch.values().forEach(callers -> callers.forEach(c -> c.completeExceptionally(e)));
      return;
    }
    for (Map.Entry<String, List<CompletableFuture<Long>>> e : batch.entrySet()) {
      String node = e.getKey();
      long revision = 0;
      RuntimeException failure;
      try {
        revision = revisionOf(node, outcomes.get(node));
        failure = null;
      } catch (RuntimeException ex) {
        failure = ex;
      }
      for (CompletableFuture<Long> caller : e.getValue()) {
        if (failure == null) {
          caller.complete(revision);
        } else {
          caller.completeExceptionally(failure);
        }
      }
    }
  }

  // A lease that does not exist (not yet, or deleted meanwhile) is created, as the single path
  // does.
  private long revisionOf(String node, Registry.Outcome outcome) {
    if (outcome.failure() instanceof NotFoundException) {
      return renewNow(node);
    }
    return ApiObjects.meta(outcome.get()).getResourceVersion();
  }

  /** Stops the writing thread; renewals still queued, or queued later, fail as unavailable. */
  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
      lock.notifyAll();
    }
    flusher.interrupt();
  }
}
