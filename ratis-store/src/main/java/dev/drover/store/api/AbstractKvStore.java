package dev.drover.store.api;

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
import dev.drover.store.v1.StoreRequest;
import dev.drover.store.v1.StoreResponse;
import dev.drover.store.v1.TxnRequest;
import dev.drover.store.v1.TxnResponse;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The request plumbing every store shares: stateless validation before anything is sent, wrapping
 * into the one {@link StoreRequest} union, and unwrapping the {@link StoreResponse} union into the
 * typed response or a {@link KvStoreException}.
 */
public abstract class AbstractKvStore implements KvStore {

  /** Runs a write, or a read that must be linearizable, through the store's ordering. */
  protected abstract CompletableFuture<StoreResponse> submit(StoreRequest request);

  /** Runs a read against this member's applied state (serializable). */
  protected abstract CompletableFuture<StoreResponse> submitLocal(StoreRequest request);

  private static <T> CompletableFuture<T> unwrap(
      CompletableFuture<StoreResponse> pending, Function<StoreResponse, T> extract) {
    return pending.thenApply(
        r -> {
          if (r.hasError()) {
            throw KvStoreException.fromProto(r.getError());
          }
          return extract.apply(r);
        });
  }

  private <T> CompletableFuture<T> call(
      Runnable validate, StoreRequest request, boolean local, Function<StoreResponse, T> extract) {
    try {
      validate.run();
    } catch (KvStoreException e) {
      return CompletableFuture.failedFuture(e);
    }
    CompletableFuture<StoreResponse> pending;
    try {
      pending = local ? submitLocal(request) : submit(request);
    } catch (KvStoreException e) {
      return CompletableFuture.failedFuture(e);
    }
    return unwrap(pending, extract);
  }

  private static void leaseId(long id) {
    if (id <= 0) {
      throw KvStoreException.invalid("id", "lease id must be positive, got " + id);
    }
  }

  @Override
  public CompletableFuture<RangeResponse> range(RangeRequest r) {
    return call(
        () -> Validation.range("", r),
        StoreRequest.newBuilder().setRange(r).build(),
        r.getSerializable(),
        StoreResponse::getRange);
  }

  @Override
  public CompletableFuture<PutResponse> put(PutRequest r) {
    return call(
        () -> Validation.put("", r),
        StoreRequest.newBuilder().setPut(r).build(),
        false,
        StoreResponse::getPut);
  }

  @Override
  public CompletableFuture<DeleteRangeResponse> deleteRange(DeleteRangeRequest r) {
    return call(
        () -> Validation.deleteRange("", r),
        StoreRequest.newBuilder().setDeleteRange(r).build(),
        false,
        StoreResponse::getDeleteRange);
  }

  @Override
  public CompletableFuture<TxnResponse> txn(TxnRequest r) {
    return call(
        () -> Validation.txn(r),
        StoreRequest.newBuilder().setTxn(r).build(),
        false,
        StoreResponse::getTxn);
  }

  @Override
  public CompletableFuture<CompactionResponse> compact(CompactionRequest r) {
    return call(
        () -> {
          if (r.getRevision() <= 0) {
            throw KvStoreException.invalid("revision", "compaction revision must be positive");
          }
        },
        StoreRequest.newBuilder().setCompaction(r).build(),
        false,
        StoreResponse::getCompaction);
  }

  @Override
  public CompletableFuture<LeaseGrantResponse> leaseGrant(LeaseGrantRequest r) {
    return call(
        () -> {
          if (r.getTtl() < 1) {
            throw KvStoreException.invalid(
                "ttl", "TTL must be at least 1 second, got " + r.getTtl());
          }
          if (r.getId() < 0) {
            throw KvStoreException.invalid("id", "lease id is negative");
          }
        },
        StoreRequest.newBuilder().setLeaseGrant(r).build(),
        false,
        StoreResponse::getLeaseGrant);
  }

  @Override
  public CompletableFuture<LeaseRevokeResponse> leaseRevoke(LeaseRevokeRequest r) {
    return call(
        () -> leaseId(r.getId()),
        StoreRequest.newBuilder().setLeaseRevoke(r).build(),
        false,
        StoreResponse::getLeaseRevoke);
  }

  @Override
  public CompletableFuture<LeaseKeepAliveResponse> leaseKeepAlive(LeaseKeepAliveRequest r) {
    return call(
        () -> leaseId(r.getId()),
        StoreRequest.newBuilder().setLeaseKeepAlive(r).build(),
        false,
        StoreResponse::getLeaseKeepAlive);
  }

  @Override
  public CompletableFuture<LeaseTimeToLiveResponse> leaseTimeToLive(LeaseTimeToLiveRequest r) {
    return call(
        () -> leaseId(r.getId()),
        StoreRequest.newBuilder().setLeaseTimeToLive(r).build(),
        false,
        StoreResponse::getLeaseTimeToLive);
  }
}
