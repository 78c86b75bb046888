package dev.drover.store.api;

import com.google.protobuf.ByteString;
import dev.drover.store.v1.Compare;
import dev.drover.store.v1.DeleteRangeRequest;
import dev.drover.store.v1.PutRequest;
import dev.drover.store.v1.RangeRequest;
import dev.drover.store.v1.RequestOp;
import dev.drover.store.v1.TxnRequest;
import dev.drover.store.v1.WatchRequest;
import java.util.ArrayList;
import java.util.List;

/**
 * Stateless request checks: sizes, counts and ranges that never depend on the store's contents.
 * They run before anything is proposed or applied, so a bad request is rejected with the offending
 * field and changes nothing. Stateful checks (revisions, leases) live in {@code MvccStore}.
 */
public final class Validation {
  /** Largest key, as etcd's default request limits allow in practice. */
  public static final int MAX_KEY_BYTES = 1536;

  /** Largest value (1.5 MiB, etcd's default request size). */
  public static final int MAX_VALUE_BYTES = 1536 * 1024;

  /** Most compares or operations in one Txn branch (etcd's --max-txn-ops default). */
  public static final int MAX_TXN_OPS = 128;

  /**
   * Largest whole request: one value of the largest size plus room for its key and fields, as
   * etcd's --max-request-bytes bounds a request (a Txn of many large puts included), so a log entry
   * stays bounded.
   */
  public static final int MAX_REQUEST_BYTES = MAX_VALUE_BYTES + 64 * 1024;

  private Validation() {}

  static void key(String field, ByteString key) {
    if (key.isEmpty()) {
      throw KvStoreException.invalid(field, "key is empty");
    }
    if (key.size() > MAX_KEY_BYTES) {
      throw KvStoreException.invalid(
          field, "key is " + key.size() + " bytes, more than " + MAX_KEY_BYTES);
    }
  }

  static void rangeEnd(String field, ByteString key, ByteString end) {
    if (end.isEmpty() || end.equals(Keys.ALL_FROM)) {
      return;
    }
    if (end.size() > MAX_KEY_BYTES) {
      throw KvStoreException.invalid(
          field, "range end is " + end.size() + " bytes, more than " + MAX_KEY_BYTES);
    }
    if (KeyRange.ORDER.compare(end, key) < 0) {
      throw KvStoreException.invalid(field, "range end is before the range start");
    }
  }

  /** Checks a range request. */
  public static void range(String prefix, RangeRequest r) {
    key(prefix + "key", r.getKey());
    rangeEnd(prefix + "range_end", r.getKey(), r.getRangeEnd());
    if (r.getLimit() < 0) {
      throw KvStoreException.invalid(prefix + "limit", "limit is negative");
    }
    if (r.getRevision() < 0) {
      throw KvStoreException.invalid(prefix + "revision", "revision is negative");
    }
  }

  /** Checks a put request. */
  public static void put(String prefix, PutRequest r) {
    key(prefix + "key", r.getKey());
    if (r.getValue().size() > MAX_VALUE_BYTES) {
      throw KvStoreException.invalid(
          prefix + "value",
          "value is " + r.getValue().size() + " bytes, more than " + MAX_VALUE_BYTES);
    }
    if (r.getLease() < 0) {
      throw KvStoreException.invalid(prefix + "lease", "lease id is negative");
    }
  }

  /** Checks a delete-range request. */
  public static void deleteRange(String prefix, DeleteRangeRequest r) {
    key(prefix + "key", r.getKey());
    rangeEnd(prefix + "range_end", r.getKey(), r.getRangeEnd());
  }

  /** Checks a watch request. */
  public static void watch(WatchRequest r) {
    key("key", r.getKey());
    rangeEnd("range_end", r.getKey(), r.getRangeEnd());
    if (r.getStartRevision() < 0) {
      throw KvStoreException.invalid("start_revision", "start revision is negative");
    }
  }

  /**
   * Checks a transaction: counts, total size, every compare and operation, and conflicting writes.
   */
  public static void txn(TxnRequest t) {
    count("compare", t.getCompareCount());
    count("success", t.getSuccessCount());
    count("failure", t.getFailureCount());
    int size = t.getSerializedSize();
    if (size > MAX_REQUEST_BYTES) {
      throw KvStoreException.invalid(
          "txn", "transaction is " + size + " bytes, more than " + MAX_REQUEST_BYTES);
    }
    for (int i = 0; i < t.getCompareCount(); i++) {
      Compare c = t.getCompare(i);
      String p = "compare[" + i + "].";
      key(p + "key", c.getKey());
      rangeEnd(p + "range_end", c.getKey(), c.getRangeEnd());
      if (c.getTarget() == Compare.CompareTarget.UNRECOGNIZED) {
        throw KvStoreException.invalid(p + "target", "unknown compare target");
      }
      if (c.getResult() == Compare.CompareResult.UNRECOGNIZED) {
        throw KvStoreException.invalid(p + "result", "unknown compare result");
      }
      if (c.getValue().size() > MAX_VALUE_BYTES) {
        throw KvStoreException.invalid(
            p + "value", "value is more than " + MAX_VALUE_BYTES + " bytes");
      }
    }
    branch("success", t.getSuccessList());
    branch("failure", t.getFailureList());
  }

  private static void count(String field, int n) {
    if (n > MAX_TXN_OPS) {
      throw KvStoreException.invalid(field, n + " entries, more than the limit of " + MAX_TXN_OPS);
    }
  }

  private static void branch(String name, List<RequestOp> ops) {
    List<KeyRange> writes = new ArrayList<>();
    List<String> fields = new ArrayList<>();
    List<Boolean> puts = new ArrayList<>();
    for (int i = 0; i < ops.size(); i++) {
      RequestOp op = ops.get(i);
      String p = name + "[" + i + "].";
      KeyRange written;
      switch (op.getRequestCase()) {
        case REQUEST_RANGE:
          range(p + "range.", op.getRequestRange());
          continue;
        case REQUEST_PUT:
          put(p + "put.", op.getRequestPut());
          written = KeyRange.of(op.getRequestPut().getKey(), ByteString.EMPTY);
          break;
        case REQUEST_DELETE_RANGE:
          deleteRange(p + "delete_range.", op.getRequestDeleteRange());
          written =
              KeyRange.of(
                  op.getRequestDeleteRange().getKey(), op.getRequestDeleteRange().getRangeEnd());
          break;
        default:
          throw KvStoreException.invalid(p + "request", "operation is empty");
      }
      // Like etcd, a put may not touch a key another write of the transaction touches: two
      // versions of one key at the same revision would make its history ambiguous.
      boolean isPut = op.getRequestCase() == RequestOp.RequestCase.REQUEST_PUT;
      for (int j = 0; j < writes.size(); j++) {
        if ((isPut || puts.get(j)) && writes.get(j).overlaps(written)) {
          throw KvStoreException.invalid(
              p + "key", "writes a key already written by " + fields.get(j));
        }
      }
      writes.add(written);
      puts.add(isPut);
      fields.add(name + "[" + i + "]");
    }
  }
}
