package dev.drover.master.registry;

import com.google.protobuf.ByteString;
import dev.drover.store.api.KvStore;
import dev.drover.store.api.KvStoreException;
import dev.drover.store.api.Watch;
import dev.drover.store.api.WatchListener;
import dev.drover.store.v1.CompactionRequest;
import dev.drover.store.v1.CompactionResponse;
import dev.drover.store.v1.DeleteRangeRequest;
import dev.drover.store.v1.DeleteRangeResponse;
import dev.drover.store.v1.Event;
import dev.drover.store.v1.KeyValue;
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
import dev.drover.store.v1.RequestOp;
import dev.drover.store.v1.ResponseOp;
import dev.drover.store.v1.TxnRequest;
import dev.drover.store.v1.TxnResponse;
import dev.drover.store.v1.WatchRequest;
import dev.drover.store.v1.WatchResponse;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link KvStore} that passes the values of keys under one prefix through a {@link
 * ValueTransformer} on their way in and out, and everything else untouched. The master puts it
 * between the store and every reader and writer (registry, watch cache, election), so the
 * transformed form (ciphertext) is all the replicated log and snapshots ever see while the rest of
 * the master works on plain objects.
 *
 * <p>Responses that hold no covered key are returned as they are, so the cost for other kinds is a
 * prefix check per key.
 */
public final class TransformingKvStore implements KvStore {
  private final KvStore inner;
  private final ByteString prefix;
  private final ValueTransformer transformer;

  /** Transforms the values of every key starting with {@code prefix}. */
  public TransformingKvStore(KvStore inner, ByteString prefix, ValueTransformer transformer) {
    this.inner = inner;
    this.prefix = prefix;
    this.transformer = transformer;
  }

  /** The store underneath, which holds the transformed values. */
  public KvStore inner() {
    return inner;
  }

  private boolean covers(ByteString key) {
    return key.startsWith(prefix);
  }

  // ---------------------------------------------------------------- requests

  private PutRequest in(PutRequest r) {
    if (!covers(r.getKey())) {
      return r;
    }
    return r.toBuilder().setValue(transformer.toStore(r.getKey(), r.getValue())).build();
  }

  private TxnRequest in(TxnRequest r) {
    TxnRequest.Builder b = null;
    for (int i = 0; i < r.getSuccessCount(); i++) {
      RequestOp op = r.getSuccess(i);
      if (op.hasRequestPut() && covers(op.getRequestPut().getKey())) {
        b = b == null ? r.toBuilder() : b;
        b.setSuccess(i, RequestOp.newBuilder().setRequestPut(in(op.getRequestPut())));
      }
    }
    for (int i = 0; i < r.getFailureCount(); i++) {
      RequestOp op = r.getFailure(i);
      if (op.hasRequestPut() && covers(op.getRequestPut().getKey())) {
        b = b == null ? r.toBuilder() : b;
        b.setFailure(i, RequestOp.newBuilder().setRequestPut(in(op.getRequestPut())));
      }
    }
    return b == null ? r : b.build();
  }

  // ---------------------------------------------------------------- responses

  private KeyValue out(KeyValue kv) {
    if (!covers(kv.getKey()) || kv.getValue().isEmpty()) {
      return kv;
    }
    return kv.toBuilder().setValue(transformer.fromStore(kv.getKey(), kv.getValue())).build();
  }

  private boolean anyCovered(Iterable<KeyValue> kvs) {
    for (KeyValue kv : kvs) {
      if (covers(kv.getKey())) {
        return true;
      }
    }
    return false;
  }

  private RangeResponse out(RangeResponse r) {
    if (!anyCovered(r.getKvsList())) {
      return r;
    }
    RangeResponse.Builder b = r.toBuilder().clearKvs();
    r.getKvsList().forEach(kv -> b.addKvs(out(kv)));
    return b.build();
  }

  private PutResponse out(PutResponse r) {
    return r.hasPrevKv() && covers(r.getPrevKv().getKey())
        ? r.toBuilder().setPrevKv(out(r.getPrevKv())).build()
        : r;
  }

  private DeleteRangeResponse out(DeleteRangeResponse r) {
    if (!anyCovered(r.getPrevKvsList())) {
      return r;
    }
    DeleteRangeResponse.Builder b = r.toBuilder().clearPrevKvs();
    r.getPrevKvsList().forEach(kv -> b.addPrevKvs(out(kv)));
    return b.build();
  }

  private TxnResponse out(TxnResponse r) {
    TxnResponse.Builder b = r.toBuilder().clearResponses();
    for (ResponseOp op : r.getResponsesList()) {
      if (op.hasResponseRange()) {
        b.addResponses(ResponseOp.newBuilder().setResponseRange(out(op.getResponseRange())));
      } else if (op.hasResponsePut()) {
        b.addResponses(ResponseOp.newBuilder().setResponsePut(out(op.getResponsePut())));
      } else if (op.hasResponseDeleteRange()) {
        b.addResponses(
            ResponseOp.newBuilder().setResponseDeleteRange(out(op.getResponseDeleteRange())));
      } else {
        b.addResponses(op);
      }
    }
    return b.build();
  }

  private WatchResponse out(WatchResponse r) {
    boolean any = false;
    for (Event e : r.getEventsList()) {
      any |= covers(e.getKv().getKey());
    }
    if (!any) {
      return r;
    }
    WatchResponse.Builder b = r.toBuilder().clearEvents();
    for (Event e : r.getEventsList()) {
      Event.Builder eb = e.toBuilder().setKv(out(e.getKv()));
      if (e.hasPrevKv()) {
        eb.setPrevKv(out(e.getPrevKv()));
      }
      b.addEvents(eb);
    }
    return b.build();
  }

  /** Runs a transformation of a response, failing the future rather than the caller's thread. */
  private static <T> CompletableFuture<T> mapped(
      CompletableFuture<T> f, java.util.function.UnaryOperator<T> fn) {
    return f.thenApply(
        r -> {
          try {
            return fn.apply(r);
          } catch (IllegalStateException e) {
            throw new KvStoreException(KvStoreException.Kind.INTERNAL, e.getMessage(), e);
          }
        });
  }

  // ---------------------------------------------------------------- KvStore

  @Override
  public CompletableFuture<RangeResponse> range(RangeRequest request) {
    return mapped(inner.range(request), this::out);
  }

  @Override
  public CompletableFuture<PutResponse> put(PutRequest request) {
    return mapped(inner.put(in(request)), this::out);
  }

  @Override
  public CompletableFuture<DeleteRangeResponse> deleteRange(DeleteRangeRequest request) {
    return mapped(inner.deleteRange(request), this::out);
  }

  @Override
  public CompletableFuture<TxnResponse> txn(TxnRequest request) {
    return mapped(inner.txn(in(request)), this::out);
  }

  @Override
  public CompletableFuture<CompactionResponse> compact(CompactionRequest request) {
    return inner.compact(request);
  }

  @Override
  public CompletableFuture<LeaseGrantResponse> leaseGrant(LeaseGrantRequest request) {
    return inner.leaseGrant(request);
  }

  @Override
  public CompletableFuture<LeaseRevokeResponse> leaseRevoke(LeaseRevokeRequest request) {
    return inner.leaseRevoke(request);
  }

  @Override
  public CompletableFuture<LeaseKeepAliveResponse> leaseKeepAlive(LeaseKeepAliveRequest request) {
    return inner.leaseKeepAlive(request);
  }

  @Override
  public CompletableFuture<LeaseTimeToLiveResponse> leaseTimeToLive(
      LeaseTimeToLiveRequest request) {
    return inner.leaseTimeToLive(request);
  }

  @Override
  public Watch watch(WatchRequest request, WatchListener listener) {
    return inner.watch(
        request,
        new WatchListener() {
          @Override
          public void onNext(WatchResponse response) {
            WatchResponse plain;
            try {
              plain = out(response);
            } catch (IllegalStateException e) {
              listener.onError(
                  new KvStoreException(KvStoreException.Kind.INTERNAL, e.getMessage(), e));
              return;
            }
            listener.onNext(plain);
          }

          @Override
          public void onError(KvStoreException error) {
            listener.onError(error);
          }
        });
  }

  @Override
  public long currentRevision() {
    return inner.currentRevision();
  }

  @Override
  public void close() {
    inner.close();
  }
}
