package dev.drover.store;

import dev.drover.store.api.AbstractKvStore;
import dev.drover.store.api.KvStoreException;
import dev.drover.store.api.StoreOptions;
import dev.drover.store.api.Watch;
import dev.drover.store.api.WatchListener;
import dev.drover.store.lease.Lessor;
import dev.drover.store.mvcc.AutoCompaction;
import dev.drover.store.mvcc.MvccStore;
import dev.drover.store.v1.CompactionRequest;
import dev.drover.store.v1.StoreRequest;
import dev.drover.store.v1.StoreResponse;
import dev.drover.store.v1.WatchRequest;
import dev.drover.store.watch.WatchHub;
import java.util.concurrent.CompletableFuture;

/**
 * A store in one process with no replication and no persistence, with exactly the semantics of the
 * replicated store (it is the same MVCC core, watch hub and lessor, with the log replaced by a
 * lock). Meant for fast unit tests of the modules built on {@link KvStore}.
 */
public final class InMemoryKvStore extends AbstractKvStore {
  private final StoreOptions options;
  private final MvccStore store = new MvccStore();
  private final WatchHub hub;
  private final Lessor lessor;
  private final Object applyLock = new Object();
  private volatile boolean closed;

  /** A store with the given options; call {@link #start()} before use. */
  public InMemoryKvStore(StoreOptions options) {
    this.options = options;
    this.hub = new WatchHub(store, options.progressNotifyInterval());
    this.lessor =
        new Lessor(
            store,
            expire -> submit(StoreRequest.newBuilder().setLeaseExpire(expire).build()),
            options.leaseCheckInterval(),
            System::nanoTime);
  }

  /** Starts the watch progress ticker and lease expiry; returns this. */
  public InMemoryKvStore start() {
    hub.start();
    lessor.setLeader(true);
    lessor.start();
    return this;
  }

  @Override
  protected CompletableFuture<StoreResponse> submit(StoreRequest request) {
    if (closed) {
      return CompletableFuture.failedFuture(
          new KvStoreException(KvStoreException.Kind.UNAVAILABLE, "store is closed"));
    }
    StoreResponse response;
    synchronized (applyLock) {
      response = store.apply(request);
      long target =
          AutoCompaction.target(
              store.revision(), store.compactRevision(), options.autoCompactRetention());
      if (target > 0) {
        store.apply(
            StoreRequest.newBuilder()
                .setCompaction(CompactionRequest.newBuilder().setRevision(target))
                .build());
      }
    }
    if (response.hasLeaseTimeToLive()) {
      long left = lessor.remainingSeconds(response.getLeaseTimeToLive().getId());
      response =
          response.toBuilder()
              .setLeaseTimeToLive(
                  response.getLeaseTimeToLive().toBuilder().setTtl(Math.max(left, 0)))
              .build();
    }
    return CompletableFuture.completedFuture(response);
  }

  @Override
  protected CompletableFuture<StoreResponse> submitLocal(StoreRequest request) {
    return submit(request);
  }

  @Override
  public Watch watch(WatchRequest request, WatchListener listener) {
    return hub.watch(request, listener);
  }

  @Override
  public long currentRevision() {
    return store.revision();
  }

  /** The MVCC core, for white-box tests. */
  public MvccStore mvcc() {
    return store;
  }

  @Override
  public void close() {
    closed = true;
    lessor.close();
    hub.close();
  }
}
