package dev.drover.store.api;

import com.google.protobuf.ByteString;
import dev.drover.store.v1.CompactionRequest;
import dev.drover.store.v1.CompactionResponse;
import dev.drover.store.v1.DeleteRangeRequest;
import dev.drover.store.v1.DeleteRangeResponse;
import dev.drover.store.v1.LeaseGrantRequest;
import dev.drover.store.v1.LeaseGrantResponse;
import dev.drover.store.v1.LeaseKeepAliveRequest;
import dev.drover.store.v1.LeaseKeepAliveResponse;
import dev.drover.store.v1.LeaseRevokeRequest;
import dev.drover.store.v1.LeaseRevokeResponse;
import dev.drover.store.v1.LeaseTimeToLiveRequest;
import dev.drover.store.v1.LeaseTimeToLiveResponse;
import dev.drover.store.v1.PutRequest;
import dev.drover.store.v1.PutResponse;
import dev.drover.store.v1.RangeRequest;
import dev.drover.store.v1.RangeResponse;
import dev.drover.store.v1.TxnRequest;
import dev.drover.store.v1.TxnResponse;
import dev.drover.store.v1.WatchRequest;
import java.util.concurrent.CompletableFuture;

/**
 * An etcd-v3-shaped MVCC key-value store: the only way the rest of Drover reads and writes cluster
 * state.
 *
 * <p>Every operation is asynchronous. A failed future carries a {@link KvStoreException} whose
 * {@link KvStoreException.Kind} says precisely what went wrong; a failed write changed nothing.
 * Requests and responses are the {@code drover.store.v1} protobuf messages, whose field comments
 * define the semantics (they follow etcd's {@code rpc.proto}).
 *
 * <p>Reads are linearizable unless {@link RangeRequest#getSerializable()} asks for a local,
 * possibly stale read. Implementations: {@code InMemoryKvStore} (one process, no replication, for
 * tests) and the Ratis-replicated store built by {@code KvStores}.
 */
public interface KvStore extends AutoCloseable {

  /** Reads the keys in {@code [key, range_end)}, optionally at a past revision. */
  CompletableFuture<RangeResponse> range(RangeRequest request);

  /** Writes one key; the response carries the new revision. */
  CompletableFuture<PutResponse> put(PutRequest request);

  /** Deletes the keys in {@code [key, range_end)} at one new revision. */
  CompletableFuture<DeleteRangeResponse> deleteRange(DeleteRangeRequest request);

  /** Applies compares then the success or failure operations, atomically, at one revision. */
  CompletableFuture<TxnResponse> txn(TxnRequest request);

  /** Discards the history before {@code request.revision}. */
  CompletableFuture<CompactionResponse> compact(CompactionRequest request);

  /** Creates a lease; keys attached to it are deleted when it expires or is revoked. */
  CompletableFuture<LeaseGrantResponse> leaseGrant(LeaseGrantRequest request);

  /** Revokes a lease and deletes its keys. */
  CompletableFuture<LeaseRevokeResponse> leaseRevoke(LeaseRevokeRequest request);

  /** Renews a lease to its full TTL. */
  CompletableFuture<LeaseKeepAliveResponse> leaseKeepAlive(LeaseKeepAliveRequest request);

  /** Reports the remaining TTL of a lease and, optionally, its keys. */
  CompletableFuture<LeaseTimeToLiveResponse> leaseTimeToLive(LeaseTimeToLiveRequest request);

  /**
   * Starts a watch. Nothing is delivered until {@link Watch#request(long)} grants demand: each unit
   * of demand lets one {@link dev.drover.store.v1.WatchResponse} through, so a slow listener holds
   * events back in the store (it reads them from history when it asks for more) instead of
   * buffering without bound. A start revision below the compact revision ends the watch with {@link
   * KvStoreException.Kind#COMPACTED}.
   */
  Watch watch(WatchRequest request, WatchListener listener);

  /** The latest revision applied on this member (a local, possibly stale view). */
  long currentRevision();

  /** Stops the store and waits for its threads; pending operations fail with UNAVAILABLE. */
  @Override
  void close();

  // ---- Conveniences over the request messages.

  /** Linearizable read of one key. */
  default CompletableFuture<RangeResponse> get(ByteString key) {
    return range(RangeRequest.newBuilder().setKey(key).build());
  }

  /** Linearizable read of every key with the given prefix. */
  default CompletableFuture<RangeResponse> getPrefix(ByteString prefix) {
    return range(
        RangeRequest.newBuilder().setKey(prefix).setRangeEnd(Keys.prefixEnd(prefix)).build());
  }

  /** Writes one key without a lease. */
  default CompletableFuture<PutResponse> put(ByteString key, ByteString value) {
    return put(PutRequest.newBuilder().setKey(key).setValue(value).build());
  }

  /** Deletes one key. */
  default CompletableFuture<DeleteRangeResponse> delete(ByteString key) {
    return deleteRange(DeleteRangeRequest.newBuilder().setKey(key).build());
  }
}
