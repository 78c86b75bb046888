package dev.drover.store.mvcc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.google.protobuf.ByteString;
import dev.drover.store.InMemoryKvStore;
import dev.drover.store.api.Keys;
import dev.drover.store.api.KvStore;
import dev.drover.store.api.KvStoreException;
import dev.drover.store.api.KvStoreException.Kind;
import dev.drover.store.api.StoreOptions;
import dev.drover.store.api.Validation;
import dev.drover.store.v1.CompactionRequest;
import dev.drover.store.v1.Compare;
import dev.drover.store.v1.DeleteRangeRequest;
import dev.drover.store.v1.DeleteRangeResponse;
import dev.drover.store.v1.KeyValue;
import dev.drover.store.v1.LeaseGrantRequest;
import dev.drover.store.v1.LeaseRevokeRequest;
import dev.drover.store.v1.PutRequest;
import dev.drover.store.v1.PutResponse;
import dev.drover.store.v1.RangeRequest;
import dev.drover.store.v1.RangeResponse;
import dev.drover.store.v1.RequestOp;
import dev.drover.store.v1.TxnRequest;
import dev.drover.store.v1.TxnResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * MVCC and Txn semantics as a table: each row prepares a fresh store, runs one operation and checks
 * its response or its precise error. Rows that expect an error also check that the store's revision
 * and contents did not change.
 */
class MvccSemanticsTest {

  interface Step {
    Object run(KvStore s) throws Exception;
  }

  record Row(
      String name, Step setup, Step action, Consumer<Object> expect, Kind error, String field) {}

  static ByteString b(String s) {
    return Keys.of(s);
  }

  static Object await(CompletableFuture<?> f) throws Exception {
    return f.get(10, TimeUnit.SECONDS);
  }

  static RequestOp putOp(String k, String v) {
    return RequestOp.newBuilder()
        .setRequestPut(PutRequest.newBuilder().setKey(b(k)).setValue(b(v)))
        .build();
  }

  static RequestOp getOp(String k) {
    return RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(b(k))).build();
  }

  static Step puts(String... kv) {
    return s -> {
      for (int i = 0; i < kv.length; i += 2) {
        await(s.put(b(kv[i]), b(kv[i + 1])));
      }
      return null;
    };
  }

  static Row ok(String name, Step setup, Step action, Consumer<Object> expect) {
    return new Row(name, setup, action, expect, null, null);
  }

  static Row err(String name, Step setup, Step action, Kind kind, String field) {
    return new Row(name, setup, action, r -> {}, kind, field);
  }

  static RangeResponse range(Object o) {
    return (RangeResponse) o;
  }

  static TxnResponse txn(Object o) {
    return (TxnResponse) o;
  }

  static List<Row> rows() {
    List<Row> t = new ArrayList<>();
    Step none = s -> null;
    // ---- put / versions
    t.add(
        ok(
            "first put creates version 1 at revision 1",
            puts("a", "1"),
            s -> await(s.get(b("a"))),
            r -> {
              KeyValue kv = range(r).getKvs(0);
              assertThat(kv.getCreateRevision()).isEqualTo(1);
              assertThat(kv.getModRevision()).isEqualTo(1);
              assertThat(kv.getVersion()).isEqualTo(1);
            }));
    t.add(
        ok(
            "second put bumps version, keeps create revision",
            puts("a", "1", "b", "x", "a", "2"),
            s -> await(s.get(b("a"))),
            r -> {
              KeyValue kv = range(r).getKvs(0);
              assertThat(kv.getCreateRevision()).isEqualTo(1);
              assertThat(kv.getModRevision()).isEqualTo(3);
              assertThat(kv.getVersion()).isEqualTo(2);
              assertThat(kv.getValue()).isEqualTo(b("2"));
            }));
    t.add(
        ok(
            "put returns the previous version when asked",
            puts("a", "1"),
            s ->
                await(
                    s.put(
                        PutRequest.newBuilder()
                            .setKey(b("a"))
                            .setValue(b("2"))
                            .setPrevKv(true)
                            .build())),
            r -> {
              assertThat(((PutResponse) r).getPrevKv().getValue()).isEqualTo(b("1"));
              assertThat(((PutResponse) r).getHeader().getRevision()).isEqualTo(2);
            }));
    t.add(
        ok(
            "delete then put restarts create revision and version",
            puts("a", "1"),
            s -> {
              await(s.delete(b("a")));
              await(s.put(b("a"), b("2")));
              return await(s.get(b("a")));
            },
            r -> {
              KeyValue kv = range(r).getKvs(0);
              assertThat(kv.getCreateRevision()).isEqualTo(3);
              assertThat(kv.getVersion()).isEqualTo(1);
            }));
    t.add(
        ok(
            "deleting a missing key does not advance the revision",
            puts("a", "1"),
            s -> {
              DeleteRangeResponse d = (DeleteRangeResponse) await(s.delete(b("zz")));
              assertThat(d.getDeleted()).isZero();
              return s.currentRevision();
            },
            r -> assertThat(r).isEqualTo(1L)));
    // ---- ranges
    t.add(
        ok(
            "prefix range with limit reports more and the full count",
            puts("p/1", "a", "p/2", "b", "p/3", "c", "q", "d"),
            s ->
                await(
                    s.range(
                        RangeRequest.newBuilder()
                            .setKey(b("p/"))
                            .setRangeEnd(Keys.prefixEnd(b("p/")))
                            .setLimit(2)
                            .build())),
            r -> {
              assertThat(range(r).getKvsList())
                  .extracting(KeyValue::getKey)
                  .containsExactly(b("p/1"), b("p/2"));
              assertThat(range(r).getMore()).isTrue();
              assertThat(range(r).getCount()).isEqualTo(3);
            }));
    t.add(
        ok(
            "count only returns no keys",
            puts("p/1", "a", "p/2", "b"),
            s ->
                await(
                    s.range(
                        RangeRequest.newBuilder()
                            .setKey(b("p/"))
                            .setRangeEnd(Keys.prefixEnd(b("p/")))
                            .setCountOnly(true)
                            .build())),
            r -> {
              assertThat(range(r).getKvsCount()).isZero();
              assertThat(range(r).getCount()).isEqualTo(2);
            }));
    t.add(
        ok(
            "keys only strips values",
            puts("p/1", "a"),
            s ->
                await(
                    s.range(RangeRequest.newBuilder().setKey(b("p/1")).setKeysOnly(true).build())),
            r -> {
              assertThat(range(r).getKvs(0).getValue()).isEmpty();
              assertThat(range(r).getKvs(0).getVersion()).isEqualTo(1);
            }));
    t.add(
        ok(
            "range end \\0 selects every key from the start",
            puts("a", "1", "b", "2", "c", "3"),
            s ->
                await(
                    s.range(
                        RangeRequest.newBuilder()
                            .setKey(b("b"))
                            .setRangeEnd(Keys.ALL_FROM)
                            .build())),
            r ->
                assertThat(range(r).getKvsList())
                    .extracting(KeyValue::getKey)
                    .containsExactly(b("b"), b("c"))));
    t.add(
        ok(
            "historical read sees the value at that revision",
            puts("a", "1", "a", "2", "a", "3"),
            s -> await(s.range(RangeRequest.newBuilder().setKey(b("a")).setRevision(2).build())),
            r -> {
              assertThat(range(r).getKvs(0).getValue()).isEqualTo(b("2"));
              assertThat(range(r).getHeader().getRevision()).isEqualTo(3);
            }));
    t.add(
        ok(
            "historical read before a delete still sees the key",
            puts("a", "1"),
            s -> {
              await(s.delete(b("a")));
              RangeResponse now = (RangeResponse) await(s.get(b("a")));
              assertThat(now.getCount()).isZero();
              return await(
                  s.range(RangeRequest.newBuilder().setKey(b("a")).setRevision(1).build()));
            },
            r -> assertThat(range(r).getKvs(0).getValue()).isEqualTo(b("1"))));
    t.add(
        ok(
            "delete range with prev kvs deletes a prefix at one revision",
            puts("p/1", "a", "p/2", "b", "q", "c"),
            s ->
                await(
                    s.deleteRange(
                        DeleteRangeRequest.newBuilder()
                            .setKey(b("p/"))
                            .setRangeEnd(Keys.prefixEnd(b("p/")))
                            .setPrevKv(true)
                            .build())),
            r -> {
              DeleteRangeResponse d = (DeleteRangeResponse) r;
              assertThat(d.getDeleted()).isEqualTo(2);
              assertThat(d.getPrevKvsList())
                  .extracting(KeyValue::getValue)
                  .containsExactly(b("a"), b("b"));
              assertThat(d.getHeader().getRevision()).isEqualTo(4);
            }));
    // ---- txn
    t.add(
        ok(
            "txn value compare picks success; writes share one revision",
            puts("a", "1"),
            s ->
                await(
                    s.txn(
                        TxnRequest.newBuilder()
                            .addCompare(
                                Compare.newBuilder()
                                    .setKey(b("a"))
                                    .setTarget(Compare.CompareTarget.VALUE)
                                    .setValue(b("1")))
                            .addSuccess(putOp("b", "x"))
                            .addSuccess(putOp("c", "y"))
                            .addSuccess(getOp("b"))
                            .addFailure(putOp("d", "z"))
                            .build())),
            r -> {
              assertThat(txn(r).getSucceeded()).isTrue();
              assertThat(txn(r).getHeader().getRevision()).isEqualTo(2);
              KeyValue read = txn(r).getResponses(2).getResponseRange().getKvs(0);
              assertThat(read.getModRevision()).isEqualTo(2);
              assertThat(read.getValue()).isEqualTo(b("x"));
            }));
    t.add(
        ok(
            "txn mod revision compare fails on a stale revision and runs failure ops",
            puts("a", "1", "a", "2"),
            s ->
                await(
                    s.txn(
                        TxnRequest.newBuilder()
                            .addCompare(
                                Compare.newBuilder()
                                    .setKey(b("a"))
                                    .setTarget(Compare.CompareTarget.MOD)
                                    .setModRevision(1))
                            .addSuccess(putOp("a", "cas"))
                            .addFailure(getOp("a"))
                            .build())),
            r -> {
              assertThat(txn(r).getSucceeded()).isFalse();
              assertThat(txn(r).getResponses(0).getResponseRange().getKvs(0).getValue())
                  .isEqualTo(b("2"));
              assertThat(txn(r).getHeader().getRevision()).isEqualTo(2);
            }));
    t.add(
        ok(
            "txn create-if-absent: version 0 compare",
            none,
            s ->
                await(
                    s.txn(
                        TxnRequest.newBuilder()
                            .addCompare(
                                Compare.newBuilder()
                                    .setKey(b("n"))
                                    .setTarget(Compare.CompareTarget.VERSION)
                                    .setVersion(0))
                            .addSuccess(putOp("n", "new"))
                            .build())),
            r -> assertThat(txn(r).getSucceeded()).isTrue()));
    t.add(
        ok(
            "txn create revision compare with GREATER",
            puts("a", "1", "b", "2"),
            s ->
                await(
                    s.txn(
                        TxnRequest.newBuilder()
                            .addCompare(
                                Compare.newBuilder()
                                    .setKey(b("b"))
                                    .setTarget(Compare.CompareTarget.CREATE)
                                    .setResult(Compare.CompareResult.GREATER)
                                    .setCreateRevision(1))
                            .build())),
            r -> assertThat(txn(r).getSucceeded()).isTrue()));
    t.add(
        ok(
            "txn value compare against a missing key is false",
            none,
            s ->
                await(
                    s.txn(
                        TxnRequest.newBuilder()
                            .addCompare(
                                Compare.newBuilder()
                                    .setKey(b("m"))
                                    .setTarget(Compare.CompareTarget.VALUE)
                                    .setResult(Compare.CompareResult.NOT_EQUAL)
                                    .setValue(b("x")))
                            .build())),
            r -> assertThat(txn(r).getSucceeded()).isFalse()));
    // ---- compaction
    t.add(
        ok(
            "compaction keeps the latest version and allows reads at the compact revision",
            puts("a", "1", "a", "2", "a", "3", "b", "x"),
            s -> {
              await(s.compact(CompactionRequest.newBuilder().setRevision(3).build()));
              return await(
                  s.range(RangeRequest.newBuilder().setKey(b("a")).setRevision(3).build()));
            },
            r -> assertThat(range(r).getKvs(0).getValue()).isEqualTo(b("3"))));
    t.add(
        err(
            "read below the compact revision fails with COMPACTED",
            puts("a", "1", "a", "2", "a", "3"),
            s -> {
              await(s.compact(CompactionRequest.newBuilder().setRevision(2).build()));
              return await(
                  s.range(RangeRequest.newBuilder().setKey(b("a")).setRevision(1).build()));
            },
            Kind.COMPACTED,
            ""));
    t.add(
        err(
            "compacting twice to the same revision fails with COMPACTED",
            puts("a", "1", "a", "2"),
            s -> {
              await(s.compact(CompactionRequest.newBuilder().setRevision(2).build()));
              return await(s.compact(CompactionRequest.newBuilder().setRevision(2).build()));
            },
            Kind.COMPACTED,
            ""));
    t.add(
        err(
            "compacting a future revision fails",
            puts("a", "1"),
            s -> await(s.compact(CompactionRequest.newBuilder().setRevision(5).build())),
            Kind.FUTURE_REVISION,
            ""));
    // ---- leases
    t.add(
        ok(
            "revoking a lease deletes its keys at one revision",
            none,
            s -> {
              long id =
                  ((dev.drover.store.v1.LeaseGrantResponse)
                          await(s.leaseGrant(LeaseGrantRequest.newBuilder().setTtl(60).build())))
                      .getId();
              await(
                  s.put(
                      PutRequest.newBuilder()
                          .setKey(b("l/1"))
                          .setValue(b("v"))
                          .setLease(id)
                          .build()));
              await(
                  s.put(
                      PutRequest.newBuilder()
                          .setKey(b("l/2"))
                          .setValue(b("v"))
                          .setLease(id)
                          .build()));
              await(s.put(b("l/3"), b("no lease")));
              await(s.leaseRevoke(LeaseRevokeRequest.newBuilder().setId(id).build()));
              return await(s.getPrefix(b("l/")));
            },
            r -> {
              assertThat(range(r).getKvsList())
                  .extracting(KeyValue::getKey)
                  .containsExactly(b("l/3"));
              assertThat(range(r).getHeader().getRevision()).isEqualTo(4);
            }));
    // ---- bad input: precise error, nothing changes
    t.add(
        err(
            "empty key",
            puts("a", "1"),
            s -> await(s.put(b(""), b("v"))),
            Kind.INVALID_ARGUMENT,
            "key"));
    t.add(
        err(
            "key over 1.5 KiB",
            puts("a", "1"),
            s -> await(s.put(ByteString.copyFrom(new byte[Validation.MAX_KEY_BYTES + 1]), b("v"))),
            Kind.INVALID_ARGUMENT,
            "key"));
    t.add(
        err(
            "value over 1.5 MiB",
            puts("a", "1"),
            s ->
                await(s.put(b("k"), ByteString.copyFrom(new byte[Validation.MAX_VALUE_BYTES + 1]))),
            Kind.INVALID_ARGUMENT,
            "value"));
    t.add(
        err(
            "more than 128 ops in a txn",
            puts("a", "1"),
            s -> {
              TxnRequest.Builder tx = TxnRequest.newBuilder();
              for (int i = 0; i <= Validation.MAX_TXN_OPS; i++) {
                tx.addSuccess(putOp("k" + i, "v"));
              }
              return await(s.txn(tx.build()));
            },
            Kind.INVALID_ARGUMENT,
            "success"));
    t.add(
        err(
            "a txn larger than the request limit",
            puts("a", "1"),
            s -> {
              TxnRequest.Builder tx = TxnRequest.newBuilder();
              ByteString big = ByteString.copyFrom(new byte[Validation.MAX_VALUE_BYTES]);
              tx.addSuccess(
                  RequestOp.newBuilder()
                      .setRequestPut(PutRequest.newBuilder().setKey(b("x")).setValue(big)));
              tx.addSuccess(
                  RequestOp.newBuilder()
                      .setRequestPut(PutRequest.newBuilder().setKey(b("y")).setValue(big)));
              return await(s.txn(tx.build()));
            },
            Kind.INVALID_ARGUMENT,
            "txn"));
    t.add(
        err(
            "range end before start",
            puts("a", "1"),
            s ->
                await(
                    s.range(RangeRequest.newBuilder().setKey(b("b")).setRangeEnd(b("a")).build())),
            Kind.INVALID_ARGUMENT,
            "range_end"));
    t.add(
        err(
            "negative limit",
            puts("a", "1"),
            s -> await(s.range(RangeRequest.newBuilder().setKey(b("a")).setLimit(-1).build())),
            Kind.INVALID_ARGUMENT,
            "limit"));
    t.add(
        err(
            "future revision",
            puts("a", "1"),
            s -> await(s.range(RangeRequest.newBuilder().setKey(b("a")).setRevision(9).build())),
            Kind.FUTURE_REVISION,
            ""));
    t.add(
        err(
            "unknown lease on put",
            puts("a", "1"),
            s ->
                await(
                    s.put(
                        PutRequest.newBuilder()
                            .setKey(b("k"))
                            .setValue(b("v"))
                            .setLease(42)
                            .build())),
            Kind.LEASE_NOT_FOUND,
            "lease"));
    t.add(
        err(
            "unknown lease in the second op of a txn applies nothing",
            puts("a", "1"),
            s ->
                await(
                    s.txn(
                        TxnRequest.newBuilder()
                            .addSuccess(putOp("x", "1"))
                            .addSuccess(
                                RequestOp.newBuilder()
                                    .setRequestPut(
                                        PutRequest.newBuilder()
                                            .setKey(b("y"))
                                            .setValue(b("2"))
                                            .setLease(77)))
                            .build())),
            Kind.LEASE_NOT_FOUND,
            "success[1].put.lease"));
    t.add(
        err(
            "future revision read inside a txn applies nothing",
            puts("a", "1"),
            s ->
                await(
                    s.txn(
                        TxnRequest.newBuilder()
                            .addSuccess(putOp("x", "1"))
                            .addSuccess(
                                RequestOp.newBuilder()
                                    .setRequestRange(
                                        RangeRequest.newBuilder().setKey(b("a")).setRevision(5)))
                            .build())),
            Kind.FUTURE_REVISION,
            ""));
    t.add(
        err(
            "two puts of one key in a txn",
            puts("a", "1"),
            s ->
                await(
                    s.txn(
                        TxnRequest.newBuilder()
                            .addSuccess(putOp("x", "1"))
                            .addSuccess(putOp("x", "2"))
                            .build())),
            Kind.INVALID_ARGUMENT,
            "success[1].key"));
    t.add(
        err(
            "bad key deep inside a txn names the field",
            puts("a", "1"),
            s ->
                await(
                    s.txn(
                        TxnRequest.newBuilder()
                            .addSuccess(putOp("x", "1"))
                            .addFailure(putOp("", "2"))
                            .build())),
            Kind.INVALID_ARGUMENT,
            "failure[0].put.key"));
    t.add(
        err(
            "lease with zero TTL",
            puts("a", "1"),
            s -> await(s.leaseGrant(LeaseGrantRequest.newBuilder().setTtl(0).build())),
            Kind.INVALID_ARGUMENT,
            "ttl"));
    return t;
  }

  @TestFactory
  Stream<DynamicTest> table() {
    return rows().stream()
        .map(
            row ->
                DynamicTest.dynamicTest(
                    row.name(),
                    () -> {
                      try (InMemoryKvStore s =
                          new InMemoryKvStore(new StoreOptions().autoCompactRetention(0)).start()) {
                        row.setup().run(s);
                        if (row.error() == null) {
                          row.expect().accept(row.action().run(s));
                          return;
                        }
                        long before = s.currentRevision();
                        var live = s.mvcc().liveView();
                        int versions = s.mvcc().versionCount();
                        try {
                          row.action().run(s);
                          fail("expected " + row.error());
                        } catch (java.util.concurrent.ExecutionException e) {
                          KvStoreException k = KvStoreException.of(e);
                          assertThat(k.kind()).as(k.getMessage()).isEqualTo(row.error());
                          assertThat(k.field()).isEqualTo(row.field());
                          if (row.error() == Kind.COMPACTED) {
                            assertThat(k.compactRevision()).isPositive();
                          }
                        }
                        if (!row.name().contains("compact")) {
                          assertThat(s.currentRevision()).isEqualTo(before);
                          assertThat(s.mvcc().liveView()).isEqualTo(live);
                          assertThat(s.mvcc().versionCount()).isEqualTo(versions);
                        }
                      }
                    }));
  }
}
