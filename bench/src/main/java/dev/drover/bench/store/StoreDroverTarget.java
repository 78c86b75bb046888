package dev.drover.bench.store;

import com.google.protobuf.ByteString;
import dev.drover.store.KvStores;
import dev.drover.store.Peer;
import dev.drover.store.StoreOptions;
import dev.drover.store.raft.RaftKvStore;
import dev.drover.store.v1.Compare;
import dev.drover.store.v1.PutRequest;
import dev.drover.store.v1.RequestOp;
import dev.drover.store.v1.TxnRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Drover's replicated store: 1 or 3 members in this JVM on loopback, driven through member m1. */
final class StoreDroverTarget implements StoreTarget {
  private final List<RaftKvStore> members = new ArrayList<>();
  private final RaftKvStore via;

  StoreDroverTarget(Path dir, int size) throws Exception {
    List<Peer> peers = new ArrayList<>();
    for (int i = 1; i <= size; i++) {
      peers.add(new Peer("m" + i, "127.0.0.1", KvStores.freePort()));
    }
    for (Peer p : peers) {
      members.add(KvStores.cluster(p.id(), peers, dir.resolve(p.id())).options(new StoreOptions()).start());
    }
    via = members.get(0);
    // Wait for a leader: the first write succeeds once one is elected.
    via.put(ByteString.copyFromUtf8("/bench/ready"), ByteString.EMPTY).get(60, TimeUnit.SECONDS);
  }

  @Override
  public String name() {
    return "drover";
  }

  @Override
  public CompletableFuture<Void> put(byte[] key, byte[] value) {
    return via.put(ByteString.copyFrom(key), ByteString.copyFrom(value)).thenApply(r -> null);
  }

  @Override
  public CompletableFuture<Void> get(byte[] key) {
    return via.get(ByteString.copyFrom(key)).thenApply(r -> null);
  }

  @Override
  public CompletableFuture<Long> cas(byte[] key, long expectedModRevision, byte[] value) {
    ByteString k = ByteString.copyFrom(key);
    TxnRequest txn = TxnRequest.newBuilder()
        .addCompare(Compare.newBuilder().setKey(k).setTarget(Compare.CompareTarget.MOD).setModRevision(expectedModRevision))
        .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(k).setValue(ByteString.copyFrom(value))))
        .build();
    return via.txn(txn).thenApply(r -> r.getSucceeded() ? r.getHeader().getRevision() : -1L);
  }

  @Override
  public long putSync(byte[] key, byte[] value) throws Exception {
    return via.put(ByteString.copyFrom(key), ByteString.copyFrom(value)).get(60, TimeUnit.SECONDS)
        .getHeader().getRevision();
  }

  @Override
  public void close() {
    for (RaftKvStore m : members) {
      m.close();
    }
  }
}
