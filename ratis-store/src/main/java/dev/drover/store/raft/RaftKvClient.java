package dev.drover.store.raft;

import dev.drover.store.api.AbstractKvStore;
import dev.drover.store.api.KvStoreException;
import dev.drover.store.api.Peer;
import dev.drover.store.api.PeerTls;
import dev.drover.store.api.StoreOptions;
import dev.drover.store.api.Watch;
import dev.drover.store.api.WatchListener;
import dev.drover.store.v1.StoreRequest;
import dev.drover.store.v1.StoreResponse;
import dev.drover.store.v1.WatchRequest;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link dev.drover.store.api.KvStore} for a process that holds no member: every operation goes
 * over gRPC to the group's leader, as an etcd client's does. Every read is linearizable: a client
 * has no applied state of its own, so a read that asks to be serializable is served as a
 * linearizable one (never staler than asked).
 *
 * <p>Watches are not served: they are cursors over a member's applied history, so a process that
 * wants them runs a member ({@link RaftKvStore}); {@link #watch} throws {@link
 * UnsupportedOperationException}. {@link #currentRevision()} is the highest revision this client
 * has seen in a response.
 */
public final class RaftKvClient extends AbstractKvStore {
  private final RaftRequests requests;
  private final AtomicLong seen = new AtomicLong();
  private volatile boolean closed;

  /**
   * A client of the group {@code groupId} (null: the default id) of {@code peers}, over mutual TLS
   * when {@code tls} is not null.
   */
  public RaftKvClient(List<Peer> peers, StoreOptions options, PeerTls tls, UUID groupId) {
    if (peers.isEmpty()) {
      throw KvStoreException.invalid("peers", "the peer list is empty");
    }
    this.requests =
        new RaftRequests(groupId == null ? GroupIdFile.LEGACY : groupId, peers, options, tls);
  }

  @Override
  protected CompletableFuture<StoreResponse> submit(StoreRequest request) {
    if (closed) {
      return CompletableFuture.failedFuture(
          new KvStoreException(KvStoreException.Kind.UNAVAILABLE, "client is closed"));
    }
    return requests.submit(request).thenApply(this::note);
  }

  @Override
  protected CompletableFuture<StoreResponse> submitLocal(StoreRequest request) {
    // No local state to read: a linearizable read is at least as fresh as a serializable one.
    return submit(request);
  }

  private StoreResponse note(StoreResponse r) {
    long rev =
        switch (r.getResponseCase()) {
          case RANGE -> r.getRange().getHeader().getRevision();
          case PUT -> r.getPut().getHeader().getRevision();
          case DELETE_RANGE -> r.getDeleteRange().getHeader().getRevision();
          case TXN -> r.getTxn().getHeader().getRevision();
          default -> 0;
        };
    seen.accumulateAndGet(rev, Math::max);
    return r;
  }

  @Override
  public Watch watch(WatchRequest request, WatchListener listener) {
    throw new UnsupportedOperationException(
        "watches are served by a store member (RaftKvStore), not by a client");
  }

  @Override
  public long currentRevision() {
    return seen.get();
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    requests.close();
  }
}
