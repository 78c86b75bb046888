package dev.drover.store.lin;

import com.google.protobuf.ByteString;
import dev.drover.store.api.Keys;
import dev.drover.store.v1.Compare;
import dev.drover.store.v1.PutRequest;
import dev.drover.store.v1.RequestOp;
import dev.drover.store.v1.TxnRequest;

/**
 * The store transaction behind a register's compare-and-swap, shared by the in-process and the
 * multi-host linearizability workloads so both check the same operation.
 */
public final class RegisterTxns {
  private RegisterTxns() {}

  /**
   * Puts {@code value} under {@code key} if it holds {@code expected}, or, when {@code expected} is
   * null, if the key does not exist yet.
   */
  public static TxnRequest cas(ByteString key, String expected, String value) {
    Compare cmp =
        expected == null
            ? Compare.newBuilder()
                .setKey(key)
                .setTarget(Compare.CompareTarget.VERSION)
                .setVersion(0)
                .build()
            : Compare.newBuilder()
                .setKey(key)
                .setTarget(Compare.CompareTarget.VALUE)
                .setValue(Keys.of(expected))
                .build();
    return TxnRequest.newBuilder()
        .addCompare(cmp)
        .addSuccess(
            RequestOp.newBuilder()
                .setRequestPut(PutRequest.newBuilder().setKey(key).setValue(Keys.of(value))))
        .build();
  }
}
